"""The clock: work claimed once, failures logged and retried, other jobs unharmed."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import pytest

from bot.runtime.scheduler import Work, run_jobs, run_once
from tests.support.harness import Baton

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_work_runs_once_across_runs_and_racing_clocks(baton: Baton) -> None:
    baton.set_now(NOW)
    done: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(3)

    def clock() -> None:
        barrier.wait()
        for _ in range(3):

            def work() -> None:
                with lock:
                    done.append("sent")

            run_once(baton.services, Work("reminder", "escalation:1", "1"), work)

    threads = [threading.Thread(target=clock) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert done == ["sent"]


def test_failed_work_gives_its_claim_back_and_is_done_next_run(baton: Baton) -> None:
    baton.set_now(NOW)
    attempts: list[int] = []

    def flaky() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("Slack unreachable")

    with pytest.raises(ConnectionError):
        run_once(baton.services, Work("reminder", "blocker:7", "sla"), flaky)
    assert run_once(baton.services, Work("reminder", "blocker:7", "sla"), flaky) is True
    assert run_once(baton.services, Work("reminder", "blocker:7", "sla"), flaky) is False
    assert len(attempts) == 2


def test_a_failing_job_is_logged_and_the_others_still_run(
    baton: Baton, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[str] = []

    def broken(services: object, now: datetime) -> None:
        raise ValueError("bad job")

    def healthy(services: object, now: datetime) -> None:
        ran.append("healthy")

    with caplog.at_level(logging.ERROR, logger="bot.runtime.scheduler"):
        run_jobs(baton.services, {"broken": broken, "healthy": healthy})
    assert ran == ["healthy"]
    assert "job broken failed" in caplog.text
    assert "ValueError: bad job" in caplog.text
