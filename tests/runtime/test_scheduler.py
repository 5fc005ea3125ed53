"""The clock: work claimed once, failures logged and retried, other jobs unharmed."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.runtime.scheduler import Work, run_each_once, run_jobs, run_once
from bot.runtime.services import build_services
from storage.models import JobClaim
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


def _claims(baton: Baton, job: str) -> dict[str, bool]:
    """Each claimed subject of `job`, and whether its work finished."""
    with baton.db.reading() as session:
        rows = session.scalars(select(JobClaim).where(JobClaim.job == job))
        return {row.subject: row.finished_at is not None for row in rows}


def test_each_subject_runs_once_across_runs_and_racing_clocks(baton: Baton) -> None:
    baton.set_now(NOW)
    done: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(3)

    def work(subject: str) -> None:
        with lock:
            done.append(subject)

    def clock() -> None:
        barrier.wait()
        for _ in range(3):
            assert run_each_once(baton.services, "alert", "14", ["a", "b", "c"], work) == {}

    threads = [threading.Thread(target=clock) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(done) == ["a", "b", "c"]
    assert _claims(baton, "alert") == {"a": True, "b": True, "c": True}


def test_a_failing_subject_gives_its_claim_back_and_the_others_are_finished(
    baton: Baton,
) -> None:
    baton.set_now(NOW)
    done: list[str] = []

    def work(subject: str) -> None:
        done.append(subject)
        if subject == "b" and done.count("b") == 1:
            raise ConnectionError("Slack unreachable")

    failed = run_each_once(baton.services, "alert", "14", ["a", "b", "c"], work)
    assert list(failed) == ["b"] and isinstance(failed["b"], ConnectionError)
    assert done == ["a", "b", "c"]
    assert _claims(baton, "alert") == {"a": True, "c": True}
    # The next run does only what failed; the one after, nothing; another period, all again.
    assert run_each_once(baton.services, "alert", "14", ["a", "b", "c"], work) == {}
    assert run_each_once(baton.services, "alert", "14", ["a", "b", "c"], work) == {}
    assert done == ["a", "b", "c", "b"]
    assert run_each_once(baton.services, "alert", "15", ["a", "b", "c"], work) == {}
    assert done == ["a", "b", "c", "b", "a", "b", "c"]


def test_a_second_clock_leaves_a_workspace_to_the_clock_running_its_jobs(baton: Baton) -> None:
    if baton.db.dialect != "postgresql":
        pytest.skip("on SQLite a second clock goes over the same ground; the claims suffice")
    ran: list[str] = []
    running, finish = threading.Event(), threading.Event()

    def slow(services: object, now: datetime) -> None:
        ran.append("first clock")
        running.set()
        finish.wait(10)

    def quick(services: object, now: datetime) -> None:
        ran.append("second clock")

    other = build_services(baton.settings)
    try:
        first = threading.Thread(target=run_jobs, args=(baton.services, {"job": slow}))
        first.start()
        assert running.wait(10)
        run_jobs(other, {"job": quick})  # the workspace is being worked on: passed over
        finish.set()
        first.join(10)
        assert ran == ["first clock"]
        run_jobs(other, {"job": quick})  # the first clock is done with it
        assert ran == ["first clock", "second clock"]
    finally:
        finish.set()
        other.db.dispose()
