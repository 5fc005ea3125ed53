"""Fixtures: migrated databases (SQLite and PostgreSQL), the fake Slack server, Baton over HTTP."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import cache

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage import migrate
from storage.db import create_db_engine
from tests.support.fake_slack import FakeSlack
from tests.support.harness import BOT_TOKEN, SIGNING_SECRET, Baton

PG_URL = os.environ.get(
    "BATON_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# One schema per test process, so parallel runs on one server never meet.
PG_SCHEMA = f"baton_test_{os.getpid()}"

TEST_USERS = ("UREPORTER", "UOWNER", "UADMIN", "UOTHER", "ULEVEL1", "ULEVEL2")


@cache
def _postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used for tests, or None when it answers."""
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"


def _fresh_postgres_url() -> str:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{PG_SCHEMA}"'))
    admin.dispose()
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_schema() -> Iterator[None]:
    yield
    if _postgres_problem() is None:
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> str:
    """An empty database built by running the migrations: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/baton.db"
    else:
        problem = _postgres_problem()
        if problem is not None:
            pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {problem}")
        url = _fresh_postgres_url()
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """The fake Slack Web API, knowing the usual test users."""
    fake = FakeSlack().start()
    for user_id in TEST_USERS:
        fake.add_user(user_id)
    yield fake
    fake.stop()


@pytest.fixture
def make_baton(database_url: str, fake_slack: FakeSlack) -> Iterator[Callable[..., Baton]]:
    """Start Baton with test settings; keyword arguments add or override environment variables."""
    started: list[Baton] = []

    def start(**env: str) -> Baton:
        settings = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "DATABASE_URL": database_url,
            "SLACK_API_URL": fake_slack.url,
            "BATON_ADMINS": "UADMIN",
        }
        settings.update(env)
        baton = Baton({k: v for k, v in settings.items() if v is not None}, fake_slack)
        started.append(baton)
        return baton

    yield start
    for baton in started:
        baton.close()


@pytest.fixture
def make_baton_at(fake_slack: FakeSlack) -> Iterator[Callable[[str], Baton]]:
    """Start Baton on a database of the test's own (`DATABASE_URL`), already migrated."""
    started: list[Baton] = []

    def start(url: str) -> Baton:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "DATABASE_URL": url,
            "SLACK_API_URL": fake_slack.url,
        }
        baton = Baton(env, fake_slack)
        started.append(baton)
        return baton

    yield start
    for baton in started:
        baton.close()


@pytest.fixture
def baton(make_baton: Callable[..., Baton]) -> Baton:
    """Baton with the default test settings."""
    return make_baton()
