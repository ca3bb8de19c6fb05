"""What the log says of what failed: a database error by its kind and route, never with the values
it failed on; a message the mail server refused by its id, never with the recipient; a client that
left before its answer as that (499), not as the server's error."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from tortoise import connections

from events.mail.delivery import deliver_due
from events.mail.models import MailStatus, OutboxMessage
from events.settings import Settings
from tests.conftest import MailServer, organizer_token
from tests.factories import event_data, make_event, make_registration

PERSON = {"name": "Canary Namae", "email": "canary-person@example.org", "sessions": ["day1"]}
CANARIES = ("Canary", "canary-person")


@asynccontextmanager
async def registrations_refused_quoting_the_person(settings: Settings) -> AsyncIterator[None]:
    """The database refuses every new registration with an error whose message quotes its name and
    address, as PostgreSQL's own messages quote a value they cannot take (`invalid input syntax for
    type integer: "…"`, `DETAIL: Failing row contains (…)`). SQLite's quote no value but a JSON
    path's, so its trigger asks for one."""
    client = connections.get("default")
    if settings.is_sqlite:
        await client.execute_script(
            "CREATE TRIGGER canary BEFORE INSERT ON registration "
            "BEGIN SELECT json_extract('{}', NEW.name || ' ' || NEW.email); END;"
        )
    else:
        await client.execute_script(
            "CREATE FUNCTION canary() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM (NEW.name || ' ' || NEW.email)::integer; RETURN NEW; END $$; "
            "CREATE TRIGGER canary BEFORE INSERT ON registration FOR EACH ROW EXECUTE FUNCTION canary();"
        )
    try:
        yield
    finally:
        if not settings.is_sqlite:  # the database outlives the test
            await client.execute_script("DROP TRIGGER canary ON registration; DROP FUNCTION canary();")


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_a_database_error_in_the_servers_log_names_its_kind_and_route_not_the_person(
    db: Settings, tmp_path: Path, live_server_factory: type, log_format: str
) -> None:
    token = organizer_token(db.database_url, tmp_path)
    server = live_server_factory(db.database_url, env={"TSUDOI_LOG_FORMAT": log_format})
    created = httpx.post(f"{server.url}/api/v1/events", json=event_data(), headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201, created.text

    async with registrations_refused_quoting_the_person(db):
        answer = httpx.post(f"{server.url}/api/v1/events/workshop/registrations", json=PERSON)
    log = server.stop()

    assert answer.status_code == 500 and answer.json()["error"] == "server_error", answer.text
    for canary in CANARIES:
        assert canary not in log, f"{canary!r} is in the server's log:\n{log}"
    assert "unhandled tortoise.exceptions.OperationalError on POST api_registrations" in log, log
    assert "in register" in log, f"where it was raised is kept:\n{log}"


async def test_no_log_record_of_a_database_error_holds_the_person(
    app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    """Every logger's records, in the app's own process, at the level the server logs at."""
    await make_event()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    caplog.set_level(logging.INFO)

    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        async with registrations_refused_quoting_the_person(app.state.settings):
            answer = await client.post("/api/v1/events/workshop/registrations", json=PERSON)

    assert answer.status_code == 500
    for canary in CANARIES:
        assert canary not in caplog.text, f"{canary!r} is in a log record:\n{caplog.text}"
    logged = [record for record in caplog.records if record.name == "tsudoi.errors"]
    assert len(logged) == 1 and "OperationalError" in logged[0].getMessage(), caplog.text


@pytest.mark.usefixtures("db")
async def test_a_recipient_the_mail_server_refuses_is_named_in_the_outbox_not_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = MailServer(refuse=frozenset({PERSON["email"]})).start()
    try:
        registered = await make_registration(await make_event(), 1, name=PERSON["name"], email=PERSON["email"])
        caplog.set_level(logging.INFO)

        await deliver_due(server.settings(), "secret")
    finally:
        server.stop()

    refused = await OutboxMessage.get(registration_id=registered.registration.id)
    assert refused.status == MailStatus.FAILED and PERSON["email"] in refused.last_error, "the organizers see why"
    # Every logger's records but the mail server's own (aiosmtpd's "mail.log": the other end of the wire).
    ours = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("mail.log"))
    assert f"mail {refused.id} to registration {registered.registration.id}" in ours, ours
    for canary in CANARIES:
        assert canary not in ours, f"{canary!r} is in a log record:\n{ours}"


def half_a_request_then_gone(server: Any, path: str, content_type: str, start: bytes) -> None:
    """A client that announces a body, sends the start of it, and closes the connection (a phone
    that lost its signal): the app is left waiting for the rest."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(start) + 500}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(head.encode() + start)


def until_logged(server: Any, line: str) -> None:
    """Wait for the server to write `line` (it answers the request it was left with in its own time)."""
    deadline = time.monotonic() + 30
    while line not in server.log_path.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"{line!r} was never logged:\n{server.log_path.read_text()}"
        time.sleep(0.05)


async def test_a_client_that_leaves_before_its_body_is_logged_as_gone_not_as_a_server_error(
    db: Settings, tmp_path: Path, live_server_factory: type
) -> None:
    token = organizer_token(db.database_url, tmp_path)
    server = live_server_factory(db.database_url)
    httpx.post(f"{server.url}/api/v1/events", json=event_data(), headers={"Authorization": f"Bearer {token}"})

    half_a_request_then_gone(server, "/api/v1/events/workshop/registrations", "application/json", b'{"name": "Ca')
    until_logged(server, '"POST /api/v1/events/workshop/registrations HTTP/1.1"')
    half_a_request_then_gone(server, "/staff/login", "application/x-www-form-urlencoded", b"email=someone%40")
    until_logged(server, '"POST /staff/login HTTP/1.1"')
    log = server.stop()

    lines = [line for line in log.splitlines() if '"POST /' in line and "/api/v1/events HTTP" not in line]
    assert len(lines) == 2 and all(line.rstrip().endswith("499") for line in lines), f"both as 499:\n{log}"
    assert "Traceback" not in log and "ERROR" not in log, f"nothing went wrong on the server's side:\n{log}"
