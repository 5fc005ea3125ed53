"""Slack's installations in Baton's database: the tables Baton's migrations make are the ones
slack_sdk's stores read and write, and a workspace's installation is listed and deleted whole."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table

from storage import installations
from storage.db import Database
from storage.workspaces import forget_workspace, stored_teams

CLIENT_ID = "1111111111.2222222222"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def _shape(table: Table) -> dict[str, tuple[str, bool, bool]]:
    return {
        column.name: (type(column.type).__name__, bool(column.nullable), column.primary_key)
        for column in table.columns
    }


def test_the_tables_are_those_slack_sdk_s_stores_declare() -> None:
    theirs = MetaData()
    store = SQLAlchemyInstallationStore
    assert _shape(installations.BOTS) == _shape(store.build_bots_table(theirs, "slack_bots"))
    assert _shape(installations.INSTALLATIONS) == _shape(
        store.build_installations_table(theirs, "slack_installations")
    )
    states = SQLAlchemyOAuthStateStore.build_oauth_states_table(theirs, "slack_oauth_states")
    assert _shape(installations.OAUTH_STATES) == _shape(states)


def _installation(team: str, token: str) -> Installation:
    return Installation(
        app_id="A0BATON",
        enterprise_id=None,
        team_id=team,
        team_name=f"Workspace {team}",
        bot_token=token,
        bot_id="B0BATON",
        bot_user_id="UBATON",
        bot_scopes="commands,chat:write",
        user_id="U0INSTALLER",
        installed_at=datetime(2026, 12, 1, tzinfo=UTC).timestamp(),
    )


def test_slack_sdk_s_store_keeps_installations_in_the_migrated_tables(db: Database) -> None:
    store = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=db.engine)
    store.save(_installation("T0ALPHA", "xoxb-alpha"))
    store.save(_installation("T0BRAVO", "xoxb-bravo"))
    found = store.find_bot(enterprise_id=None, team_id="T0BRAVO")
    assert found is not None and found.bot_token == "xoxb-bravo"
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=db.engine)
    state = states.issue()
    assert states.consume(state) and not states.consume(state)

    with db.reading() as session:
        assert installations.installed_teams(session) == ["T0ALPHA", "T0BRAVO"]
        assert stored_teams(session) == ["T0ALPHA", "T0BRAVO"]
    with db.unit_of_work() as session:
        # One row of each table: the installation and its bot.
        assert forget_workspace(session, "T0ALPHA") == {"slack_installations": 1, "slack_bots": 1}
    with db.reading() as session:
        assert installations.installed_teams(session) == ["T0BRAVO"]
    assert store.find_bot(enterprise_id=None, team_id="T0ALPHA") is None
