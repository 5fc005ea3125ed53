"""NPS rounds end to end: signed requests in; the fake Slack's calls and the database out."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text

from bot.core.ids import NpsBlock, NpsView
from bot.kpi.answers import answer
from bot.kpi.blocks import build_kpi_text
from bot.nps import jobs, sending
from storage.models import Base, NpsAnswer, NpsInvitation, NpsRound, OutboxTask
from tests.support.fake_slack import Call, FakeSlack
from tests.support.harness import Baton, state

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, inside working hours (UTC, 9–18)
PEOPLE = ["UALICE", "UBOB", "UCAROL", "UDAVE", "UERIN"]
NOT_PEOPLE = ["UROBOT", "UGONE", "UWORKFLOW", "UBATON"]
NPS_ENV = {
    "BATON_NPS_AUDIENCE": "CTEAM",
    "BATON_NPS_MIN_RESPONSES": "3",
    "BATON_NPS_SEND_PER_MINUTE": "60000",
}


# -- helpers -------------------------------------------------------------------------------


def team(fake: FakeSlack, channel: str = "CTEAM") -> None:
    for person in PEOPLE:
        fake.add_user(person)
    fake.add_user("UROBOT", is_bot=True)
    fake.add_user("UGONE", deleted=True)
    fake.add_user("UWORKFLOW", is_app_user=True)
    fake.add_user("UBATON", is_bot=True)
    fake.add_channel_members(channel, PEOPLE + NOT_PEOPLE)


@pytest.fixture
def nps_baton(make_baton: Callable[..., Baton]) -> Baton:
    baton = make_baton(**NPS_ENV)
    team(baton.fake_slack)
    return baton


def invitations(baton: Baton) -> dict[str, NpsInvitation]:
    with baton.db.reading() as session:
        found = list(session.scalars(select(NpsInvitation)))
        session.expunge_all()
    return {inv.user_id: inv for inv in found}


def answers(baton: Baton) -> list[NpsAnswer]:
    with baton.db.reading() as session:
        found = list(session.scalars(select(NpsAnswer)))
        session.expunge_all()
    return found


def the_round(baton: Baton) -> NpsRound:
    with baton.db.reading() as session:
        [found] = session.scalars(select(NpsRound))
        session.expunge_all()
    return found


def dms(fake: FakeSlack) -> list[Call]:
    return fake.calls_to("chat.postMessage")


def replies(fake: FakeSlack) -> list[str]:
    return [c.args.get("text", "") for c in fake.calls_to("response_url")]


def start(baton: Baton, at: datetime = T0) -> None:
    baton.set_now(at)
    body = baton.command("/kpi", "nps start", user="UADMIN").json()
    assert body["response_type"] == "ephemeral"
    assert "Starting an NPS round" in body["text"]
    baton.settle()


def send(baton: Baton, at: datetime) -> sending.Delivery:
    baton.set_now(at)
    return sending.deliver(baton.services)


def click(baton: Baton, person: str, score: int, *, as_user: str | None = None) -> Any:
    invitation = invitations(baton)[person]
    response = baton.block_action(
        f"nps_score_{score}",
        f"{invitation.id}:{score}",
        user=as_user or person,
        channel=invitation.channel_id or "D0",
        message_ts=invitation.message_ts,
    )
    assert response.status_code == 200
    baton.settle()
    return response


def comment_metadata(fake: FakeSlack) -> str:
    view = fake.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == NpsView.COMMENT
    return str(view["private_metadata"])


# -- a whole round -------------------------------------------------------------------------


def test_a_round_from_start_to_close(nps_baton: Baton) -> None:
    baton, fake = nps_baton, nps_baton.fake_slack

    # Start: the admin is answered at once, then told who will be asked.
    start(baton)
    [started] = replies(fake)
    assert "NPS round 1 is open until" in started
    assert "8 members of <#CTEAM>" in started  # Baton itself is never even invited
    round_ = the_round(baton)
    assert (round_.started_by, round_.audience, round_.min_responses) == ("UADMIN", "CTEAM", 3)
    assert round_.ends_at == T0 + timedelta(days=7)

    # The clock sends one DM to every person, none to bots, apps or deactivated accounts.
    done = send(baton, T0)
    assert (done.sent, done.excluded) == (5, 3)
    assert sorted(c.args["channel"] for c in dms(fake)) == sorted(PEOPLE)
    assert "UBATON" not in {c.args.get("user") for c in fake.calls_to("users.info")}
    rows = invitations(baton)
    assert {rows[p].status for p in PEOPLE} == {"sent"}
    assert {rows[p].status for p in ("UROBOT", "UGONE", "UWORKFLOW")} == {"excluded"}
    dm = next(c for c in dms(fake) if c.args["channel"] == "UALICE")
    assert "How likely are you to recommend working with this team" in dm.args["text"]
    assert sending.deliver(baton.services).sent == 0  # nothing is sent twice

    # A click records the score, edits the DM into a thank-you and offers a comment.
    click(baton, "UALICE", 9)
    [stored] = answers(baton)
    assert (stored.score, stored.comment, stored.answered_on) == (9, None, date(2026, 3, 2))
    assert invitations(baton)["UALICE"].status == "answered"
    [update] = fake.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == ("DALICE", rows["UALICE"].message_ts)
    assert "Thank you" in update.args["text"]
    assert all(block["type"] != "actions" for block in update.args["blocks"])
    metadata = comment_metadata(fake)
    assert json.loads(metadata) == {"answer": stored.id}

    # The optional comment: too long is refused in the form; once is enough.
    too_long = baton.view_submission(
        NpsView.COMMENT,
        state(**{NpsBlock.COMMENT: "x" * 1001}),
        user="UALICE",
        private_metadata=metadata,
    )
    assert too_long.json()["response_action"] == "errors"
    ok = baton.view_submission(
        NpsView.COMMENT,
        state(**{NpsBlock.COMMENT: "More pairing with the client, please."}),
        user="UALICE",
        private_metadata=metadata,
    )
    assert ok.status_code == 200 and not ok.text
    again = baton.view_submission(
        NpsView.COMMENT,
        state(**{NpsBlock.COMMENT: "Changed my mind"}),
        user="UALICE",
        private_metadata=metadata,
    )
    assert "already added" in again.json()["errors"][NpsBlock.COMMENT]
    assert answers(baton)[0].comment == "More pairing with the client, please."

    # A second click, and a forged click on someone else's invitation: a note, no change.
    click(baton, "UALICE", 0)
    click(baton, "UBOB", 0, as_user="UCAROL")
    notes = replies(fake)[-2:]
    assert "You already answered NPS round 1" in notes[0]
    assert "sent to someone else" in notes[1]
    assert [a.score for a in answers(baton)] == [9]
    assert invitations(baton)["UBOB"].status == "sent"
    assert len(fake.calls_to("chat.update")) == 1

    click(baton, "UBOB", 10)
    click(baton, "UCAROL", 6)

    # Day 3, 10:00: one reminder, only to those who have not answered.
    done = send(baton, T0 + timedelta(days=2))
    assert done.reminded == 2
    reminders = dms(fake)[5:]
    assert sorted(c.args["channel"] for c in reminders) == ["DDAVE", "DERIN"]
    assert "reminder" in reminders[0].args["text"].lower()
    assert send(baton, T0 + timedelta(days=2, hours=1)).reminded == 0

    # Day 5's reminder is due at Friday 10:00, but not sent outside working hours.
    assert send(baton, T0 + timedelta(days=4, hours=9)).reminded == 0  # Friday 19:00
    click(baton, "UERIN", 8)
    done = send(baton, T0 + timedelta(days=7, hours=-1))  # Monday 09:00
    assert done.reminded == 1
    assert dms(fake)[-1].args["channel"] == "DDAVE"
    assert len(dms(fake)) == 8

    # The round closes on time; a click on its DM then changes nothing.
    baton.set_now(T0 + timedelta(days=7))
    jobs.nps_rounds(baton.services, T0 + timedelta(days=7))
    assert the_round(baton).closed_at == T0 + timedelta(days=7)
    click(baton, "UDAVE", 10)
    assert "NPS round 1 closed on 2026-03-09" in replies(fake)[-1]
    assert len(answers(baton)) == 4

    # The numbers: 9, 10 promote, 8 is passive, 6 detracts: 100 × (2 − 1) ÷ 4 = 25.
    body = baton.command("/kpi", "nps", user="UOTHER").json()
    assert body["response_type"] == "ephemeral"
    fields = {
        f["text"].split("\n")[0].strip("*"): f["text"].split("\n")[1]
        for block in body["blocks"]
        for f in block.get("fields", [])
    }
    assert fields["NPS"] == "25"
    assert fields["Response rate"] == "80% (4 of 5)"
    assert fields["Promoters · passives · detractors"] == "2 · 1 · 1"
    assert fields["Reached"] == "5 of 5"
    assert "More pairing with the client, please." in json.dumps(body["blocks"])

    figures = answer(baton.services, "nps")
    [entry] = figures["rounds"]
    assert {
        "round",
        "started",
        "invited",
        "responses",
        "response_rate",
        "promoters",
        "passives",
        "detractors",
        "score",
    } <= set(entry)
    assert (entry["round"], entry["invited"], entry["responses"], entry["score"]) == (1, 5, 4, 25)
    assert entry["response_rate"] == 0.8
    assert entry["started"] == "2026-03-02T10:00:00+00:00"
    assert entry["comments"] == ["More pairing with the client, please."]
    assert "NPS" in build_kpi_text("nps", figures, days=7, channel_id=None)


def test_below_the_minimum_no_score_and_no_comment_is_shown(make_baton) -> None:
    baton = make_baton(**(NPS_ENV | {"BATON_NPS_MIN_RESPONSES": "5"}))
    team(baton.fake_slack)
    start(baton)
    send(baton, T0)
    for person, score in zip(PEOPLE[:4], [10, 9, 2, 8], strict=True):
        click(baton, person, score)
    metadata = comment_metadata(baton.fake_slack)
    baton.view_submission(
        NpsView.COMMENT,
        state(**{NpsBlock.COMMENT: "Secret thought"}),
        user=PEOPLE[3],
        private_metadata=metadata,
    )
    body = baton.command("/kpi", "nps").json()
    shown = json.dumps(body)
    assert "not enough answers yet (4 of 5)" in shown
    assert "80% (4 of 5)" in shown
    assert "Secret thought" not in shown
    [entry] = answer(baton.services, "nps")["rounds"]
    assert entry["score"] is None and entry["promoters"] is None and entry["comments"] is None
    assert entry["responses"] == 4


def test_only_admins_start_or_close_rounds(nps_baton: Baton) -> None:
    baton = nps_baton
    for words in ("nps start", "nps close"):
        body = baton.command("/kpi", words, user="UOTHER").json()
        assert body["response_type"] == "ephemeral"
        assert "Only a Baton admin (BATON_ADMINS) can" in body["text"]
    assert (
        "No NPS round is open" in baton.command("/kpi", "nps close", user="UADMIN").json()["text"]
    )
    with baton.db.reading() as session:
        assert session.scalars(select(NpsRound)).first() is None


def test_one_round_at_a_time_and_an_admin_closes_it_early(nps_baton: Baton) -> None:
    baton, fake = nps_baton, nps_baton.fake_slack
    start(baton)
    again = baton.command("/kpi", "nps start", user="UADMIN").json()
    assert "NPS round 1 is already open" in again["text"]
    send(baton, T0)
    for person, score in zip(PEOPLE[:3], [10, 7, 3], strict=True):
        click(baton, person, score)
    baton.set_now(T0 + timedelta(days=1))
    closed = baton.command("/kpi", "nps close", user="UADMIN").json()
    assert closed["text"] == (":lock: NPS round 1 is closed. 3 of 5 invited answered (60%); NPS 0.")
    round_ = the_round(baton)
    assert (round_.closed_by, round_.closed_at) == ("UADMIN", T0 + timedelta(days=1))
    # Closed rounds send nothing more.
    assert send(baton, T0 + timedelta(days=2)).reminded == 0
    assert len(dms(fake)) == 5


def test_a_round_needs_an_audience(make_baton) -> None:
    baton = make_baton()
    body = baton.command("/kpi", "nps start", user="UADMIN").json()
    assert "No NPS audience is set: set BATON_NPS_AUDIENCE" in body["text"]


def test_an_audience_baton_cannot_read_is_explained(make_baton) -> None:
    baton = make_baton(BATON_NPS_AUDIENCE="GSECRET")
    start(baton)
    [told] = replies(baton.fake_slack)
    assert "I could not read who is in <#GSECRET> (Slack said `channel_not_found`)" in told
    assert "`/invite @Baton`" in told
    with baton.db.reading() as session:
        assert session.scalars(select(NpsRound)).first() is None


def test_a_user_group_audience(make_baton) -> None:
    baton = make_baton(**(NPS_ENV | {"BATON_NPS_AUDIENCE": "S0DELIVERY"}))
    team(baton.fake_slack)
    baton.fake_slack.add_usergroup("S0DELIVERY", "delivery", ["UBOB", "UROBOT", "UDAVE"])
    start(baton)
    assert "3 members of <!subteam^S0DELIVERY>" in replies(baton.fake_slack)[0]
    send(baton, T0)
    assert sorted(c.args["channel"] for c in dms(baton.fake_slack)) == ["UBOB", "UDAVE"]


# -- the cadence ---------------------------------------------------------------------------


def test_rounds_start_on_the_cadence_once_however_many_clocks(make_baton) -> None:
    baton = make_baton(**(NPS_ENV | {"BATON_NPS_CADENCE": "weekly"}))
    team(baton.fake_slack)
    before = T0 - timedelta(minutes=1)
    jobs.nps_rounds(baton.services, before)
    with baton.db.reading() as session:
        assert session.scalars(select(NpsRound)).first() is None
    for _ in range(3):
        baton.set_now(T0 + timedelta(minutes=1))
        jobs.nps_rounds(baton.services, T0 + timedelta(minutes=1))
    round_ = the_round(baton)
    assert (round_.period, round_.started_by) == ("2026-03-02", None)
    # The next Monday the first round closes and the next one opens.
    next_week = T0 + timedelta(days=7)
    baton.set_now(next_week)
    jobs.nps_rounds(baton.services, next_week)
    with baton.db.reading() as session:
        rounds = list(session.scalars(select(NpsRound).order_by(NpsRound.id)))
        session.expunge_all()
    assert [(r.period, r.closed_at) for r in rounds] == [
        ("2026-03-02", next_week),
        ("2026-03-09", None),
    ]


def _waiting_send_tasks(baton: Baton) -> int:
    with baton.db.reading() as session:
        query = select(func.count()).where(
            OutboxTask.kind == "nps.send", OutboxTask.done_at.is_(None)
        )
        return int(session.scalar(query) or 0)


def test_the_clock_puts_the_dms_in_the_outbox_once_and_a_drainer_paces_them(
    make_baton: Callable[..., Baton],
) -> None:
    # 30 a minute: one try every 2 seconds.
    baton = make_baton(**(NPS_ENV | {"BATON_NPS_SEND_PER_MINUTE": "30"}))
    team(baton.fake_slack)
    start(baton)
    for _ in range(3):  # three clocks at the same tick
        jobs.promise_sending(baton.services, T0)
    assert _waiting_send_tasks(baton) == 1
    sent_at: list[int] = []
    # Counted from before the first second: the drainer beside the server may send the first
    # DM as soon as it is promised, before this loop looks.
    seen = 0
    for second in range(30):
        baton.set_now(T0 + timedelta(seconds=second))
        baton.settle()
        now_sent = len(dms(baton.fake_slack))
        sent_at += [second] * (now_sent - seen)
        seen = now_sent
    # The five people first (the audience's order), one every 2 s; then the bot, the deactivated
    # account and the app are looked up and skipped at the same pace (Baton itself is never
    # invited), and the task is done.
    assert sent_at == [0, 2, 4, 6, 8]
    assert sorted(call.args["channel"] for call in dms(baton.fake_slack)) == sorted(PEOPLE)
    assert _waiting_send_tasks(baton) == 0
    assert sorted(i.status for i in invitations(baton).values()) == ["excluded"] * 3 + ["sent"] * 5


# -- anonymity -----------------------------------------------------------------------------


def test_no_database_row_ties_a_score_to_a_person(
    nps_baton: Baton, caplog: pytest.LogCaptureFixture
) -> None:
    baton, fake = nps_baton, nps_baton.fake_slack
    caplog.set_level(logging.INFO)
    start(baton)
    send(baton, T0)
    scores = dict(zip(PEOPLE, [10, 3, 7, 9, 0], strict=True))
    for person, score in scores.items():
        baton.set_now(T0 + timedelta(minutes=PEOPLE.index(person) * 7))
        click(baton, person, score)
        metadata = comment_metadata(fake)
        baton.view_submission(
            NpsView.COMMENT,
            state(**{NpsBlock.COMMENT: f"note {score}"}),
            user=person,
            private_metadata=metadata,
        )

    dump: dict[str, list[dict[str, Any]]] = {}
    with baton.db.reading() as session:
        for table in Base.metadata.sorted_tables:
            dump[table.name] = [dict(r._mapping) for r in session.execute(select(table))]

    # The answers hold the workspace, the round, the score, the comment and the day: nothing
    # else.
    assert set(Base.metadata.tables["nps_answers"].columns.keys()) == {
        "team_id",
        "id",
        "round_id",
        "score",
        "comment",
        "answered_on",
    }
    inspector = inspect(baton.db.engine)
    assert {c["name"] for c in inspector.get_columns("nps_answers")} == {
        "team_id",
        "id",
        "round_id",
        "score",
        "comment",
        "answered_on",
    }
    stored = dump["nps_answers"]
    assert sorted(r["score"] for r in stored) == sorted(scores.values())
    for row in stored:
        assert type(row["answered_on"]) is date  # a day, no time of day
        assert len(row["id"]) == 36  # a random UUID, no sequence
    # No row that names a person holds a score, an answer id or a comment.
    people = set(PEOPLE)
    answer_ids = {r["id"] for r in stored}
    comments = {r["comment"] for r in stored}
    for name, rows in dump.items():
        for row in rows:
            values = {str(v) for v in row.values() if v is not None}
            if values & people:
                assert "score" not in row, name
                assert not values & answer_ids, name
                assert not values & comments, name
            if name != "nps_answers":
                assert not values & answer_ids, name
    # The answers' order in the table is their random keys' order, not the order of answering.
    if baton.db.dialect == "sqlite":
        with baton.db.engine.connect() as connection, pytest.raises(Exception, match="rowid"):
            connection.execute(text("SELECT rowid FROM nps_answers"))
    # And Baton's own logs never put a person next to a score.
    for record in caplog.records:
        message = record.getMessage()
        assert not any(person in message for person in PEOPLE), message
