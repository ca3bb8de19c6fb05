"""The `tsudoi` command: serve, migrate, demo, import, staff, remind, mail, purge, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import asyncpg
from tortoise.exceptions import DBConnectionError

from events import __version__, database
from events.settings import ConfigError, Settings, from_environ

if TYPE_CHECKING:
    from events.errors import InvalidInput

DEMO_DATABASE = "sqlite://tsudoi-demo.db"


def _settings(database_url: str | None = None) -> Settings:
    return _database_settings(database_url).with_secret()


def _database_settings(database_url: str | None = None) -> Settings:
    """Settings for commands that sign nothing (backup, restore): no secret key asked for or made,
    so a cron job with only DATABASE_URL can run them."""
    return from_environ({**os.environ, "DATABASE_URL": database_url} if database_url else None)


async def _with_database(settings: Settings, work: Callable[[], Awaitable[Any]]) -> Any:
    from events import links

    links.set_mail_url(settings.mail_origin)  # for any e-mail the work queues (a promotion, a reminder)
    await database.connect(settings)
    try:
        await database.migrate(settings)
        return await work()
    finally:
        await database.disconnect()


def _links_said(settings: Settings) -> str:
    """What a server with these settings puts in e-mails and which host names it answers to, in words
    an operator reads at start; a ConfigError when e-mails could only carry an address nobody can open."""
    origin = settings.mail_origin
    answers = ", ".join(settings.host_patterns or ()) or "any host name"
    if settings.base_url:
        return f"Links in e-mails: {origin} (TSUDOI_BASE_URL). Answers to: {answers}."
    listening_everywhere = settings.host_patterns is None and not settings.allowed_hosts
    if listening_everywhere and settings.mail.configured:
        raise ConfigError(
            "TSUDOI_BASE_URL must be set when the server listens on every address and sends e-mail: "
            "it cannot tell which address participants reach it at, and e-mails must never take it from "
            "a request. Set it to the public address, e.g. TSUDOI_BASE_URL=https://forum.example.org."
        )
    said = f"Links in e-mails: {origin}, the address this server listens on (TSUDOI_BASE_URL is not set). "
    said += f"Answers to: {answers}."
    if listening_everywhere:
        said += f" Set TSUDOI_BASE_URL to the address participants use: {origin} works on this machine only."
    return said


def _serve(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    from events.logs import uvicorn_log_config
    from events.settings import served_at

    if settings.is_sqlite and workers != 1:
        raise ConfigError(
            "SQLite is served by one worker process (it has one writer at a time). "
            "Use PostgreSQL (DATABASE_URL=postgres://...) for --workers above 1."
        )
    settings = replace(settings, served_at=served_at(host, port))
    print(_links_said(settings), flush=True)
    os.environ["DATABASE_URL"] = settings.database_url
    os.environ["TSUDOI_SECRET_KEY"] = settings.secret_key
    os.environ["TSUDOI_SERVED_AT"] = settings.served_at or ""
    uvicorn.run(
        "events.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=uvicorn_log_config(settings.log_format, access=settings.access_log),
        proxy_headers=True,
        server_header=False,
        access_log=False,  # the app writes it (`events.logs.access`)
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
    if not settings.mail.configured:
        print("  E-mail:          none is sent (TSUDOI_SMTP_HOST is not set); messages wait in the outbox:")
        print(f"                   {url}/staff/events/{event.slug}/mail")
    sys.stdout.flush()
    if args.no_serve:
        return 0
    _serve(settings, args.host, args.port, 1)
    return 0


def cmd_staff_add(args: argparse.Namespace) -> int:
    from events import i18n
    from events.errors import InvalidInput
    from events.program.models import Event
    from events.staff.models import Role
    from events.staff.schemas import AccountInput
    from events.staff.service import issue_token, keep_to_event, new_password, save_staff
    from events.validation import parse

    i18n.set_language("en")  # a mistake reads like the rest of the command's output
    settings = _settings()
    if args.role == "kiosk" and not args.event:
        print("A kiosk serves one event: add --event SLUG.", file=sys.stderr)
        return 2
    if args.takes_payments and args.role != "door":
        print("--takes-payments is for door accounts: organizers take payments already.", file=sys.stderr)
        return 2
    password = args.password
    generated = password == ""
    if generated:
        password = new_password()
    try:  # the invite form's rules, before the database is opened
        parse(AccountInput, {"email": args.email, "name": args.name or "", "role": args.role, "event": args.event})
    except InvalidInput as exc:
        _say_invalid(exc, {"email": f"EMAIL {args.email!r}", "name": "--name", "event": "--event"})
        return 2

    async def work() -> str | None:
        event = await Event.get_or_none(slug=args.event) if args.event else None
        if args.event and event is None:
            raise ConfigError(f"There is no event {args.event!r}.")
        account = await save_staff(
            args.email, Role(args.role), password=password, name=args.name, takes_payments=args.takes_payments
        )
        if event is not None:
            await keep_to_event(account, event)
        kept = f", event {args.event}" if args.event else ""
        money = ", takes payments at the desk" if account.takes_payments else ""
        print(f"Staff account {account.email}: role {account.role}{kept}{money}")
        if generated:
            print(f"Password: {password}")
        if args.token:
            return await issue_token(account, label="cli")
        return None

    try:
        token = asyncio.run(_with_database(settings, work))
    except InvalidInput as exc:  # a password too short
        _say_invalid(exc, {"password": "--password"})
        return 2
    if token:
        print(token)
    return 0


def _say_invalid(exc: InvalidInput, arguments: dict[str, str]) -> None:
    """An `InvalidInput` as one line a field on stderr, each named as it was given on the command line."""
    for field, problem in exc.fields.items():
        print(f"tsudoi: {arguments.get(field, field)}: {problem}", file=sys.stderr)


def cmd_event_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from events import i18n
    from events.errors import NotFound
    from events.program import definition

    i18n.set_language("en")

    async def work() -> str:
        return definition.to_yaml(await definition.export(args.slug))

    try:
        text = asyncio.run(_with_database(_settings(), work))
    except NotFound:
        print(f"tsudoi: there is no event {args.slug!r}.", file=sys.stderr)
        return 1
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"tsudoi: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"Wrote the definition of {args.slug} to {args.output}")
    return 0


def cmd_event_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from events import i18n
    from events.errors import DomainError
    from events.program import definition

    i18n.set_language("en")
    path = Path(args.file)
    try:
        data = definition.from_yaml(path.read_text(encoding="utf-8-sig"))
        definition.validate(data)  # a bad file is reported before the database is opened
        applied = asyncio.run(_with_database(_settings(), lambda: definition.apply(data, update=args.update)))
    except OSError as exc:
        print(f"tsudoi: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    except UnicodeDecodeError:
        print(f"tsudoi: {path} is not UTF-8 text.", file=sys.stderr)
        return 1
    except definition.DefinitionError as exc:
        print(f"tsudoi: {path} is not a valid event definition:", file=sys.stderr)
        for where, message in exc.problems.items():
            print(f"  {where}: {message}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"tsudoi: {path}: {exc.message}", file=sys.stderr)
        return 1
    event = applied.event
    print(
        f"{'Created' if applied.created else 'Updated'} event {event.slug} ({event.status}): "
        f"{len(event.sessions)} session(s), {applied.questions} question(s)."
    )
    for kind, codes in (("session", applied.removed_sessions), ("question", applied.removed_questions)):
        if codes:
            print(f"Removed {kind}(s) no longer in the file: {', '.join(codes)}")
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


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from events import i18n
    from events.errors import DomainError
    from events.program.models import Event
    from events.registrations import importing
    from events.registrations.sheets import UnreadableFile

    i18n.set_language("en")  # the reasons read like the rest of the command's output
    path = Path(args.file)
    try:
        sheet = importing.read(path.name, path.read_bytes())
    except OSError as exc:
        print(f"tsudoi: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    except UnreadableFile as exc:
        print(f"tsudoi: {path}: {exc.message}", file=sys.stderr)
        return 1

    async def work() -> importing.Plan:
        event = await Event.get_or_none(slug=args.event)
        if event is None:
            raise ConfigError(f"There is no event {args.event!r}.")
        if args.dry_run:
            return await importing.preview(event, sheet)
        return await importing.carry_out(event, sheet)

    try:
        plan = asyncio.run(_with_database(_settings(), work))
    except DomainError as exc:  # the event changed or stayed busy while importing: nothing was written
        print(f"tsudoi: {exc.message}", file=sys.stderr)
        return 1
    print(f"{path.name}: {len(plan.rows)} row(s) for {args.event}")
    for outcome, count in importing.counts(plan.rows):
        print(f"  {outcome.label}: {count}")
    waiting = sum(1 for row in plan.imported if row.outcome == importing.Outcome.WAITLISTED)
    if args.dry_run:
        print(f"Dry run: nothing was written. {len(plan.imported)} would be imported ({waiting} waitlisted).")
    else:
        print(f"Imported {len(plan.imported)} registration(s) ({waiting} waitlisted).")
    if plan.skipped:
        print(f"Skipped {len(plan.skipped)} row(s):")
    for row in plan.skipped:
        print(f"  row {row.number}: {row.outcome.label}: {row.reason}")
    return 0 if plan.imported or not plan.skipped else 1


def cmd_remind(args: argparse.Namespace) -> int:
    from events import clock
    from events.mail.delivery import deliver_due
    from events.mail.reminders import queue_reminders

    settings = _settings()
    hours = settings.mail.reminder_hours if args.hours is None else args.hours
    if not settings.base_url and not args.quiet:
        print(f"warning: TSUDOI_BASE_URL is not set; links in reminders will start with {settings.mail_origin}.")

    async def work() -> int:
        queued = await queue_reminders(clock.now(), hours)
        print(f"{queued} reminder(s) queued for events starting within {hours} hours.")
        if args.send:
            await _send_outbox(settings, deliver_due)
        return 0

    return int(asyncio.run(_with_database(settings, work)))


async def _send_outbox(settings: Settings, deliver_due: Any) -> None:
    if not settings.mail.configured:
        print("No SMTP server is set up (TSUDOI_SMTP_HOST): the messages wait in the outbox.")
        return
    sent = retrying = failed = dropped = 0
    while True:
        batch = await deliver_due(
            settings.mail,
            settings.secret_key,
            limit=50,
            bank_account=settings.issuer.bank_account,
            base_url=settings.base_url,
        )
        sent, retrying, failed = sent + batch.sent, retrying + batch.retrying, failed + batch.failed
        dropped += batch.dropped
        if batch.total:
            print(f"  {sent} sent, {retrying} to try again later, {failed} failed", flush=True)
        if batch.total < 50:
            break
    gone = f", {dropped} not sent (cancelled since)" if dropped else ""
    print(f"Outbox: {sent} sent, {retrying} to try again later, {failed} failed{gone}.")


def cmd_mail_send(args: argparse.Namespace) -> int:
    from events.mail.delivery import deliver_due

    settings = _settings()

    async def work() -> int:
        await _send_outbox(settings, deliver_due)
        return 0

    return int(asyncio.run(_with_database(settings, work)))


def cmd_purge(args: argparse.Namespace) -> int:
    from datetime import date

    from events.members import roster
    from events.program.models import Event
    from events.registrations import privacy

    settings = _settings()

    async def work() -> int:
        if not args.dry_run and not args.event:
            dropped = await roster.drop_ended(date.today())
            if dropped:
                print(
                    f"member roster: {dropped} entr{'y' if dropped == 1 else 'ies'} "
                    "whose membership ended over a year ago erased."
                )
        if args.event:
            event = await Event.get_or_none(slug=args.event)
            if event is None:
                print(f"There is no event {args.event!r}.", file=sys.stderr)
                return 2
            if event.purge_on > date.today() and not args.now:
                print(
                    f"{event.slug}: personal data is kept until {event.purge_on - timedelta(days=1)}; "
                    "add --now to erase it today.",
                    file=sys.stderr,
                )
                return 1
            events = [event]
        else:
            events = await privacy.events_due(date.today())
        if not events:
            print("No event's retention has run out: nothing to erase.")
            return 0
        for event in events:
            if args.dry_run:
                print(
                    f"would erase the participants of {event.slug} "
                    f"(ended {event.ends_on}, kept {event.retention_days} days)"
                )
                continue
            erased = await privacy.purge_event(event)
            print(f"{event.slug}: {erased} participant(s) erased; counts and reports are kept.")
        return 0

    return int(asyncio.run(_with_database(settings, work)))


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from events.backup import BackupError, backup

    settings = _database_settings()
    try:
        size = backup(settings, Path(args.file))
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Backed up {_where(settings)} to {args.file} ({size:,} bytes).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from events.backup import BackupError, restore

    settings = _database_settings()
    if not args.yes:
        print(
            f"This replaces everything in {_where(settings)} with {args.file}. Stop `tsudoi serve` first, "
            "then run it again with --yes.",
            file=sys.stderr,
        )
        return 2
    try:
        kept = restore(settings, Path(args.file))
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Restored {_where(settings)} from {args.file}.")
    if kept is not None:
        print(f"What it replaced is kept in {kept}.")
    return 0


def _move_ends(args: argparse.Namespace, source_is: str) -> tuple[Settings, Settings] | None:
    """The move commands' two databases: the SQLite one of DATABASE_URL and TARGET (same secret key);
    None, said on stderr, when either is wrong."""
    from events.settings import from_environ

    source = _settings()
    if not source.is_sqlite:
        print(
            f"DATABASE_URL must point at the SQLite database {source_is} (sqlite://FILE or sqlite:///ABSOLUTE/FILE).",
            file=sys.stderr,
        )
        return None
    try:
        target = from_environ({**os.environ, "DATABASE_URL": args.target, "TSUDOI_SECRET_KEY": source.secret_key})
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return None
    return source, target


def _said_rows(table: str, count: int) -> None:
    print(f"  {table}: {count} row(s)", flush=True)


def cmd_move_to_postgres(args: argparse.Namespace) -> int:
    from events.move import MoveError, move

    ends = _move_ends(args, "to move")
    if ends is None:
        return 2
    source, target = ends
    try:
        copied = asyncio.run(move(source, target, _said_rows))
    except MoveError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Moved {sum(copied.values())} rows into {_where(target)}. Keep TSUDOI_SECRET_KEY as it is: badges")
    print("and links stay valid. Then serve with DATABASE_URL pointing there.")
    return 0


def cmd_move_event(args: argparse.Namespace) -> int:
    from events.move import MoveError, move_event

    ends = _move_ends(args, "the event is in")
    if ends is None:
        return 2
    source, target = ends
    try:
        moved = asyncio.run(move_event(source, target, args.slug, _said_rows))
    except MoveError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Copied {args.slug} ({sum(moved.rows.values())} rows) into {_where(target)}, with new ids there.")
    if moved.old_badges:
        print(
            "Its badges are of the older kind (TSD1), signed for this server and this event's id: they will not "
            "scan on the target. Send or print them again from there; typed codes and links work as before."
        )
    print(f"The event is still in {_where(source)}: check it on the target, then stop using it here.")
    return 0


def _where(settings: Settings) -> str:
    """The database, named without its password."""
    return str(settings.sqlite_path) if settings.is_sqlite else settings.database_url.rsplit("@", 1)[-1]


def _listen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tsudoi",
        description="Tsudoi: registration, badges and door check-in for workshops and forums.",
        epilog="Configuration comes from the environment: DATABASE_URL, TSUDOI_SECRET_KEY, TSUDOI_BASE_URL, "
        "TSUDOI_REGISTRATION_RATE, TSUDOI_SMTP_HOST and the other TSUDOI_SMTP_* (see README.md).",
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
    demo.add_argument("--database", help="database URL for the demo (default: sqlite://tsudoi-demo.db, in this folder)")
    demo.add_argument("--no-serve", action="store_true", help="create the sample data and stop")
    demo.set_defaults(func=cmd_demo)

    remind = commands.add_parser(
        "remind",
        help="queue reminder e-mails for events that start soon",
        description="Queue a reminder to everyone registered for a published event whose first session starts "
        "within the next HOURS (TSUDOI_REMINDER_HOURS, default 48). Nobody gets two; people who registered "
        "inside that window get none. For a scheduler (cron, a systemd timer) when `tsudoi serve` does not run "
        "its mail worker; run it every few minutes. `tsudoi serve` does the same by itself when "
        "TSUDOI_SMTP_HOST is set.",
    )
    remind.add_argument("--hours", type=int, help="how long before the event (default: TSUDOI_REMINDER_HOURS or 48)")
    remind.add_argument("--send", action="store_true", help="also deliver the outbox now (needs TSUDOI_SMTP_HOST)")
    remind.add_argument("--quiet", action="store_true", help="no warning when TSUDOI_BASE_URL is unset")
    remind.set_defaults(func=cmd_remind)

    purge = commands.add_parser(
        "purge",
        help="erase personal data of events whose retention has run out",
        description="Erase the participants' names, e-mail addresses, organizations and written answers of every "
        "event whose retention (set per event, 180 days after its last day by default) has run out, and the member "
        "roster's entries whose membership ended more than a year ago. Every count, "
        "check-in and report figure stays. Run it daily from a scheduler.",
    )
    purge.add_argument("--event", metavar="SLUG", help="only this event")
    purge.add_argument("--now", action="store_true", help="with --event: erase today, before its retention ends")
    purge.add_argument("--dry-run", action="store_true", help="say what would be erased, erase nothing")
    purge.set_defaults(func=cmd_purge)

    backup = commands.add_parser(
        "backup",
        help="copy the whole database to a file, while the app serves",
        description="Copy the whole database to FILE: SQLite with its online backup API, PostgreSQL with "
        "pg_dump (custom format; needs PostgreSQL's client tools). Safe while `tsudoi serve` runs.",
    )
    backup.add_argument("file", metavar="FILE")
    backup.set_defaults(func=cmd_backup)

    restore = commands.add_parser(
        "restore",
        help="replace the database with a backup",
        description="Replace everything in the database with the backup in FILE (made by `tsudoi backup`). "
        "An SQLite database's old contents are kept beside it; a PostgreSQL restore is one transaction. "
        "Stop `tsudoi serve` first.",
    )
    restore.add_argument("file", metavar="FILE")
    restore.add_argument("--yes", action="store_true", help="really replace the database's contents")
    restore.set_defaults(func=cmd_restore)

    move = commands.add_parser(
        "move-to-postgres",
        help="copy the whole SQLite database into an empty PostgreSQL database",
        description="Copy every event, registration, check-in and account from the SQLite database of "
        "DATABASE_URL into the empty PostgreSQL database TARGET, in one transaction. Badges and links "
        "stay valid as long as TSUDOI_SECRET_KEY stays the same. Stop `tsudoi serve` first.",
    )
    move.add_argument("target", metavar="TARGET", help="postgres://user@host:5432/dbname")
    move.set_defaults(func=cmd_move_to_postgres)

    move_one = commands.add_parser(
        "move-event",
        help="copy one event into another database that may hold other events",
        description="Copy the event SLUG of the SQLite database of DATABASE_URL, with its sessions, "
        "registrations, seats, answers, check-ins, scan log, e-mails and audit entries, into TARGET "
        "(postgres://… or sqlite://…), where its rows get new ids; in one transaction, and only if TARGET "
        "has no event SLUG. Staff accounts stay: check-ins keep their author where TARGET has an account of "
        "the same e-mail. Badges made since badge keys exist keep scanning; links keep working. The source "
        "is left as it was.",
    )
    move_one.add_argument("slug", metavar="SLUG", help="the event, e.g. workshop-2026")
    move_one.add_argument(
        "target", metavar="TARGET", help="postgres://user@host:5432/dbname, sqlite://FILE or sqlite:///ABSOLUTE/FILE"
    )
    move_one.set_defaults(func=cmd_move_event)

    mail = commands.add_parser("mail", help="the e-mail outbox", description="The e-mail outbox.")
    mail_commands = mail.add_subparsers(dest="mail_command", metavar="ACTION", required=True)
    send = mail_commands.add_parser(
        "send",
        help="deliver what is due in the outbox now",
        description="Deliver every message that is due, through the SMTP server of TSUDOI_SMTP_HOST, and say "
        "how it went. Messages the server does not take stay queued with their back-off.",
    )
    send.set_defaults(func=cmd_mail_send)

    makemigrations = commands.add_parser(
        "makemigrations",
        help="(developers) write a migration for model changes",
        description="Compare the models with the migrations in events/migrations and write a new migration for the "
        "difference. Review it before committing: it must never drop data.",
    )
    makemigrations.add_argument("--name", help="a short name for the migration file, e.g. add_questions")
    makemigrations.set_defaults(func=cmd_makemigrations)

    import_ = commands.add_parser(
        "import",
        help="import registrations from a CSV or XLSX file",
        description="Register the people listed in a spreadsheet (paper, fax or phone registrations) for an event. "
        "Columns are matched by their header, in Japanese or English (氏名/name, ふりがな/name_reading, "
        "所属/organization, メール/email, 区分/category, 言語/language, and one column per session code or title, "
        "or a 'sessions' column); the columns of participants.csv work as they are. CSV files may be UTF-8 (with or "
        "without a BOM) or Shift_JIS. Rows whose e-mail address is registered already (or appears earlier in the "
        "file) are skipped, so importing the same file twice adds nobody twice; full sessions put people on the "
        "waiting list. All rows are written in one transaction. Prints how many rows had each outcome and every "
        "skipped row with its row number and reason.",
        epilog="Exit status: 0 when rows were imported or nothing was wrong; 1 when the file could not be read or "
        "no row could be imported; 2 for an unknown event.",
    )
    import_.add_argument("event", metavar="EVENT", help="the event's slug")
    import_.add_argument("file", metavar="FILE", help="a .csv or .xlsx file; the header row names the columns")
    import_.add_argument("--dry-run", action="store_true", help="show what would happen and write nothing")
    import_.set_defaults(func=cmd_import)

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
        "--role",
        choices=["organizer", "door", "kiosk"],
        required=True,
        help="organizer: everything; door: check-in; kiosk: a self check-in screen for one event (needs --event)",
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
    add.add_argument(
        "--takes-payments",
        action="store_true",
        help="a door account that also takes money at the desk (cash or a transfer seen) and prints receipts; "
        "refunds and waivers stay with organizers. Without it, an existing account loses the right",
    )
    add.set_defaults(func=cmd_staff_add)

    event = commands.add_parser(
        "event",
        help="export or import an event's definition as YAML",
        description="Keep an event's set-up in a YAML file (for example in version control): its fields, "
        "categories, registration window, status, sessions and registration questions. Registrations are never in "
        "the file.",
    )
    event_commands = event.add_subparsers(dest="event_command", metavar="ACTION", required=True)
    export = event_commands.add_parser(
        "export",
        help="write an event's definition as YAML",
        description="Write the definition of the event SLUG as YAML (UTF-8; times in the event's zone with their "
        "UTC offset), to standard output or to FILE. `tsudoi event import` reads it back.",
    )
    export.add_argument("slug", metavar="SLUG", help="the event's slug, as in its address /events/SLUG")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    export.set_defaults(func=cmd_event_export)
    import_definition = event_commands.add_parser(
        "import",
        help="create (or with --update, change) an event from a YAML file",
        description="Create the event that FILE defines (as `tsudoi event export` writes it). The file is checked "
        "with the same rules as the staff area and the API, and each problem is printed with the path of its field "
        "(e.g. sessions.1 (day2).ends_at); nothing is written unless the whole file applies. With --update, an "
        "existing event of the same slug is changed to match: capacities are never set below the seats confirmed "
        "(a raised one lets waiting people in), and a changed time, place or title makes calendars update. A session "
        "or question missing from the file is removed only if nobody holds a seat in it or has answered it.",
        epilog="Exit status: 0 when the file was applied; 1 when it could not be read or applied (nothing is "
        "written then).",
    )
    import_definition.add_argument("file", metavar="FILE", help="a YAML event definition")
    import_definition.add_argument(
        "--update", action="store_true", help="change the existing event of the same slug instead of refusing"
    )
    import_definition.set_defaults(func=cmd_event_import)
    return parser


#: PostgreSQL's refusals of a connection (no such role, a wrong password, too many connections, starting up).
CONNECTION_REFUSED = (
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.TooManyConnectionsError,
    asyncpg.CannotConnectNowError,
)


def _unreachable(exc: BaseException) -> str | None:
    """What stands between a command and its database, in a line: a server down or unknown, a wrong
    database name or password, a folder that cannot be made. None for anything else (a bug)."""
    if isinstance(exc, DBConnectionError):  # the server answered, and refused: say its reason
        return f"cannot connect to the database: {exc.__cause__ or exc}"
    if isinstance(exc, CONNECTION_REFUSED):
        return f"cannot connect to the database: {exc}"
    if isinstance(exc, ConnectionError | TimeoutError | socket.gaierror):
        return f"cannot connect to the database: {exc.strerror or exc}"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command. A mistake in what it was given (a setting, an argument, a database it cannot
    reach) is one line on stderr, not a traceback; a traceback is a bug."""
    from events.errors import DomainError, InvalidInput

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"tsudoi: {exc}", file=sys.stderr)
        return 2
    except InvalidInput as exc:
        _say_invalid(exc, {})
        return 2
    except DomainError as exc:
        print(f"tsudoi: {exc.message}", file=sys.stderr)
        return 1
    except (OSError, DBConnectionError, *CONNECTION_REFUSED) as exc:
        said = _unreachable(exc)
        if said is None:
            raise
        print(f"tsudoi: {said}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
