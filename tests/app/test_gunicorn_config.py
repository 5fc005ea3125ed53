"""gunicorn always ends: a drainer that does not stop when asked is killed after a grace."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from bot import gunicorn_config

# A stand-in for a stuck drainer: it ignores SIGTERM, as one hanging in a call would not end.
STUCK = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print(1, flush=True); time.sleep(60)"
)


def _child(code: str) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline()  # ready, handler in place
    return child


def _server() -> SimpleNamespace:
    return SimpleNamespace(log=logging.getLogger("test.gunicorn"))


def test_a_drainer_that_ignores_sigterm_is_killed_after_the_grace(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    child = _child(STUCK)
    monkeypatch.setattr(gunicorn_config, "_drainer", child.pid)
    monkeypatch.setattr(gunicorn_config, "DRAINER_GRACE_SECONDS", 0.5)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        gunicorn_config.on_exit(_server())
    assert time.monotonic() - started < 5
    assert _gone(child.pid)
    assert f"outbox drainer (pid {child.pid}) did not stop; killed" in caplog.text


def test_a_drainer_that_stops_when_asked_is_not_killed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    child = _child("import time; print(1, flush=True); time.sleep(60)")
    monkeypatch.setattr(gunicorn_config, "_drainer", child.pid)
    with caplog.at_level(logging.WARNING):
        gunicorn_config.on_exit(_server())
    assert _gone(child.pid)
    assert caplog.text == ""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False
