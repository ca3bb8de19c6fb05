"""No request's `Host` ever reaches an e-mail (contract 1.2, "Links in e-mails").

Whoever sends a registration, or a "send me my link again", with a forged `Host: evil.example`
must not choose where the participant's secret link points: one click would hand it over. Links in
e-mails use TSUDOI_BASE_URL, else the address the server listens on; a request addressed to a host
name the operator did not give is refused before it reaches the app (Django's ALLOWED_HOSTS).
Every message here goes through a real SMTP server (aiosmtpd) and is read as it arrived.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from events.app import create_app
from events.settings import ConfigError, Settings, from_environ
from tests.conftest import LiveServer, MailServer, csrf_token, organizer_token, running, tsudoi
from tests.factories import event_data, make_event

FORGED = "evil.example"
LISTENING = "http://127.0.0.1:8123"


def whole_text(message: EmailMessage) -> str:
    """Every part a reader or a mail program could follow a link from: text, HTML and the calendar."""
    parts = [message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()]
    parts += [part.get_content() for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    return "\n".join(str(part) for part in parts)


def links_in(message: EmailMessage) -> set[str]:
    return set(re.findall(r"https?://[^\s\"'<>]+", whole_text(message)))


def registration(email: str = "maria@example.org") -> dict[str, object]:
    return {"name": "Maria Santos", "email": email, "sessions": ["day1"], "language": "tl"}


async def test_a_forged_host_that_is_let_in_still_never_chooses_the_links_of_an_email(
    settings: Settings, mail_server: MailServer
) -> None:
    """Even an operator who lets any host name in (TSUDOI_ALLOWED_HOSTS=*) sends links to the address
    the server listens on, whatever the request said it was addressed to."""
    app = create_app(replace(settings, mail=mail_server.settings(), served_at=LISTENING, allowed_hosts=("*",)))
    async with running(app):
        event = await make_event()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{FORGED}") as client:
            answer = await client.post(f"/api/v1/events/{event.slug}/registrations", json=registration())
            assert answer.status_code == 201, answer.text
            (message,) = await asyncio.to_thread(mail_server.wait_for, 1)

    found = links_in(message)
    assert found, "the confirmation carries links"
    assert FORGED not in whole_text(message), f"the forged host reached the e-mail: {sorted(found)}"
    assert all(link.startswith(f"{LISTENING}/") for link in found), f"links outside {LISTENING}: {sorted(found)}"
    assert f"{LISTENING}/manage/" in whole_text(message), "the participant's own page is linked where the server is"


async def test_send_me_my_link_again_with_a_forged_host_mails_the_configured_address(
    settings: Settings, mail_server: MailServer
) -> None:
    app = create_app(replace(settings, mail=mail_server.settings(), served_at=LISTENING, allowed_hosts=("*",)))
    async with running(app):
        event = await make_event()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{FORGED}") as client:
            registered = await client.post(f"/api/v1/events/{event.slug}/registrations", json=registration())
            assert registered.status_code == 201, registered.text
            await asyncio.to_thread(mail_server.wait_for, 1)
            page = await client.get(f"/events/{event.slug}")
            again = await client.post(
                f"/events/{event.slug}/link", data={"csrf_token": csrf_token(page.text), "email": "maria@example.org"}
            )
            assert again.status_code == 303, again.text
            messages = await asyncio.to_thread(mail_server.wait_for, 2)

    link_again = messages[1]
    assert FORGED not in whole_text(link_again), "the link sent again does not point at the forged host"
    assert f"{LISTENING}/manage/" in whole_text(link_again), "it points where the server listens"


async def test_with_a_base_url_a_request_for_another_host_is_refused_and_queues_nothing(
    settings: Settings, mail_server: MailServer
) -> None:
    app = create_app(replace(settings, mail=mail_server.settings(), base_url="https://forum.example.org"))
    async with running(app):
        event = await make_event()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{FORGED}") as stranger:
            refused = await stranger.post(f"/api/v1/events/{event.slug}/registrations", json=registration())
            health = await stranger.get("/healthz")
        async with httpx.AsyncClient(transport=transport, base_url="https://forum.example.org") as participant:
            accepted = await participant.post(
                f"/api/v1/events/{event.slug}/registrations", json=registration("ana@example.org")
            )
            (message,) = await asyncio.to_thread(mail_server.wait_for, 1)

    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "unknown_host" and refused.json()["message"], "the contract's error shape"
    assert health.status_code == 200, "health checks answer whatever the host (load balancers use the bare address)"
    assert accepted.status_code == 201, accepted.text
    assert message["To"].addresses[0].addr_spec == "ana@example.org", "only the accepted registration was mailed"
    assert all(link.startswith("https://forum.example.org/") for link in links_in(message)), links_in(message)


async def test_the_refusal_is_in_the_readers_language(settings: Settings) -> None:
    app = create_app(replace(settings, base_url="https://forum.example.org"))
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{FORGED}") as stranger:
            japanese = await stranger.get("/api/v1/events", headers={"accept-language": "ja"})
            korean = await stranger.get("/api/v1/events?lang=ko")

    assert japanese.status_code == 400 and "このサーバー" in japanese.json()["message"], japanese.text
    assert korean.status_code == 400 and "서버" in korean.json()["message"], korean.text


def test_a_served_server_answers_only_to_its_own_address_and_mails_it(tmp_path: Path, mail_server: MailServer) -> None:
    """`tsudoi serve` without TSUDOI_BASE_URL: links in e-mails are the address it listens on, it says
    so as it starts, and a request for another host name is refused (no e-mail for it)."""
    url = f"sqlite:///{tmp_path / 'served.db'}"
    token = organizer_token(url, tmp_path)
    mail = {"TSUDOI_SMTP_HOST": "127.0.0.1", "TSUDOI_SMTP_PORT": str(mail_server.port), "TSUDOI_SMTP_SECURITY": "none"}
    server = LiveServer(url, tmp_path, env=mail)
    try:
        organizer = {"authorization": f"Bearer {token}"}
        made = httpx.post(f"{server.url}/api/v1/events", json=event_data(), headers=organizer)
        assert made.status_code == 201, made.text
        forged = httpx.post(
            f"{server.url}/api/v1/events/workshop/registrations",
            json=registration("forged@example.org"),
            headers={"host": FORGED},
        )
        accepted = httpx.post(f"{server.url}/api/v1/events/workshop/registrations", json=registration())
        (message,) = mail_server.wait_for(1)
    finally:
        log = server.stop()

    assert forged.status_code == 400 and forged.json()["error"] == "unknown_host", forged.text
    assert accepted.status_code == 201, accepted.text
    assert message["To"].addresses[0].addr_spec == "maria@example.org", "nothing was mailed for the forged request"
    assert f"{server.url}/manage/" in whole_text(message), "the link is the address the server listens on"
    assert FORGED not in whole_text(message)
    assert f"Links in e-mails: {server.url}" in log, "serve says at start what it will put in e-mails"
    assert "evil.example" in log and "TSUDOI_BASE_URL" in log, "the refused host is named once, with what to set"


def test_serve_on_every_address_with_e_mail_and_no_base_url_refuses_to_start(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "TSUDOI_SMTP_HOST": "127.0.0.1",
        "TSUDOI_SMTP_SECURITY": "none",
    }
    result = tsudoi("serve", "--host", "0.0.0.0", "--port", "1", cwd=tmp_path, env=env)

    assert result.returncode != 0, "it does not start"
    assert "TSUDOI_BASE_URL must be set" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_allowed_hosts_are_read_as_django_and_starlette_write_them() -> None:
    settings = from_environ({"TSUDOI_ALLOWED_HOSTS": "forum.example.org, *.example.net"})

    assert settings.host_patterns == ("forum.example.org", "*.example.net")
    with pytest.raises(ConfigError, match="TSUDOI_ALLOWED_HOSTS"):
        from_environ({"TSUDOI_ALLOWED_HOSTS": "https://forum.example.org/"})
