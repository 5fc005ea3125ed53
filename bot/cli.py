"""The `baton` command."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.kpi.subjects import SUBJECTS

# Each command imports what it uses when it runs (Slack, SQLAlchemy, pandas, the app): the
# imports inside the functions below are there so that `baton --help` starts at once.
if TYPE_CHECKING:
    from bot.config.settings import Settings
    from bot.digest.flows import Outcome
    from bot.runtime.services import Services
    from storage.db import Database

log = logging.getLogger("baton")
T = TypeVar("T")


class CommandError(Exception):
    """Stops the command with one line for the user and exit status 2."""


def _settings(require_slack: bool) -> Settings:
    from bot.config.settings import load_settings  # when run, for a fast --help
    from bot.core.errors import ConfigError
    from bot.runtime.logs import configure_logging

    try:
        settings = load_settings(require_slack=require_slack)
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc
    configure_logging(settings.log_level)
    return settings


def _prepare_database(settings: Settings) -> Database:
    """The database, migrated: a fresh SQLite file is migrated here; a PostgreSQL database with
    migrations pending is refused. No connection is left open (gunicorn forks after this)."""
    from sqlalchemy.exc import SQLAlchemyError  # when run, for a fast --help

    from storage import migrate
    from storage.db import Database, error_reason, is_sqlite

    db = Database(settings.database_url)
    engine = db.engine
    try:
        if migrate.is_up_to_date(engine):
            return db
        if is_sqlite(settings.database_url):
            migrate.upgrade(engine)
            log.info("database migrated to %s", ", ".join(sorted(migrate.head_revisions())))
            return db
        raise CommandError(
            "DATABASE_URL: migrations are pending on this database; run `baton db upgrade` first"
        )
    except SQLAlchemyError as exc:
        reason = error_reason(exc, settings.database_url)
        raise CommandError(f"DATABASE_URL: cannot use the database: {reason}") from None
    finally:
        # Nothing opened here may be inherited by gunicorn's forked workers.
        engine.dispose()


def _out_folder(raw: str) -> Path:
    """The folder a command writes to, made now (before any database work), or one line why not."""
    folder = Path(raw)
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"--out {raw}: that is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".baton-write-test"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise CommandError(f"--out {raw}: cannot write there ({reason})") from None
    return folder


def _days(raw: str) -> int:
    """--days: a whole number of days from 1 to 365, checked before anything is opened."""
    try:
        days = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of days, got {raw!r}") from None
    if not 1 <= days <= 365:
        raise argparse.ArgumentTypeError(f"a period runs from 1 to 365 days; {days} is not")
    return days


def _services(settings: Settings) -> Services:
    from bot.runtime.services import build_services  # when run, for a fast --help

    return build_services(settings, db=_prepare_database(settings))


def cmd_serve(args: argparse.Namespace) -> None:
    settings = _settings(require_slack=True)
    if args.socket_mode and not settings.slack_app_token:
        raise CommandError("SLACK_APP_TOKEN: required for --socket-mode (an xapp-… token)")
    if args.socket_mode and settings.installs:
        # Slack distributes no Socket Mode app: installing in many workspaces needs HTTP.
        raise CommandError(
            "--socket-mode serves one workspace (SLACK_BOT_TOKEN); installed in many "
            "workspaces (SLACK_CLIENT_ID), Baton is served over HTTP: `baton serve`"
        )
    db = _prepare_database(settings)
    if args.socket_mode:
        _serve_socket_mode(settings, db)
        return
    db.dispose()
    from bot.web import serve  # when run, for a fast --help

    serve(settings, workers=args.workers, port=args.port)


def _serve_socket_mode(settings: Settings, db: Database) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    from bot.app import build_app, start_drainer
    from bot.runtime.services import build_services
    from bot.runtime.slack_client import error_code

    services = build_services(settings, db=db)
    handler = SocketModeHandler(build_app(settings, services), settings.slack_app_token)
    drainer = start_drainer(services)
    try:
        handler.start()  # type: ignore[no-untyped-call]
    except SlackApiError as exc:
        # apps.connections.open refused the token: wrong, revoked, or without its scope.
        raise CommandError(
            f"SLACK_APP_TOKEN: Slack refused it ({error_code(exc)}); use the app-level "
            "token of this app, with the connections:write scope"
        ) from None
    finally:
        os.kill(drainer, signal.SIGTERM)
        os.waitpid(drainer, 0)


def cmd_scheduler(args: argparse.Namespace) -> None:
    settings = _settings(require_slack=True)
    from bot.app import JOBS, UPKEEP  # when run, for a fast --help
    from bot.runtime.clock import run_clock
    from bot.runtime.scheduler import run_jobs

    services = _services(settings)
    if args.once:
        run_jobs(services, JOBS, UPKEEP)
        services.background.wait_idle()
        return
    run_clock(services, JOBS, UPKEEP)


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    settings = _settings(require_slack=False)
    from sqlalchemy.exc import SQLAlchemyError  # when run, for a fast --help

    from storage import migrate
    from storage.db import create_db_engine, error_reason

    engine = create_db_engine(settings.database_url)
    try:
        migrate.upgrade(engine, args.revision)
    except SQLAlchemyError as exc:
        reason = error_reason(exc, settings.database_url)
        raise CommandError(f"DATABASE_URL: migration failed: {reason}") from None
    finally:
        engine.dispose()
    print(f"database at revision {', '.join(sorted(migrate.head_revisions()))}")


def _team_arg(raw: str | None) -> str | None:
    from bot.core.errors import BatonError  # when run, for a fast --help
    from bot.privacy.workspace import check_team_id

    if raw is None:
        return None
    try:
        return check_team_id(raw)
    except BatonError as exc:
        raise CommandError(f"--team: {exc.user_message}") from None


def _known_team(services: Services, asked: str | None) -> str | None:
    """The workspace `--team` names, if the database holds any of its rows. Without `--team`:
    None (the whole database, this deployment's one workspace) with one Slack token; the one
    workspace Baton is installed in when it serves many, and a refusal when there are several."""
    from storage.workspaces import has_rows  # when run, for a fast --help

    if asked is None:
        return (
            _only_installed(services.installations.teams()) if services.defaults.installs else None
        )
    with services.db.reading() as session:
        if has_rows(session, asked):
            return asked
    raise CommandError(f"--team: nothing is stored for {asked}")


def _only_installed(teams: list[str]) -> str | None:
    """The one workspace Baton is installed in (None for none); a refusal when there are
    several."""
    if len(teams) > 1:
        raise CommandError(
            f"Baton is installed in {len(teams)} workspaces ({', '.join(teams)}): choose one "
            "with --team T…"
        )
    return teams[0] if teams else None


def _chosen_team(db: Database, asked: str | None) -> str | None:
    """The workspace `--team` names, checked against those stored; None for all of them when
    at most one is stored (every table is read to know: fit for an export, which reads them
    all anyway)."""
    from storage.workspaces import stored_teams  # when run, for a fast --help

    with db.reading() as session:
        teams = [team for team in stored_teams(session) if team]
    if asked is not None and asked not in teams:
        stored = ", ".join(teams) or "none"
        raise CommandError(f"--team: nothing is stored for {asked} (workspaces stored: {stored})")
    if asked is None and len(teams) > 1:
        raise CommandError(
            f"{len(teams)} workspaces are stored ({', '.join(teams)}): choose one with --team T…"
        )
    return asked


def cmd_export(args: argparse.Namespace) -> None:
    settings = _settings(require_slack=False)
    out = _out_folder(args.out)
    asked = _team_arg(args.team)
    db = _prepare_database(settings)
    from storage.export import export_tables  # when run, for a fast --help

    try:
        written = export_tables(db, out, team_id=_chosen_team(db, asked))
    finally:
        db.dispose()
    for path, rows in written:
        print(f"{path}  ({rows} rows)")


def _forget(raw: str, check: Callable[[str], str], forget: Callable[[Database, str], T]) -> T:
    """Check the id the user typed, then forget it in the migrated database."""
    from bot.core.errors import BatonError  # when run, for a fast --help

    try:
        checked = check(raw)
    except BatonError as exc:
        raise CommandError(exc.user_message) from None
    db = _prepare_database(_settings(require_slack=False))
    try:
        return forget(db, checked)
    finally:
        db.dispose()


def cmd_forget_user(args: argparse.Namespace) -> None:
    from bot.privacy.flows import check_user_id, forget, report_lines

    print("\n".join(report_lines(_forget(args.user, check_user_id, forget))))


def cmd_forget_workspace(args: argparse.Namespace) -> None:
    from bot.privacy.workspace import check_team_id, forget_workspace, report_lines

    print("\n".join(report_lines(_forget(args.team, check_team_id, forget_workspace))))


def cmd_kpi(args: argparse.Namespace) -> None:
    if args.subject == "scorecard":
        cmd_scorecard(args)
        return
    settings = _settings(require_slack=False)
    asked = _team_arg(args.team)
    from bot.core.errors import BatonError  # when run, for a fast --help
    from bot.kpi.answers import answer
    from storage.scope import acting_for

    services = _services(settings)
    try:
        with acting_for(_known_team(services, asked)):
            figures = answer(services, args.subject, days=args.days, channel=args.channel)
    except BatonError as exc:
        raise CommandError(exc.user_message) from exc
    finally:
        services.db.dispose()
    if args.json:
        print(json.dumps(figures, indent=2, sort_keys=False))
        return
    from bot.kpi.blocks import build_kpi_text  # only the text needs it

    print(build_kpi_text(args.subject, figures, days=args.days, channel_id=args.channel))


def cmd_scorecard(args: argparse.Namespace) -> None:
    if args.channel is not None:
        raise CommandError("--channel: the scorecard is the whole team's; leave it out")
    settings = _settings(require_slack=False)
    asked = _team_arg(args.team)
    from bot.kpi.scorecard import as_json, scorecard  # when run, for a fast --help
    from storage.scope import acting_for

    services = _services(settings)
    try:
        with acting_for(_known_team(services, asked)):
            card = scorecard(services)
    finally:
        services.db.dispose()
    if args.json:
        print(json.dumps(as_json(card), indent=2))
        return
    from bot.kpi.scorecard_blocks import scorecard_text  # only the text needs it

    print(scorecard_text(card))


def cmd_portfolio(args: argparse.Namespace) -> None:
    settings = _settings(require_slack=False)
    from bot.kpi.portfolio import portfolio, portfolio_json, portfolio_markdown  # for --help

    services = _services(settings)
    try:
        rows = portfolio(services)
    finally:
        services.db.dispose()
    if args.json:
        print(json.dumps(portfolio_json(rows), indent=2, ensure_ascii=False))
        return
    print(portfolio_markdown(rows), end="")


def cmd_digest(args: argparse.Namespace) -> None:
    if args.dry_run and not args.out:
        raise CommandError("--dry-run needs --out DIR: the folder to write the digest to")
    if args.out and not args.dry_run:
        raise CommandError("--out goes with --dry-run; without it the digest is posted")
    settings = _settings(require_slack=not args.dry_run)
    # Known before the database is opened, unless each workspace may name its own channels.
    if not args.dry_run and not settings.installs and not settings.digest.channels:
        raise _no_digest_channels()
    out = _out_folder(args.out) if args.dry_run else None
    asked = _team_arg(args.team)
    from bot.digest.files import write_digest  # when run, for a fast --help
    from bot.digest.flows import digest_week, post_digest
    from storage.scope import acting_for

    services = _services(settings)
    try:
        if args.dry_run:
            with acting_for(_known_team(services, asked)):
                week = digest_week(services, scheduled=False)
                assert out is not None
                for path in write_digest(services, week, out):
                    print(path)
            return
        failed: list[Outcome] = []
        with acting_for(_served_team(services, asked)):
            # The workspace's own channels, where it chose others than the environment's.
            channels = services.settings.digest.channels
            if not channels:
                raise _no_digest_channels()
            week = digest_week(services, scheduled=not (args.now or args.force))
            for channel in channels:
                outcome = post_digest(
                    services, channel, week, force=args.force, hold_on_refusal=False
                )
                posted = f" ({', '.join(outcome.parts)})" if outcome.parts else ""
                print(f"{channel}: digest of the week of {week:%d %b %Y} {outcome.status}{posted}")
                if outcome.status == "failed":
                    failed.append(outcome)
    finally:
        services.background.shutdown()
        services.db.dispose()
    refused = [f"{o.channel} ({o.error})" for o in failed if o.refused]
    unreached = [f"{o.channel} ({o.error})" for o in failed if not o.refused]
    if unreached:
        raise CommandError(
            f"digest not posted in full to {', '.join(unreached)}: Slack could not be reached; "
            "check the network and SLACK_API_URL, and run the command again: it posts only what "
            "is missing"
        )
    if refused:
        raise CommandError(
            f"digest not posted in full to {', '.join(refused)}; check that Baton is in the "
            "channel (/invite @Baton) and run the command again: it posts only what is missing"
        )


def _no_digest_channels() -> CommandError:
    return CommandError(
        "BATON_DIGEST_CHANNELS: required to post the digest (channel ids such as C012AB3CD); "
        "`baton digest --dry-run --out DIR` writes it without Slack"
    )


def _served_team(services: Services, asked: str | None) -> str | None:
    """The workspace whose digest may be posted: with one Slack token, the token's own (posting
    another's would send its figures to this workspace's channels); with many workspaces, the
    one `--team` names, with its own installation's token."""
    if services.defaults.installs:
        teams = services.installations.teams()
        team = asked or _only_installed(teams)
        if team is None or team not in teams:
            raise CommandError(f"--team: Baton is not installed in {team or 'any workspace'}")
        return team
    if asked is None:
        return None
    served = services.team_id
    if not served:
        raise CommandError(
            "--team: Slack could not say which workspace this token serves (auth.test); "
            "run the command again"
        )
    if served != asked:
        raise CommandError(
            f"--team: this deployment's Slack token serves {served}, so it cannot post the "
            f"digest of {asked}; `baton digest --dry-run --out DIR --team {asked}` writes it"
        )
    return asked


