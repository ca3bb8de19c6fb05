"""The access log never carries a capability secret."""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest

from events.logs import RedactSecrets, network_of, new_request_id, redact
from events.settings import Settings
from events.staff import links
from events.staff.models import Role
from events.staff.service import save_staff
from tests.conftest import organizer_token
from tests.factories import event_data


def test_secrets_in_paths_are_redacted() -> None:
    assert redact("/manage/AbCdEfGhIjKlMnOpQrStUvWxYz012345?registered=1") == "/manage/[redacted]?registered=1"
    assert redact("/api/v1/registrations/AbCdEf_-123/cancel") == "/api/v1/registrations/[redacted]/cancel"
    assert redact("/events/workshop") == "/events/workshop"
    searched = "/api/v1/events/w/registrations?q=%E5%B1%B1%E7%94%B0&sort=name"
    assert redact(searched) == "/api/v1/events/w/registrations?q=[redacted]&sort=name", "a searched name"
    assert redact("/x?freq=3") == "/x?freq=3", "only the parameter named q"


def test_device_links_label_tokens_and_certificate_signatures_are_redacted_and_codes_kept() -> None:
    assert redact("/staff/link/Zx9_-tok") == "/staff/link/[redacted]", "a device's one-time sign-in link"
    label = "/staff/events/workshop/kiosk/label/AB12CD34/0123456789abcdef01234567.pdf"
    assert redact(label) == "/staff/events/workshop/kiosk/label/AB12CD34/[redacted]", "the token, not the code"
    assert redact("/certificates/workshop/0007-3f9a0011aa22bb33") == "/certificates/workshop/[redacted]"
    back = "/staff/login?next=%2Fstaff%2Fevents%2Fw%2Fkiosk%2Flabel%2FAB12CD34%2F0123abcd.pdf"
    assert redact(back) == "/staff/login?next=%2Fstaff%2Fevents%2Fw%2Fkiosk%2Flabel%2FAB12CD34%2F[redacted]", (
        "a path carried percent-encoded in the sign-in page's next="
    )
    assert redact("/api/v1/registrations/AbC/receipts/3") == "/api/v1/registrations/[redacted]/receipts/3"
    for staff_path in (
        "/staff/events/w/registrations/AB12CD34/receipts/2",
        "/staff/events/w/scan/badge/AB12CD34",
        "/staff/events/w/certificates/send",
        "/staff/events/w/kiosk/scan",
    ):
        assert redact(staff_path) == staff_path, "a registration code in a staff path is no secret"


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


def workshop_served(
    settings: Settings, tmp_path: Path, live_server_factory: type, name: str, email: str
) -> tuple[Any, str, dict[str, Any]]:
    """A real server with the workshop and one person registered for day 1: the server, an
    organizer's token, and the registration as the API answered it."""
    token = organizer_token(settings.database_url, tmp_path)
    server = live_server_factory(settings.database_url)
    httpx.post(f"{server.url}/api/v1/events", json=event_data(), headers={"Authorization": f"Bearer {token}"})
    body = {"name": name, "email": email, "sessions": ["day1"]}
    return server, token, httpx.post(f"{server.url}/api/v1/events/workshop/registrations", json=body).json()


@pytest.mark.usefixtures("db")
def test_the_real_access_log_never_shows_a_secret_a_name_or_an_email(
    settings: Settings, tmp_path: Path, live_server_factory: type
) -> None:
    server, token, registered = workshop_served(
        settings, tmp_path, live_server_factory, "Canary Namae", "canary-person@example.org"
    )
    headers = {"Authorization": f"Bearer {token}"}
    links = registered["links"]
    httpx.get(links["manage"])
    httpx.get(links["api"])
    httpx.post(links["api"] + "/cancel")
    secret = links["api"].rsplit("/", 1)[1]
    # A door volunteer looks for a lost badge by name (the API and the scanner page's search).
    for name in ("Canary", "山田"):
        httpx.get(f"{server.url}/api/v1/events/workshop/registrations", params={"q": name}, headers=headers)
        httpx.get(f"{server.url}/staff/events/workshop/scan/search", params={"q": name})

    log = server.stop()

    assert "/manage/[redacted]" in log, "the access log is on and redacts"
    for canary in (secret, "Canary", "canary-person", token, "山田", "%E5%B1%B1"):
        assert canary not in log, f"{canary!r} leaked into the server log"


