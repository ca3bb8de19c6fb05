"""E-mail through the outbox: queued with the registration, delivered to a real SMTP server (aiosmtpd).

The mail server is real and on 127.0.0.1; the outbox is delivered by the same service function
the background worker runs (`deliver_due`), or by the worker itself inside the running app.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import replace
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path

import httpx
import icalendar
import pytest
import trustme
from starlette.applications import Starlette

from events import clock, links
from events.app import create_app
from events.badges import tokens
from events.mail import outbox
from events.mail.delivery import deliver_due
from events.mail.models import MailKind, MailStatus, OutboxMessage
from events.mail.reminders import queue_reminders
from events.program.models import Session
from events.registrations.models import Registration
from events.registrations.schemas import WalkInInput
from events.registrations.service import AlreadyRegistered, cancel, register
from events.settings import Settings
from events.staff.models import Role
from tests.conftest import MailServer, csrf_token, running, sign_in, tsudoi
from tests.factories import make_event, make_registration
from tests.test_badges import decoded_qr_texts

SECRET = "test-secret-key"


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename() or "": part.get_content() for part in message.iter_attachments()}


def raw_subject(message: EmailMessage) -> str:
    """The Subject exactly as sent on the wire, before any decoding."""
    return next(value for key, value in message.raw_items() if key.lower() == "subject")


@pytest.fixture(autouse=True)
def site_address() -> None:
    links.set_mail_url("https://forum.example.org")


@pytest.mark.usefixtures("db")
async def test_a_registration_queues_its_confirmation_and_sends_nothing_itself() -> None:
    event = await make_event()

    result = await make_registration(event, 1)

    queued = await OutboxMessage.filter(registration_id=result.registration.id)
    assert [(m.kind, m.status, m.recipient) for m in queued] == [
        (MailKind.REGISTERED, MailStatus.QUEUED, "person1@example.org")
    ], "one confirmation waits in the outbox"
    assert queued[0].base_url == "https://forum.example.org", "links will point where the person registered"


@pytest.mark.usefixtures("db")
async def test_a_refused_registration_leaves_no_message_behind() -> None:
    event = await make_event()
    await make_registration(event, 1)

    with pytest.raises(AlreadyRegistered):
        await make_registration(event, 1)

    assert await OutboxMessage.all().count() == 1, "the refused registration's message was rolled back with it"


@pytest.mark.usefixtures("db")
@pytest.mark.parametrize(
    ("language", "subject_start"),
    [("ja", "お申し込み"), ("en", "Your registration"), ("ko", "신청"), ("tl", "Ang inyong rehistro")],
)
async def test_the_confirmation_arrives_in_the_persons_language_with_badge_and_calendar(
    mail_server: MailServer, language: str, subject_start: str
) -> None:
    event = await make_event()
    result = await make_registration(event, 1, ["day1", "lecture"], language=language, name="김민지")

    delivered = await deliver_due(mail_server.settings(), SECRET)

    assert delivered.sent == 1, delivered.errors
    (message,) = mail_server.messages
    assert str(message["Subject"]).startswith(subject_start), f"subject in {language}: {message['Subject']}"
    assert raw_subject(message).isascii(), "the header is RFC 2047-encoded on the wire, not raw UTF-8"
    assert str(make_header(decode_header(raw_subject(message)))) == str(message["Subject"])
    assert message["To"].addresses[0].addr_spec == "person1@example.org"
    assert message["Content-Language"] == language
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    manage = f"https://forum.example.org/manage/{result.registration.secret}"
    assert manage in text and manage in html, "both parts carry the manage link"
    assert "김민지" in text and "Evening lecture" in html
    files = attachments(message)
    code = result.registration.code
    assert set(files) == {f"badge-{code}.pdf", "workshop.ics"}
    (qr,) = decoded_qr_texts(files[f"badge-{code}.pdf"])
    payload = tokens.parse(qr)
    assert payload is not None, qr
    assert tokens.verify(SECRET, payload, event.id, result.registration.secret, event.badge_key), "the badge's QR scans"
    calendar = icalendar.Calendar.from_ical(files["workshop.ics"])
    assert sorted(str(item["summary"]).split(" · ")[0] for item in calendar.walk("VEVENT")) == [
        "Day 1",
        "Evening lecture",
    ]
    sent = await OutboxMessage.get(registration_id=result.registration.id)
    assert sent.status == MailStatus.SENT and sent.subject == str(message["Subject"])


@pytest.mark.usefixtures("db")
async def test_a_waiting_person_gets_no_badge_until_promoted_and_then_an_email_saying_so(
    mail_server: MailServer,
) -> None:
    event = await make_event(capacity=1)
    first = await make_registration(event, 1, ["day1"], language="en")
    waiting = await make_registration(event, 2, ["day1"], language="en")
    await deliver_due(mail_server.settings(), SECRET)
    assert set(attachments(mail_server.messages[1])) == {"workshop.ics"}, "no badge while on the waiting list"
    assert "Waiting list, position 1" in mail_server.messages[1].get_body(("plain",)).get_content()

    await cancel(first.registration)
    await deliver_due(mail_server.settings(), SECRET)

    by_kind = {(m.registration_id, m.kind) for m in await OutboxMessage.all()}  # type: ignore[attr-defined]
    assert (first.registration.id, MailKind.CANCELLED) in by_kind
    assert (waiting.registration.id, MailKind.PROMOTED) in by_kind
    promoted = next(m for m in mail_server.messages if "seat" in str(m["Subject"]))
    assert str(promoted["Subject"]) == "You have a seat: Day 1 (全国ワークショップ)"
    assert set(attachments(promoted)) == {f"badge-{waiting.registration.code}.pdf", "workshop.ics"}
    cancelled = next(m for m in mail_server.messages if "cancelled" in str(m["Subject"]))
    assert not attachments(cancelled), "a cancellation carries no badge"


@pytest.mark.usefixtures("db")
async def test_with_the_mail_server_down_registration_succeeds_and_the_mail_goes_when_it_is_back() -> None:
    down = MailServer()  # its port, with nothing listening yet
    event = await make_event()
    result = await make_registration(event, 1)

    first_try = await deliver_due(down.settings(), SECRET)

    assert (first_try.sent, first_try.retrying) == (0, 1)
    waiting = await OutboxMessage.get(registration_id=result.registration.id)
    assert waiting.status == MailStatus.QUEUED and waiting.attempts == 1
    assert "Connect" in waiting.last_error or "refused" in waiting.last_error.lower(), waiting.last_error
    assert waiting.next_attempt_at > clock.now(), "tried again later, not in a loop"
    assert (await deliver_due(down.settings(), SECRET)).total == 0, "nothing is due before the back-off ends"

    down.start()
    try:
        # A minute passes: the retry comes due.
        await OutboxMessage.filter(id=waiting.id).update(next_attempt_at=clock.now() - timedelta(seconds=1))
        second_try = await deliver_due(down.settings(), SECRET)
    finally:
        down.stop()

    assert second_try.sent == 1
    assert len(down.messages) == 1 and (await OutboxMessage.get(id=waiting.id)).status == MailStatus.SENT


@pytest.mark.usefixtures("db")
async def test_a_recipient_the_server_refuses_for_good_fails_with_its_answer_and_can_be_resent() -> None:
    server = MailServer(refuse=frozenset({"person1@example.org"})).start()
    try:
        event = await make_event()
        result = await make_registration(event, 1)

        await deliver_due(server.settings(), SECRET)
        failed = await OutboxMessage.get(registration_id=result.registration.id)

        assert failed.status == MailStatus.FAILED, "a 550 is not tried again by itself"
        assert "550" in failed.last_error and "No such user" in failed.last_error
        assert await outbox.resend(failed.id, event.id)
        assert (await OutboxMessage.get(id=failed.id)).status == MailStatus.QUEUED
    finally:
        server.stop()


def test_retries_back_off_to_at_most_three_hours() -> None:
    # The waits between attempts; after the last attempt nothing waits: the message is given up.
    delays = [outbox.retry_delay(attempt) for attempt in range(1, outbox.MAX_ATTEMPTS)]

    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(delays) == timedelta(hours=3)
    assert sum(delays, timedelta()) > timedelta(hours=36), "tried for a day and a half, as the outbox page says"


@pytest.mark.usefixtures("db")
async def test_a_message_is_given_up_after_the_last_attempt() -> None:
    down = MailServer()
    event = await make_event()
    result = await make_registration(event, 1)
    await OutboxMessage.filter(registration_id=result.registration.id).update(attempts=outbox.MAX_ATTEMPTS - 1)

    await deliver_due(down.settings(), SECRET)

    assert (await OutboxMessage.get(registration_id=result.registration.id)).status == MailStatus.FAILED


@pytest.mark.usefixtures("db")
async def test_two_workers_at_once_send_each_message_exactly_once(mail_server: MailServer) -> None:
    event = await make_event(capacity=None)
    for number in range(1, 13):
        await make_registration(event, number)

    results = await asyncio.gather(*(deliver_due(mail_server.settings(), SECRET, limit=5) for _ in range(4)))
    while (await deliver_due(mail_server.settings(), SECRET)).total:
        pass

    recipients = sorted(to for _sender, tos in mail_server.envelopes for to in tos)
    assert recipients == sorted(f"person{n}@example.org" for n in range(1, 13)), "each person once, nobody twice"
    assert sum(result.sent for result in results) <= 12


@pytest.mark.usefixtures("db")
async def test_a_worker_that_died_mid_send_gives_its_messages_back_when_the_lease_ends(
    mail_server: MailServer,
) -> None:
    event = await make_event()
    await make_registration(event, 1)
    (claimed,) = await outbox.claim_due(clock.now())  # …and the worker dies here

    assert await outbox.claim_due(clock.now()) == [], "nobody else takes a message being sent"
    later = clock.now() + outbox.LEASE + timedelta(seconds=1)
    (again,) = await outbox.claim_due(later)
    assert again.id == claimed.id and again.attempts == 2


@pytest.mark.usefixtures("db")
async def test_reminders_go_once_to_everyone_registered_before_the_window(mail_server: MailServer) -> None:
    event = await make_event(days_ahead=1)
    early = await make_registration(event, 1)
    late = await make_registration(event, 2)
    gone = await make_registration(event, 3)
    await cancel(gone.registration)
    first = min(session.starts_at for session in await Session.filter(event=event))
    await Registration.filter(id__in=[early.registration.id, gone.registration.id]).update(
        created_at=first - timedelta(days=5)
    )
    now = first - timedelta(hours=30)

    assert await queue_reminders(now, 24) == 0, "not yet: the event is 30 hours away"
    assert await queue_reminders(now, 48) == 1
    assert await queue_reminders(now, 48) == 0, "a second run queues nothing more"

    reminders = await OutboxMessage.filter(kind=MailKind.REMINDER)
    assert [m.registration_id for m in reminders] == [early.registration.id]  # type: ignore[attr-defined]
    assert late.registration.id not in [m.registration_id for m in reminders]  # type: ignore[attr-defined]


@pytest.mark.usefixtures("db")
async def test_starttls_and_login_are_used_when_configured(tmp_path: Path) -> None:
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(server_tls)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    server = MailServer(tls=server_tls, logins={"forum": "s3cret"}).start()
    try:
        event = await make_event()
        await make_registration(event, 1)
        secure = server.settings(security="starttls", ca_file=str(ca_file), username="forum")

        refused = await deliver_due(replace(secure, password="wrong"), SECRET)
        assert refused.retrying == 1 and "535" in refused.errors[0], "a wrong password is reported, and retried"
        await OutboxMessage.all().update(next_attempt_at=clock.now())
        accepted = await deliver_due(replace(secure, password="s3cret"), SECRET)
    finally:
        server.stop()

    assert accepted.sent == 1 and len(server.messages) == 1


async def test_the_running_app_delivers_a_registration_by_itself(settings: Settings, mail_server: MailServer) -> None:
    app = create_app(replace(settings, mail=mail_server.settings(), base_url="https://forum.example.org"))
    async with running(app):
        event = await make_event()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://forum.example.org") as client:
            answer = await client.post(
                f"/api/v1/events/{event.slug}/registrations",
                json={"name": "Maria Santos", "email": "maria@example.org", "sessions": ["day1"], "language": "tl"},
            )
            assert answer.status_code == 201, answer.text

            (message,) = await asyncio.to_thread(mail_server.wait_for, 1)

    assert message["To"].addresses[0].addr_spec == "maria@example.org"
    assert "https://forum.example.org/manage/" in message.get_body(("plain",)).get_content()


@pytest.mark.usefixtures("db")
async def test_a_walk_in_without_an_address_gets_no_message() -> None:
    event = await make_event()

    result = await register(event, WalkInInput(name="Walk-in", sessions=["day1"]))

    assert not await OutboxMessage.filter(registration_id=result.registration.id).exists()


async def test_organizers_see_the_outbox_with_the_servers_answer_and_can_send_again(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    refusing = MailServer(refuse=frozenset({"person2@example.org"})).start()
    try:
        event = await make_event()
        await make_registration(event, 1)
        await make_registration(event, 2)
        await deliver_due(refusing.settings(), SECRET)
    finally:
        refusing.stop()
    await sign_in(client)

    page = await client.get("/staff/events/workshop/mail")

    assert page.status_code == 200
    assert 'id="no-smtp"' in page.text, "the page says no mail server is set up for this app"
    assert "person1@example.org" in page.text and "person2@example.org" in page.text
    assert "550 5.1.1 No such user here" in page.text, "the server's answer is shown"
    failed = await OutboxMessage.get(recipient="person2@example.org")
    again = await client.post(
        f"/staff/events/workshop/mail/{failed.id}/resend", data={"csrf_token": csrf_token(page.text)}
    )
    assert again.status_code == 303
    assert (await OutboxMessage.get(id=failed.id)).status == MailStatus.QUEUED
    only_failed = await client.get("/staff/events/workshop/mail?status=failed")
    assert f'id="mail-{failed.id}"' not in only_failed.text, "it is queued again, so no longer among the failed"
    assert 'class="empty"' in only_failed.text


async def test_the_outbox_is_for_organizers_only(app: Starlette, client: httpx.AsyncClient) -> None:
    event = await make_event()
    await make_registration(event, 1)
    await sign_in(client, Role.DOOR)

    page = await client.get("/staff/events/workshop/mail")

    assert page.status_code == 403 and "person1@example.org" not in page.text


async def test_tsudoi_remind_send_queues_and_delivers_reminders(
    db: Settings, tmp_path: Path, mail_server: MailServer
) -> None:
    event = await make_event(days_ahead=1)
    early = await make_registration(event, 1, language="en")
    await Registration.filter(id=early.registration.id).update(created_at=clock.now() - timedelta(days=10))
    await OutboxMessage.all().update(status=MailStatus.SENT)  # the confirmation went long ago
    env = {
        "DATABASE_URL": db.database_url,
        "TSUDOI_SECRET_KEY": SECRET,
        "TSUDOI_BASE_URL": "https://forum.example.org",
        "TSUDOI_SMTP_HOST": "127.0.0.1",
        "TSUDOI_SMTP_PORT": str(mail_server.port),
        "TSUDOI_SMTP_SECURITY": "none",
        "TSUDOI_REMINDER_HOURS": "72",
    }

    result = await asyncio.to_thread(tsudoi, "remind", "--send", cwd=tmp_path, env=env)

    assert result.returncode == 0, result.stderr
    assert "1 reminder(s) queued" in result.stdout and "1 sent" in result.stdout, result.stdout
    (message,) = mail_server.messages
    assert str(message["Subject"]) == "Reminder: 全国ワークショップ"
    assert f"https://forum.example.org/manage/{early.registration.secret}" in message.get_body(("plain",)).get_content()


async def test_a_persons_page_lists_their_email_with_the_servers_answer(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    refusing = MailServer(refuse=frozenset({"person1@example.org"})).start()
    try:
        event = await make_event()
        result = await make_registration(event, 1)
        await deliver_due(refusing.settings(), SECRET)
    finally:
        refusing.stop()
    await sign_in(client)

    page = await client.get(f"/staff/events/workshop/registrations/{result.registration.code}")

    assert page.status_code == 200
    assert 'class="mail-of-person"' in page.text and "550 5.1.1 No such user here" in page.text


async def test_organizers_read_a_message_as_the_person_reads_it(app: Starlette, client: httpx.AsyncClient) -> None:
    event = await make_event()
    maria = (await make_registration(event, 1, language="ko", name="Maria Santos")).registration
    queued = await OutboxMessage.get(registration_id=maria.id)
    await sign_in(client)

    outbox_page = await client.get("/staff/events/workshop/mail?lang=en")
    page = await client.get(f"/staff/events/workshop/mail/{queued.id}?lang=en")
    other = await client.get(f"/staff/events/workshop/mail/{queued.id + 100}?lang=en")

    assert f"/staff/events/workshop/mail/{queued.id}" in outbox_page.text, "each message links to its text"
    assert page.status_code == 200 and '<pre class="mail-text" lang="ko">' in page.text
    assert "Maria Santos" in page.text and f"/manage/{maria.secret}" in page.text, "the words the person gets"
    assert "the badge (PDF)" in page.text, "and what is attached"
    assert other.status_code == 404
