"""Shared fixtures: a fresh database per test, the real app over ASGI, and a real server when needed.

The engine comes from DATABASE_URL, as for the app: unset means SQLite (each test gets a copy of
a migrated template file); a postgres:// URL means that database (migrated once, emptied before
each test). `.ci/run` runs the suite once each way.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from tortoise import connections

from events import database, i18n
from events.app import create_app
from events.program.models import Event
from events.settings import MailSettings, RateLimit, Settings
from events.staff.models import Role, StaffAccount
from events.staff.service import save_staff
from tests import postgres

ROOT = Path(__file__).resolve().parents[1]
TABLES = [
    "certificate",
    "member_address",
    "member",
    "receipt",
    "receipt_series",
    "ledger_entry",
    "outbox_message",
    "rate_limit_window",
    "audit_entry",
    "answer",
    "question",
    "registration_change",
    "guest_entry",
    "scan_log",
    "checkin",
    "seat",
    "registration",
    "session",
    "api_token",
    "staff_sign_in_link",
    "staff_session",
    "staff_account",
    "event",
]


def _engine_url() -> str:
    return os.environ.get("DATABASE_URL", "").strip()


async def _migrate(settings: Settings) -> None:
    await database.connect(settings)
    try:
        await database.migrate(settings)
    finally:
        await database.disconnect()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: an SQLite file to copy, or the PostgreSQL database from DATABASE_URL."""
    url = _engine_url()
    if url.startswith(("postgres://", "postgresql://")):
        settings = Settings(database_url=url.replace("postgresql://", "postgres://", 1), secret_key="test")
        asyncio.run(_migrate(settings))
        return settings.database_url
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(Settings(database_url=f"sqlite:///{path}", secret_key="test")))
    return str(path)


@pytest.fixture
def settings(migrated_template: str, tmp_path: Path) -> Settings:
    """Settings for one test: its own empty, migrated database; rate limits off unless a test sets them."""
    if migrated_template.startswith("postgres://"):
        url = migrated_template
    else:
        target = tmp_path / "tsudoi.db"
        shutil.copyfile(migrated_template, target)
        target.chmod(0o600)  # as the app makes its databases (else each test's first connection says it tightened it)
        url = f"sqlite:///{target}"
    return Settings(
        database_url=url,
        secret_key="test-secret-key",
        registration_rate=RateLimit(0, 60),
        login_rate=RateLimit(0, 60),
        login_account_rate=RateLimit(0, 600),
    )


async def _empty_postgres() -> None:
    client = connections.get("default")
    await client.execute_script(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Settings]:
    """The ORM connected to this test's database, for tests that call services directly."""
    await database.connect(settings)
    if not settings.is_sqlite:
        await _empty_postgres()
    try:
        yield settings
    finally:
        await database.disconnect()


@asynccontextmanager
async def running(application: Starlette) -> AsyncIterator[Starlette]:
    """Run the app's lifespan (connect, migrate, disconnect) around a block, on an empty database."""
    async with application.router.lifespan_context(application):
        if not application.state.settings.is_sqlite:
            await _empty_postgres()
        yield application


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    """The real app with its lifespan running."""
    async with running(create_app(settings)) as application:
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def make_app(settings: Settings, **changes: object) -> Starlette:
    return create_app(replace(settings, **changes))  # type: ignore[arg-type]


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


#: The password the sign-in helpers give the accounts they make.
STAFF_PASSWORD = "correct horse battery"


async def post_sign_in(client: httpx.AsyncClient, email: str, password: str = STAFF_PASSWORD) -> httpx.Response:
    """Sign in through the staff form, as a person does (CSRF token and all); the form's answer."""
    page = await client.get("/staff/login")
    return await client.post(
        "/staff/login",
        data={"csrf_token": csrf_token(page.text), "email": email, "password": password, "next": "/staff/"},
    )