async def test_the_real_access_log_never_shows_a_device_link_a_label_token_or_a_certificate_signature(
    db: Settings, live_server_factory: type
) -> None:
    """The line is written whatever the answer, so tokens of the right shape stand for the label's and
    the certificate's; the sign-in link is a real one."""
    link = (await links.issue(await save_staff("door@example.org", Role.DOOR))).token
    label, signature = secrets.token_hex(12), secrets.token_hex(8)
    server = live_server_factory(db.database_url)
    opened = httpx.get(f"{server.url}/staff/link/{link}")  # the device asks before using it
    httpx.post(f"{server.url}/staff/link/{link}", data={"csrf_token": "none"})
    # A kiosk whose sign-in ran out is sent to the sign-in page, told where to come back to (next=).
    httpx.get(f"{server.url}/staff/events/workshop/kiosk/label/AB12CD34/{label}.pdf", follow_redirects=True)
    httpx.get(f"{server.url}/certificates/workshop/0007-{signature}")

    log = server.stop()

    assert opened.status_code == 200, "the link is a real one"
    assert "/staff/link/[redacted]" in log and "/kiosk/label/AB12CD34/[redacted]" in log, log
    assert "next=%2Fstaff%2Fevents%2Fworkshop%2Fkiosk%2Flabel%2FAB12CD34%2F[redacted]" in log, log
    assert "/certificates/workshop/[redacted]" in log, log
    for secret in (link, label, signature):
        assert secret not in log, f"{secret!r} leaked into the server log:\n{log}"


@pytest.mark.parametrize(
    ("client", "network"),
    [("203.0.113.7:51234", "203.0.0.0/16"), ("[2001:db8::1]:443", "2001:db8::/32"), ("unix-socket", "unix-socket")],
)
def test_a_client_address_is_cut_to_its_network(client: str, network: str) -> None:
    assert network_of(client) == network


def test_a_request_id_from_the_proxy_is_kept_only_when_it_is_a_plain_token() -> None:
    assert new_request_id("abc-123") == "abc-123"
    assert new_request_id('x" injected\nline') != 'x" injected\nline'
    assert len(new_request_id(None)) == 16


@pytest.mark.usefixtures("db")
def test_json_logs_carry_the_request_id_and_no_personal_data(
    settings: Settings, tmp_path: Path, live_server_factory: type
) -> None:
    server = live_server_factory(settings.database_url, env={"TSUDOI_LOG_FORMAT": "json"})
    token = organizer_token(settings.database_url, tmp_path)
    httpx.post(f"{server.url}/api/v1/events", json=event_data(), headers={"Authorization": f"Bearer {token}"})
    body = {"name": "Canary Namae", "email": "canary-person@example.org", "sessions": ["day1"]}
    answer = httpx.post(
        f"{server.url}/api/v1/events/workshop/registrations", json=body, headers={"X-Request-ID": "door-a-0001"}
    )
    httpx.get(answer.json()["links"]["manage"])

    log = server.stop()

    assert answer.headers["x-request-id"] == "door-a-0001", "the id comes back to the client"
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    access = [entry for entry in entries if entry["logger"] == "tsudoi.access"]
    assert any(entry["request_id"] == "door-a-0001" and entry["status"] == 201 for entry in access)
    assert all(entry["client"] == "127.0.0.0/16" for entry in access), "addresses cut to their network"
    assert any(entry["path"].startswith("/manage/[redacted]") for entry in access)
    for canary in ("Canary", "canary-person", token):
        assert canary not in log, f"{canary!r} leaked into the server log"


@pytest.mark.usefixtures("db")
def test_a_scan_the_door_answered_is_in_the_scan_log_not_the_access_log(
    settings: Settings, tmp_path: Path, live_server_factory: type
) -> None:
    server, token, registered = workshop_served(
        settings, tmp_path, live_server_factory, "Door Person", "door-person@example.org"
    )
    headers = {"Authorization": f"Bearer {token}"}
    code = registered["code"]
    checkins = f"{server.url}/api/v1/events/workshop/checkins"
    scan = {"scan": code, "session": "day1", "device": "door-1", "scan_id": "s-1"}
    counted = httpx.post(checkins, json=scan, headers=headers)
    replayed = httpx.post(checkins, json=scan, headers=headers)  # answered from the scan log
    refused = httpx.post(checkins, json={"scan": code, "session": "day1"}, headers={"Authorization": "Bearer nope"})
    malformed = httpx.post(checkins, json={"session": "day1"}, headers=headers)

    log = server.stop()

    assert (counted.status_code, refused.status_code, malformed.status_code) == (201, 401, 422)
    assert replayed.json()["result"] == "ok", "the counted scan is in the scan log, which answers its replay"
    lines = [line for line in log.splitlines() if "/checkins" in line]
    assert not [line for line in lines if '" 201' in line], f"the counted scan repeated in the access log: {lines}"
    assert len([line for line in lines if '" 401' in line]) == 1, f"a refused token is logged once: {lines}"
    assert len([line for line in lines if '" 422' in line]) == 1, f"a malformed scan is logged once: {lines}"
    assert len([line for line in log.splitlines() if "/api/v1/events HTTP" in line]) == 1, "one line a request"


@pytest.mark.usefixtures("db")
def test_the_access_log_can_be_turned_off(settings: Settings, live_server_factory: type) -> None:
    server = live_server_factory(settings.database_url, env={"TSUDOI_ACCESS_LOG": "0"})
    assert httpx.get(f"{server.url}/").status_code == 200

    log = server.stop()

    assert '"GET / HTTP/1.1"' not in log, f"no access line with TSUDOI_ACCESS_LOG=0:\n{log}"
