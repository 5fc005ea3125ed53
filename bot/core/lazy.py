"""Modules loaded on first use, so that a process only pays for what it runs.

pandas, NumPy and matplotlib take about 60 MB and half a second to import. The web process
answers message events, `/escalate` and `/blocker` without them, yet the modules that hold the
KPI engine and the charts are imported when the listeners are registered. Those modules name
the heavy libraries with `lazy_module`: the name is bound at once, the library is imported the
first time one of its attributes is read (that is, when a KPI or a chart is computed).
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import Any


class _LazyModule(ModuleType):
    """Stands for a module until one of its attributes is read, then imports it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_lock"] = threading.Lock()
        self.__dict__["_module"] = None

    def _load(self) -> ModuleType:
        module: ModuleType | None = self.__dict__["_module"]
        if module is None:
            with self.__dict__["_lock"]:
                module = self.__dict__["_module"]
                if module is None:
                    module = importlib.import_module(self.__name__)
                    self.__dict__["_module"] = module
        return module

    def __getattr__(self, name: str) -> Any:
        return getattr(self._load(), name)

    def __dir__(self) -> list[str]:
        return dir(self._load())


def lazy_module(name: str) -> Any:
    """`name` imported the first time one of its attributes is read."""
    return _LazyModule(name)
