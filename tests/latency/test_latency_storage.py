"""Stored answers on SQLite and PostgreSQL: the same in any order of delivery, and under load."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.config.settings import load_settings
from bot.core.business_time import BusinessCalendar
from bot.core.durations import parse_duration
from bot.latency import rules
from bot.latency.ingest import delete, ingest, new_message
from bot.latency.jobs import refresh_statistics
from bot.latency.timing import Timing
from bot.runtime.services import build_services
from storage.db import Database
from storage.latency import latency_groups
from storage.models import JobClaim, Message, MessageMention

TIMING = Timing(BusinessCalendar(UTC), {}, parse_duration("4bh"), parse_duration("24bh"))
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def _ts(minute: int) -> str:
    return f"{int((START + timedelta(minutes=minute)).timestamp())}.{minute:06d}"


# (name, minute, author, text, thread parent's name): a question answered after a self-reply,
# a mention of two people answered by the second in another thread, a mention answered later
# by a reply elsewhere, a question in a thread (which waits for nothing), a message nobody
# answers, and a reply that would answer the first question but comes after the right one.
CONVERSATION: list[tuple[str, int, str, str, str | None]] = [
    ("q1", 0, "UA", "Why is CI red?", None),
    ("m1", 1, "UB", "<@UC> <@UD> deploy broke", None),
    ("s1", 2, "UA", "anyone?", "q1"),
    ("m2", 3, "UA", "<@UB|b> can you check the queue", "q1"),
    ("d1", 5, "UD", "rolled back", "m1"),
    ("r1", 7, "UC", "flaky test", "q1"),
    ("q2", 8, "UE", "Lunch?", None),
    ("b1", 9, "UB", "queue fine", None),
    ("r2", 12, "UB", "agreed", "q1"),
    ("m3", 13, "UC", "<@UZ> are you there?", None),
]


def _read(channel: str, name: str) -> rules.MessageFacts:
    minute, author, text, parent = {row[0]: row[1:] for row in CONVERSATION}[name]
    event: dict[str, Any] = {
        "type": "message", "channel": channel, "user": author, "text": text, "ts": _ts(minute),
    }  # fmt: skip
    if parent is not None:
        event["thread_ts"] = _ts({row[0]: row[1] for row in CONVERSATION}[parent])
    read = rules.read_message_event(event, "T1")
    assert isinstance(read, rules.MessageFacts)
    return read


def _deliver(db: Database, channel: str, name: str) -> None:
    read = _read(channel, name)
    new = new_message(read, read.mentions, {}, (), TIMING)
    with db.unit_of_work() as session:
        ingest(session, new, {}, TIMING)


def _answers(db: Database, channel: str) -> dict[str, tuple[Any, ...]]:
    with db.reading() as session:
        rows = session.execute(
            select(Message.ts, Message.wait_kind, Message.answer_ts, Message.answer_user,
                   Message.wall_seconds, Message.business_seconds, Message.sla_due_at,
                   Message.unanswered_due_at).where(Message.channel_id == channel)
        ).all()  # fmt: skip
    return {row[0]: tuple(row[1:]) for row in rows}


def test_in_order_answers_follow_the_definition(db: Database) -> None:
    for name, *_ in CONVERSATION:
        _deliver(db, "CORDER", name)
    answers = _answers(db, "CORDER")
    ts = {name: _ts(minute) for name, minute, *_ in CONVERSATION}
    assert answers[ts["q1"]][:4] == ("question", ts["r1"], "UC", 420.0)  # not s1: self-reply
    assert answers[ts["m1"]][:4] == ("mention", ts["d1"], "UD", 240.0)  # the second named
    assert answers[ts["m2"]][:4] == ("mention", ts["b1"], "UB", 360.0)
    assert answers[ts["q2"]][:3] == ("question", None, None)
    assert answers[ts["m3"]][:3] == ("mention", None, None)
    assert answers[ts["s1"]][0] is None and answers[ts["r2"]][0] is None
    # Each mention row carries its message's answer time, so answered ones are skipped later.
    with db.reading() as session:
        mentions = session.execute(
            select(MessageMention.message_ts, MessageMention.user_id, MessageMention.answered_at)
        ).all()
    by_message = {(row[0], row[1]): row[2] for row in mentions}
    assert set(by_message) == {
        (ts["m1"], "UC"), (ts["m1"], "UD"), (ts["m2"], "UB"), (ts["m3"], "UZ"),
    }  # fmt: skip
    assert by_message[(ts["m1"], "UC")] == START + timedelta(minutes=5, microseconds=5)
    assert by_message[(ts["m2"], "UB")] == START + timedelta(minutes=9, microseconds=9)
    assert by_message[(ts["m3"], "UZ")] is None


def test_any_delivery_order_with_repeats_stores_the_same_answers(db: Database) -> None:
    names = [name for name, *_ in CONVERSATION]
    for name in names:
        _deliver(db, "CORDER", name)
    expected = _answers(db, "CORDER")
    shuffler = random.Random(20261123)
    orders = [list(reversed(names))] + [shuffler.sample(names, len(names)) for _ in range(12)]
    for number, order in enumerate(orders):
        channel = f"CSHUFFLE{number}"
        repeats = shuffler.sample(names, 3)  # Slack sends some twice, late
        for name in order + repeats:
            _deliver(db, channel, name)
        assert _answers(db, channel) == expected, f"order {order}"


def test_a_question_and_its_answer_stored_at_once_are_linked(db: Database) -> None:
    """Two workers: one stores the question while the other stores the answer."""
    pairs = 25
    barrier = threading.Barrier(2)

    def deliver(channel: str, name: str) -> None:
        barrier.wait(timeout=10)
        _deliver(db, channel, name)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for pair in range(pairs):
            channel = f"CRACE{pair}"
            first, second = ("q1", "r1") if pair % 2 else ("r1", "q1")
            done = [pool.submit(deliver, channel, first), pool.submit(deliver, channel, second)]
            for future in done:
                future.result(timeout=20)
    for pair in range(pairs):
        assert _answers(db, f"CRACE{pair}")[_ts(0)][1] == _ts(7), f"pair {pair}"


def test_a_deleted_message_leaves_the_figures_in_any_order(db: Database) -> None:
    gone = rules.Deletion("T1", "CDEL", _ts(0), START)
    with db.unit_of_work() as session:
        delete(session, gone)  # before the message itself
    for name in ("q1", "r1", "q2"):
        _deliver(db, "CDEL", name)
    with db.reading() as session:
        groups = latency_groups(session, start=START, end=START + timedelta(days=1))
    assert [(g.channel_id, g.waiting, g.answered) for g in groups] == [("CDEL", 1, 0)]
    assert _answers(db, "CDEL")[_ts(0)][1] == _ts(7)  # still timed, just not counted


def test_period_groups_count_the_windows_as_of_the_period_end(db: Database) -> None:
    for name, *_ in CONVERSATION:
        _deliver(db, "CWIN", name)
    # Waiting: q1, m1, m2, q2, m3. Answered: q1, m1, m2. SLA windows (4 h, UTC working time
    # 09–18) of messages posted 09:00–09:13 end 13:00–13:13; the 24 h windows end on Wednesday.
    with db.reading() as session:
        [early] = latency_groups(session, start=START, end=START + timedelta(hours=4, minutes=5))
        [later] = latency_groups(session, start=START, end=START + timedelta(days=7))
    assert (early.waiting, early.answered, early.sla_ended, early.within_sla) == (5, 3, 3, 3)
    assert early.unanswered == 0
    assert (later.sla_ended, later.within_sla, later.unanswered) == (5, 3, 2)
    assert sorted(later.wall_seconds) == [240.0, 360.0, 420.0]
    assert sorted(later.business_seconds) == [240.0, 360.0, 420.0]


def test_the_daily_statistics_job_runs_once_a_day(database_url: str) -> None:
    services = build_services(load_settings({"DATABASE_URL": database_url}, require_slack=False))
    try:
        for name, *_ in CONVERSATION:
            _deliver(services.db, "CSTATS", name)
        for hour in (1, 13):  # two ticks of one day: one refresh
            refresh_statistics(services, START.replace(hour=hour))
        with services.db.reading() as session:
            assert session.scalars(select(JobClaim.period)).all() == ["2026-11-23"]
            if services.db.dialect == "sqlite":
                analysed = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'messages'"
                assert session.scalar(text(analysed))
    finally:
        services.db.dispose()


def test_a_message_waits_for_another_writer_on_sqlite(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL writers of other rows do not wait on each other")
    done = threading.Event()
    with db.unit_of_work() as session:
        session.execute(select(Message.id)).all()  # BEGIN IMMEDIATE: the write lock is held
        writer = threading.Thread(target=lambda: (_deliver(db, "CWAIT", "q1"), done.set()))
        writer.start()
        assert not done.wait(0.2)  # it waits…
    writer.join(timeout=10)
    assert done.is_set()  # …and goes on once the lock is free
    assert _ts(0) in _answers(db, "CWAIT")