async def sign_in(client: httpx.AsyncClient, role: Role = Role.ORGANIZER, event: Event | None = None) -> StaffAccount:
    """Make `role@example.org` (limited to `event` when given) and sign it in."""
    account = await save_staff(f"{role}@example.org", role, password=STAFF_PASSWORD)
    if event is not None:
        account.event_id = event.id
        await account.save()
    answer = await post_sign_in(client, account.email)
    assert answer.status_code == 303, f"{role} signs in"
    return account


def tsudoi(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "events.cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def staff_via_cli(database_url: str, workdir: Path, email: str, role: str, *options: str) -> str:
    """Make a staff account the way an organizer does, `tsudoi staff add …`; return what it printed."""
    result = tsudoi(
        "staff",
        "add",
        email,
        "--role",
        role,
        *options,
        cwd=workdir,
        env={"DATABASE_URL": database_url, "TSUDOI_SECRET_KEY": "x"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def organizer_token(database_url: str, workdir: Path) -> str:
    """An organizer's API token from `tsudoi staff add … --token` (the last line it prints)."""
    return (
        staff_via_cli(database_url, workdir, "organizer@example.org", "organizer", "--token").strip().splitlines()[-1]
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """`tsudoi serve` in a subprocess on 127.0.0.1, for tests that need real connections and processes."""

    def __init__(
        self, database_url: str, workdir: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "TSUDOI_SECRET_KEY": "live-test-secret",
            "TSUDOI_REGISTRATION_RATE": "0",
            **(env or {}),
        }
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "events.cli", "serve", "--port", str(self.port), *args],
            cwd=workdir,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()

    def _wait_until_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the server did not become ready:\n{self.log_path.read_text()}")

    def stop(self) -> str:
        """Stop the server (if it still runs) and return its log."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def live_server_factory(tmp_path: Path) -> Iterator[type[LiveServer]]:
    servers: list[LiveServer] = []

    class Factory(LiveServer):
        def __init__(self, database_url: str, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> None:
            super().__init__(database_url, tmp_path, env, args)
            servers.append(self)

    yield Factory
    for server in servers:
        server.stop()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for tests that must run on PostgreSQL; skipped when none answers."""
    with postgres.throwaway_database() as url:
        yield url


@pytest.fixture
def english() -> Iterator[None]:
    """For tests that match a service's message text: English rather than the default Japanese."""
    with i18n.language("en"):
        yield


class MailServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, in its own thread, keeping what it receives.

    `refuse` holds addresses it answers 550 for; `tls` and `logins` make it offer STARTTLS and
    require AUTH (aiosmtpd allows AUTH only after STARTTLS). It can be stopped and started again
    on the same port, like a mail server that goes down and comes back.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        refuse: frozenset[str] = frozenset(),
        tls: ssl.SSLContext | None = None,
        logins: dict[str, str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.refuse = refuse
        self.tls = tls
        self.logins = logins
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._arrived = threading.Condition()
        self._controller: Controller | None = None

    # aiosmtpd's handler hooks
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=email_policy.default)
        with self._arrived:
            self.messages.append(message)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (
            isinstance(auth_data, LoginPassword)
            and (self.logins or {}).get(auth_data.login.decode()) == auth_data.password.decode()
        )
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 235 or 535 itself

    def start(self) -> MailServer:
        options: dict[str, Any] = {}
        if self.tls is not None:
            options.update(tls_context=self.tls, require_starttls=True)
        if self.logins is not None:
            options.update(authenticator=self._authenticate, auth_required=True)
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self, **changes: Any) -> MailSettings:
        """Mail settings pointing at this server, plain SMTP unless changed."""
        values: dict[str, Any] = {"host": "127.0.0.1", "port": self.port, "security": "none"}
        values.update(sender="Migrant Forum <forum@example.org>", timeout_seconds=5.0, **changes)
        return MailSettings(**values)

    def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """Block until `count` messages have arrived (for a worker delivering on its own)."""
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        assert arrived, f"{count} message(s) expected at the mail server, {len(self.messages)} arrived"
        return list(self.messages)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()
