"""The access log never carries a capability secret."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from events.logs import RedactSecrets, redact
from events.settings import Settings
from tests.conftest import organizer_token
from tests.factories import event_data


def test_secrets_in_paths_are_redacted() -> None:
    assert redact("/manage/AbCdEfGhIjKlMnOpQrStUvWxYz012345?registered=1") == "/manage/[redacted]?registered=1"
    assert redact("/api/v1/registrations/AbCdEf_-123/cancel") == "/api/v1/registrations/[redacted]/cancel"
    assert redact("/events/workshop") == "/events/workshop"


def test_the_access_log_record_is_rewritten() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/manage/SECRETSECRETSECRETSECRET", "1.1", 200),
        None,
    )

    RedactSecrets().filter(record)

    assert "SECRET" not in record.getMessage() and "/manage/[redacted]" in record.getMessage()


@pytest.mark.usefixtures("db")
def test_the_real_access_log_never_shows_a_secret_a_name_or_an_email(
    settings: Settings, tmp_path: Path, live_server_factory: type
) -> None:
    token = organizer_token(settings.database_url, tmp_path)
    server = live_server_factory(settings.database_url)
    headers = {"Authorization": f"Bearer {token}"}
    httpx.post(f"{server.url}/api/v1/events", json=event_data(), headers=headers)
    body = {"name": "Canary Namae", "email": "canary-person@example.org", "sessions": ["day1"]}
    links = httpx.post(f"{server.url}/api/v1/events/workshop/registrations", json=body).json()["links"]
    httpx.get(links["manage"])
    httpx.get(links["api"])
    httpx.post(links["api"] + "/cancel")
    secret = links["api"].rsplit("/", 1)[1]

    log = server.stop()

    assert "/manage/[redacted]" in log, "the access log is on and redacts"
    for canary in (secret, "Canary", "canary-person", token):
        assert canary not in log, f"{canary!r} leaked into the server log"
