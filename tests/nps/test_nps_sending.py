"""Sending survey DMs: Slack's rate limits, refusals, 429s, two clocks and a restart half-way."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.kpi.answers import answer
from bot.nps import flows, sending
from bot.runtime.services import Services, build_services
from storage import nps as store
from storage.models import NpsInvitation
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Baton

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday


def audience(fake: FakeSlack, size: int, channel: str = "CBIG") -> list[str]:
    people = [f"UP{n:05d}" for n in range(size)]
    for person in people:
        fake.add_user(person)
    fake.add_channel_members(channel, people)
    return people


def open_round(baton: Baton) -> None:
    baton.set_now(T0)
    flows.start_round(baton.services, started_by="UADMIN", period=None)


def statuses(baton: Baton) -> dict[str, str]:
    with baton.db.reading() as session:
        return dict(session.execute(select(NpsInvitation.user_id, NpsInvitation.status)).all())


def delivered(fake: FakeSlack) -> Counter[str]:
    return Counter(str(c.args["channel"]) for c in fake.calls_to("chat.postMessage"))


def most_in_a_window(moments: list[float], seconds: float = 1.0) -> int:
    """The largest number of calls inside any window of `seconds`."""
    moments = sorted(moments)
    most, first = 0, 0
    for last, moment in enumerate(moments):
        while moment - moments[first] >= seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


@pytest.fixture
def big_baton(make_baton: Callable[..., Baton]) -> Baton:
    # 100 DMs a second: Slack's ~1 a second scaled up a hundredfold so the test takes seconds.
    return make_baton(BATON_NPS_AUDIENCE="CBIG", BATON_NPS_SEND_PER_MINUTE="6000")


def test_2000_people_paced_and_a_clock_restarted_half_way(big_baton: Baton) -> None:
    baton, fake = big_baton, big_baton.fake_slack
    people = audience(fake, 2000)
    open_round(baton)
    assert len(fake.calls_to("conversations.members")) == 2  # two pages of 1,000

    # The first clock sends about half, then stops (a deploy, a restart).
    stop = threading.Event()
    first = threading.Thread(
        target=sending.deliver, args=(baton.services,), kwargs={"should_stop": stop.is_set}
    )
    first.start()
    fake.wait_for("chat.postMessage", 1000, timeout=60)
    stop.set()
    first.join(30)
    assert not first.is_alive()
    half = len(fake.calls_to("chat.postMessage"))
    assert 1000 <= half < 2000

    # A new clock process: new engine, new client; it sends to exactly the others.
    restarted: Services = build_services(baton.settings)
    restarted.now = lambda: T0
    try:
        sending.deliver(restarted)
    finally:
        restarted.db.dispose()

    counts = delivered(fake)
    assert set(counts) == set(people)
    assert max(counts.values()) == 1  # nobody got two DMs, nobody was skipped
    assert set(statuses(baton).values()) == {"sent"}
    # Spread, never bursting past the rate: 100 a second, give or take the network's jitter.
    moments = [c.at for c in fake.calls_to("chat.postMessage")]
    assert most_in_a_window(moments) <= 103
    [entry] = answer(baton.services, "nps")["rounds"]
    assert (entry["invited"], entry["reached"], entry["responses"]) == (2000, 2000, 0)


def test_sends_are_spread_evenly_at_the_configured_rate(make_baton: Callable[..., Baton]) -> None:
    baton = make_baton(BATON_NPS_AUDIENCE="CBIG", BATON_NPS_SEND_PER_MINUTE="1200")
    audience(baton.fake_slack, 21)
    open_round(baton)
    sending.deliver(baton.services)
    moments = [c.at for c in baton.fake_slack.calls_to("chat.postMessage")]
    assert len(moments) == 21
    # 1,200 a minute is one every 50 ms: twenty gaps take a second, and no quarter of a second
    # holds more than its five (plus the one on the edge, give or take network jitter). Slack
    # sees each send after its claim's commit, so the first may arrive late by a busy disk's
    # fsync: the span is a second less that jitter (1,300 a minute would give 0.92 s).
    assert moments[-1] - moments[0] >= 0.93
    assert most_in_a_window(moments, 0.25) <= 6
    gaps = [b - a for a, b in itertools.pairwise(moments)]
    assert min(gaps) >= 0.02


def test_two_clocks_at_once_send_each_dm_once(make_baton: Callable[..., Baton]) -> None:
    baton = make_baton(BATON_NPS_AUDIENCE="CBIG", BATON_NPS_SEND_PER_MINUTE="60000")
    people = audience(baton.fake_slack, 200)
    open_round(baton)
    other: Services = build_services(baton.settings)
    other.now = lambda: T0
    try:
        clocks = [
            threading.Thread(target=sending.deliver, args=(services,))
            for services in (baton.services, other)
        ]
        for clock in clocks:
            clock.start()
        for clock in clocks:
            clock.join(60)
    finally:
        other.db.dispose()
    counts = delivered(baton.fake_slack)
    assert set(counts) == set(people) and max(counts.values()) == 1


def test_a_429_pauses_the_sends_and_nobody_gets_two_dms(make_baton: Callable[..., Baton]) -> None:
    baton = make_baton(BATON_NPS_AUDIENCE="CBIG", BATON_NPS_SEND_PER_MINUTE="60000")
    fake = baton.fake_slack
    people = audience(fake, 6)
    open_round(baton)
    # Slack refuses the third DM with a 429 four times: the client's own retries give up too.
    sending.deliver(baton.services, should_stop=lambda: len(fake.calls_to("chat.postMessage")) >= 2)
    fake.fail("chat.postMessage", status=429, retry_after=1, times=4)
    started = time.monotonic()
    done = sending.deliver(baton.services)
    assert done.rate_limited == 1
    calls = fake.calls_to("chat.postMessage")
    refused = calls[2:6]
    assert {c.args["channel"] for c in refused} == {people[2]}
    # Every retry waited at least the Retry-After second, and so did the next DM.
    gaps = [b.at - a.at for a, b in itertools.pairwise(calls[2:])]
    assert all(gap >= 0.95 for gap in gaps[:4])
    assert time.monotonic() - started >= 4
    # The rate-limited invitation waits for its turn; it goes on the next run.
    assert statuses(baton)[people[2]] == "pending"
    baton.set_now(T0 + timedelta(seconds=2))
    sending.deliver(baton.services)
    counts = Counter(
        str(c.args["channel"]) for c in fake.calls_to("chat.postMessage")[6:]
    ) + Counter(str(c.args["channel"]) for c in calls[:2])
    assert set(counts) == set(people) and max(counts.values()) == 1
    assert set(statuses(baton).values()) == {"sent"}


def test_one_429_is_honoured_by_the_client_and_the_dm_still_goes_once(
    make_baton: Callable[..., Baton],
) -> None:
    baton = make_baton(BATON_NPS_AUDIENCE="CBIG", BATON_NPS_SEND_PER_MINUTE="60000")
    fake = baton.fake_slack
    people = audience(fake, 3)
    open_round(baton)
    fake.fail("chat.postMessage", status=429, retry_after=1)
    sending.deliver(baton.services)
    first, retried, *rest = fake.calls_to("chat.postMessage")
    assert first.args["channel"] == retried.args["channel"] == people[0]
    assert retried.at - first.at >= 0.95
    assert [c.args["channel"] for c in rest] == people[1:]
    assert set(statuses(baton).values()) == {"sent"}


@pytest.mark.parametrize("failure", [{"status": 500}, {"drop": True}], ids=["500", "dropped"])
def test_slack_unwell_puts_a_dm_back_for_seconds_not_as_a_refusal(
    make_baton: Callable[..., Baton], failure: dict[str, Any]
) -> None:
    baton = make_baton(BATON_NPS_AUDIENCE="CBIG", BATON_NPS_SEND_PER_MINUTE="60000")
    fake = baton.fake_slack
    people = audience(fake, 3)
    open_round(baton)
    # The first DM fails three times: once, and on each of the client's two retries.
    fake.fail("chat.postMessage", times=3, **failure)
    done = sending.deliver(baton.services)
    assert (done.sent, done.refused, done.unwell) == (2, 0, 1)
    with baton.db.reading() as session:
        waiting = store.invitation_of(session, 1, people[0])
        assert waiting is not None
        # Not an attempt: the person did not refuse anything, Slack was unwell.
        assert (waiting.status, waiting.attempts) == ("pending", 0)
        assert waiting.next_attempt_at == T0 + timedelta(seconds=15)
    assert sending.deliver(baton.services).sent == 0  # not before its 15 seconds
    baton.set_now(T0 + timedelta(seconds=15))
    assert sending.deliver(baton.services).sent == 1
    assert set(statuses(baton).values()) == {"sent"}
    # Three failed tries and the one that went, then one DM each for the others.
    assert delivered(fake) == Counter({people[0]: 4, people[1]: 1, people[2]: 1})


@pytest.mark.parametrize("error", ["cannot_dm_bot", "account_inactive", "user_not_found"])
def test_a_refused_dm_is_tried_once_more_later_then_undeliverable(
    make_baton: Callable[..., Baton], error: str
) -> None:
    baton = make_baton(BATON_NPS_AUDIENCE="CBIG", BATON_NPS_SEND_PER_MINUTE="60000")
    fake = baton.fake_slack
    people = audience(fake, 4)
    open_round(baton)
    fake.fail("chat.postMessage", error=error)
    done = sending.deliver(baton.services)
    assert (done.sent, done.refused) == (3, 1)
    with baton.db.reading() as session:
        refused = store.invitation_of(session, 1, people[0])
        assert refused is not None
        assert (refused.status, refused.attempts, refused.last_error) == ("pending", 1, error)
        assert refused.next_attempt_at == T0 + sending.RETRY_DELAY

    # Not before its time; then once more, and Slack refuses again: undeliverable.
    assert sending.deliver(baton.services).refused == 0
    fake.fail("chat.postMessage", error=error)
    baton.set_now(T0 + sending.RETRY_DELAY)
    assert sending.deliver(baton.services).refused == 1
    assert statuses(baton)[people[0]] == "undeliverable"
    baton.set_now(T0 + timedelta(days=1))
    assert sending.deliver(baton.services).refused == 0
    [entry] = answer(baton.services, "nps")["rounds"]
    assert (entry["invited"], entry["reached"], entry["undeliverable"]) == (4, 3, 1)


def test_a_refusal_then_success_counts_as_reached(make_baton: Callable[..., Baton]) -> None:
    baton = make_baton(BATON_NPS_AUDIENCE="CBIG", BATON_NPS_SEND_PER_MINUTE="60000")
    fake = baton.fake_slack
    people = audience(fake, 2)
    open_round(baton)
    fake.fail("users.info", error="user_not_found")
    sending.deliver(baton.services)
    baton.set_now(T0 + sending.RETRY_DELAY)
    sending.deliver(baton.services)
    assert statuses(baton) == {people[0]: "sent", people[1]: "sent"}
    assert delivered(fake) == Counter(people)


def test_a_process_killed_mid_send_never_sends_that_dm_twice(
    make_baton: Callable[..., Baton],
) -> None:
    baton = make_baton(BATON_NPS_AUDIENCE="CBIG", BATON_NPS_SEND_PER_MINUTE="60000")
    fake = baton.fake_slack
    people = audience(fake, 3)
    open_round(baton)
    # A clock claimed the first invitation and died before Slack answered.
    with baton.db.unit_of_work() as session:
        assert store.claim_send(session, 1, now=T0)
    sending.deliver(baton.services)
    assert [c.args["channel"] for c in fake.calls_to("chat.postMessage")] == people[1:]
    # Ten minutes later the claim is taken for sent: the DM is not risked twice.
    baton.set_now(T0 + timedelta(minutes=11))
    sending.deliver(baton.services)
    assert len(fake.calls_to("chat.postMessage")) == 2
    with baton.db.reading() as session:
        claimed = store.get_invitation(session, 1)
        assert claimed is not None
        assert (claimed.status, claimed.last_error) == ("sent", "unconfirmed")


def test_a_round_closed_before_its_dms_went_out_counts_them_undeliverable(
    make_baton: Callable[..., Baton],
) -> None:
    baton = make_baton(BATON_NPS_AUDIENCE="CBIG", BATON_NPS_SEND_PER_MINUTE="60000")
    audience(baton.fake_slack, 5)
    open_round(baton)
    flows.close_round(baton.services, closed_by="UADMIN")
    assert sending.deliver(baton.services).sent == 0
    assert set(statuses(baton).values()) == {"undeliverable"}
