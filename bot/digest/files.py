"""The digest written to a folder instead of posted: `baton digest --dry-run` and the demo."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from bot.digest.blocks import build_digest_markdown, build_digest_message
from bot.digest.build import build_charts, build_digest
from bot.runtime.services import Services


def write_digest(services: Services, week: date, out: Path) -> list[Path]:
    """Write the digest of `week` to `out`: Block Kit JSON, Markdown preview, PNG charts."""
    out.mkdir(parents=True, exist_ok=True)
    digest = build_digest(services, week)
    charts = build_charts(digest)
    written = []
    message = build_digest_message(digest)
    path = out / "digest.json"
    path.write_text(json.dumps(message, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written.append(path)
    for chart in charts:
        path = out / chart.filename
        path.write_bytes(chart.png)
        written.append(path)
    path = out / "digest.md"
    path.write_text(build_digest_markdown(digest, charts), encoding="utf-8")
    written.append(path)
    return written