def cmd_checkin_import(args: argparse.Namespace) -> None:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read it ({exc.__class__.__name__})") from None
    settings = _settings(require_slack=False)
    from bot.checkins.flows import import_checkins  # when run, for a fast --help
    from bot.core.errors import BatonError
    from storage.scope import acting_for

    services = _services(settings)
    try:
        with acting_for(_known_team(services, _team_arg(args.team))):
            imported = import_checkins(services, text)
    except BatonError as exc:
        raise CommandError(
            f"{path}: {exc.user_message.rstrip('.')}; nothing was imported"
        ) from None
    finally:
        services.db.dispose()
    sprints = ", ".join(str(number) for number in sorted(imported.sprints))
    print(f"imported {imported.numbers} numbers for sprints {sprints}")


def cmd_demo(args: argparse.Namespace) -> None:
    from bot.demo import run_demo  # when run, for a fast --help
    from bot.runtime.logs import configure_logging

    configure_logging("WARNING")
    out = _out_folder(args.out)
    started = time.perf_counter()
    result = run_demo(out)
    elapsed = time.perf_counter() - started
    print(f"Baton demo: 12 weeks of a BOT team in {result.database}")
    for path in result.files:
        print(f"  {path}")
    print(f"{result.alerts} alerts firing; done in {elapsed:.1f} s. Open digest.md to start.")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="baton", description="Baton: the Slack app Build-Operate-Transfer teams run on."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve Slack over HTTP (gunicorn) or Socket Mode")
    serve.add_argument("--socket-mode", action="store_true", help="connect with SLACK_APP_TOKEN")
    serve.add_argument("--port", type=int, default=None, help="HTTP port (default: $PORT or 3000)")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers (default: $WEB_CONCURRENCY or 2)",
    )
    serve.set_defaults(func=cmd_serve)

    scheduler = commands.add_parser("scheduler", help="the clock: reminders and scheduled work")
    scheduler.add_argument("--once", action="store_true", help="run every job once and exit")
    scheduler.set_defaults(func=cmd_scheduler)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply pending migrations")
    upgrade.add_argument("revision", nargs="?", default="heads")
    upgrade.set_defaults(func=cmd_db_upgrade)

    kpi = commands.add_parser("kpi", help="print a KPI answer, as /kpi gives it")
    kpi.add_argument("subject", nargs="?", default="summary", choices=(*SUBJECTS, "scorecard"))
    kpi.add_argument(
        "--days", type=_days, default=7, help="the N×24 hours before now (1–365, default 7)"
    )
    kpi.add_argument("--channel", default=None, help="only what was raised in this channel id")
    kpi.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    kpi.add_argument("--team", help="only this workspace's records (default: the whole database)")
    kpi.set_defaults(func=cmd_kpi)

    portfolio = commands.add_parser(
        "portfolio", help="every workspace's scorecard side by side, as a Markdown table"
    )
    portfolio.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    portfolio.set_defaults(func=cmd_portfolio)

    digest = commands.add_parser("digest", help="post the weekly digest, or write it to a folder")
    digest.add_argument(
        "--now", action="store_true", help="post last week's digest now, not at its scheduled time"
    )
    digest.add_argument(
        "--force", action="store_true", help="post it again even if it was posted already"
    )
    digest.add_argument(
        "--dry-run", action="store_true", help="write it to --out instead of posting it"
    )
    digest.add_argument("--out", default=None, help="folder for --dry-run")
    digest.add_argument(
        "--team", help="only this workspace's records (posting: the token's own workspace)"
    )
    digest.set_defaults(func=cmd_digest)

    demo = commands.add_parser(
        "demo", help="a seeded 12-week team history, its digest and alerts; no Slack needed"
    )
    demo.add_argument(
        "--out", default="baton-demo", help="folder to write to (default ./baton-demo)"
    )
    demo.set_defaults(func=cmd_demo)

    checkin = commands.add_parser("checkin", help="KPI check-ins")
    checkin_commands = checkin.add_subparsers(
        dest="checkin_command", required=True, metavar="ACTION"
    )
    checkin_import = checkin_commands.add_parser(
        "import", help="store past sprints' numbers from a CSV file, all or nothing"
    )
    checkin_import.add_argument("file", help="CSV: a `sprint` column and check-in fields")
    checkin_import.add_argument(
        "--team", help="the workspace to file them under (required when several are installed)"
    )
    checkin_import.set_defaults(func=cmd_checkin_import)

    export = commands.add_parser("export", help="write one CSV per table a user owns")
    export.add_argument("--out", required=True, help="directory to write the CSV files to")
    export.add_argument(
        "--team", help="only this workspace's rows (required when several are stored)"
    )
    export.set_defaults(func=cmd_export)

    forget_user = commands.add_parser(
        "forget-user", help="replace a person's user id everywhere Baton keeps it by a pseudonym"
    )
    forget_user.add_argument("user", help="their Slack user id, such as U012AB3CD")
    forget_user.set_defaults(func=cmd_forget_user)

    forget_workspace = commands.add_parser(
        "forget-workspace", help="delete every row of a workspace, table by table"
    )
    forget_workspace.add_argument("team", help="its Slack workspace id, such as T012AB3CD")
    forget_workspace.set_defaults(func=cmd_forget_workspace)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except CommandError as exc:
        print(f"baton: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (`| head`) left; not an error of ours.
        sys.stderr.close()
        return 0
    return 0


def run() -> None:
    """The `baton` console command: main(), then exit without the interpreter's last collection.

    That collection walks every object pandas, NumPy and SQLAlchemy made, a tenth of a second
    of `baton kpi`'s time, and frees nothing a command has left open: commands close their files
    and database connections themselves.
    """
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    run()
