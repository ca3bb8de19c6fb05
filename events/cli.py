"""The `tsudoi` command: serve, migrate, demo, staff."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from events import __version__, database
from events.settings import ConfigError, Settings, from_environ

DEMO_DATABASE = "sqlite:///tsudoi-demo.db"


def _settings(database_url: str | None = None) -> Settings:
    settings = from_environ({**os.environ, "DATABASE_URL": database_url} if database_url else None)
    return settings.with_secret()


async def _with_database(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    await database.connect(settings)
    try:
        await database.migrate(settings)
        return await work()
    finally:
        await database.disconnect()


def _prepare_badge_fonts() -> None:
    """Load the badge fonts in the background; the very first run converts them (about two minutes)."""
    import threading

    from events.badges import fonts

    if not fonts.ready():
        print("Preparing the badge fonts in the background (first run only, about two minutes).")
    threading.Thread(target=fonts.families, name="badge-fonts", daemon=True).start()


def _serve(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    from events.logs import uvicorn_log_config

    if settings.is_sqlite and workers != 1:
        raise ConfigError(
            "SQLite is served by one worker process (it has one writer at a time). "
            "Use PostgreSQL (DATABASE_URL=postgres://...) for --workers above 1."
        )
    _prepare_badge_fonts()
    os.environ["DATABASE_URL"] = settings.database_url
    os.environ["TSUDOI_SECRET_KEY"] = settings.secret_key
    uvicorn.run(
        "events.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=uvicorn_log_config(),
        proxy_headers=True,
        server_header=False,
        access_log=os.environ.get("TSUDOI_ACCESS_LOG", "1").strip().lower() not in {"0", "off", "false", "no"},
    )


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings()

    async def report() -> None:
        applied = await database.migrate(settings, progress=lambda name: print(f"Applied migration {name}"))
        if not applied:
            print("Database schema is current.")

    asyncio.run(_with_database(settings, report))
    _serve(settings, args.host, args.port, args.workers)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings()

    async def work() -> list[str]:
        await database.connect(settings)
        try:
            return await database.migrate(settings, progress=lambda name: print(f"Applied migration {name}"))
        finally:
            await database.disconnect()

    applied = asyncio.run(work())
    print(
        f"{len(applied)} migration(s) applied; the schema is current." if applied else "The schema is already current."
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from events.demo import ORGANIZER_EMAIL, create_demo

    settings = _settings(args.database or os.environ.get("DATABASE_URL") or DEMO_DATABASE)
    event, password = asyncio.run(_with_database(settings, create_demo))
    url = f"http://{args.host}:{args.port}"
    print(f"Sample event: {event.title}")
    print(f"  Event page:      {url}/events/{event.slug}")
    print(f"  Staff sign-in:   {url}/staff/login")
    print(f"  Organizer:       {ORGANIZER_EMAIL}")
    print(f"  Password:        {password}")
    print(f"  Database:        {settings.database_url}")
    sys.stdout.flush()
    if args.no_serve:
        return 0
    _serve(settings, args.host, args.port, 1)
    return 0


def cmd_staff_add(args: argparse.Namespace) -> int:
    from events.program.models import Event
    from events.staff.models import Role
    from events.staff.service import issue_token, new_password, save_staff

    settings = _settings()
    password = args.password
    generated = password == ""
    if generated:
        password = new_password()

    async def work() -> str | None:
        account = await save_staff(args.email, Role(args.role), password=password, name=args.name)
        if args.event:
            event = await Event.get_or_none(slug=args.event)
            if event is None:
                raise ConfigError(f"There is no event {args.event!r}.")
            account.event = event
            await account.save()
        print(f"Staff account {account.email}: role {account.role}" + (f", event {args.event}" if args.event else ""))
        if generated:
            print(f"Password: {password}")
        if args.token:
            return await issue_token(account, label="cli")
        return None

    token = asyncio.run(_with_database(settings, work))
    if token:
        print(token)
    return 0


def cmd_makemigrations(args: argparse.Namespace) -> int:
    settings = Settings(database_url="sqlite://:memory:", secret_key="unused")

    async def work() -> list[str]:
        await database.connect(settings)
        try:
            return await database.make_migrations(args.name)
        finally:
            await database.disconnect()

    written = asyncio.run(work())
    for path in written:
        print(f"Wrote {path}")
    if not written:
        print("No model changes: no migration needed.")
    return 0


def _listen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tsudoi",
        description="Tsudoi: registration, badges and door check-in for workshops and forums.",
        epilog="Configuration comes from the environment: DATABASE_URL, TSUDOI_SECRET_KEY, TSUDOI_BASE_URL, "
        "TSUDOI_REGISTRATION_RATE (see README.md).",
    )
    parser.add_argument("--version", action="version", version=f"tsudoi {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve",
        help="migrate the database and serve the app",
        description="Create or upgrade the schema, then serve the app with uvicorn.",
    )
    _listen_options(serve)
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (PostgreSQL only; SQLite is served by one)"
    )
    serve.set_defaults(func=cmd_serve)

    migrate = commands.add_parser(
        "migrate",
        help="create or upgrade the database schema",
        description="Apply every migration the database has not had yet. Never drops data.",
    )
    migrate.set_defaults(func=cmd_migrate)

    demo = commands.add_parser(
        "demo",
        help="create a sample national workshop and serve it",
        description="Create a sample two-day national workshop (day 1, evening lecture, reception, day 2) with a few "
        "registrations and an organizer account, print the organizer's credentials, and serve it. Uses "
        "tsudoi-demo.db in the current directory unless DATABASE_URL or --database says otherwise.",
    )
    _listen_options(demo)
    demo.add_argument("--database", help="database URL for the demo (default: sqlite:///tsudoi-demo.db)")
    demo.add_argument("--no-serve", action="store_true", help="create the sample data and stop")
    demo.set_defaults(func=cmd_demo)

    makemigrations = commands.add_parser(
        "makemigrations",
        help="(developers) write a migration for model changes",
        description="Compare the models with the migrations in events/migrations and write a new migration for the "
        "difference. Review it before committing: it must never drop data.",
    )
    makemigrations.add_argument("--name", help="a short name for the migration file, e.g. add_questions")
    makemigrations.set_defaults(func=cmd_makemigrations)

    staff = commands.add_parser("staff", help="manage staff accounts", description="Manage staff accounts.")
    staff_commands = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    add = staff_commands.add_parser(
        "add",
        help="create or update a staff account",
        description="Create a staff account, or update the role of an existing one. With --token, print a new API "
        "token as the last line of output (it is stored only as a hash: keep it).",
    )
    add.add_argument("email", metavar="EMAIL")
    add.add_argument(
        "--role", choices=["organizer", "door"], required=True, help="organizer: everything; door: check-in"
    )
    add.add_argument("--name", help="the person's name, shown in the staff area")
    add.add_argument(
        "--password",
        nargs="?",
        const="",
        default=None,
        metavar="PASSWORD",
        help="set a password for the staff pages; without a value, one is generated and printed",
    )
    add.add_argument("--token", action="store_true", help="issue a new API token and print it last")
    add.add_argument("--event", metavar="SLUG", help="limit the account to one event")
    add.set_defaults(func=cmd_staff_add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"tsudoi: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
