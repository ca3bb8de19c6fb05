"""An outbox row made into an e-mail: text and HTML in the participant's language, badge, calendar.

Made when the message is delivered, not when it is queued, so the registration path stays one
INSERT; the badge and the calendar attached are those of that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from jinja2 import Environment, select_autoescape

from events import clock, i18n
from events.badges.service import participant_badge
from events.i18n import gettext as _
from events.links import participant_links
from events.mail.models import MailKind, OutboxMessage
from events.money import transfers
from events.registrations.models import Registration, RegistrationStatus, Seat, SeatStatus
from events.registrations.seats import waitlist_positions
from events.registrations.service import participant_calendar, seats_of
from events.templating import build_environment
from events.text import scrubbed


@dataclass(frozen=True)
class Composed:
    subject: str
    message: EmailMessage


def mail_environment() -> Environment:
    """The pages' environment (filters, gettext), escaping HTML only: the text part is plain text."""
    environment = build_environment()
    environment.autoescape = select_autoescape(enabled_extensions=("html",), default=False)
    return environment


_environment: Environment | None = None


def _templates() -> Environment:
    global _environment
    if _environment is None:
        _environment = mail_environment()
    return _environment


def subject_for(kind: MailKind, context: dict[str, Any]) -> str:
    """The subject in the current language, with the event's title in it where the organizer wrote one."""
    language = i18n.current_language()
    event = context["event"].text("title", language)
    if kind == MailKind.REGISTERED:
        return _("Your registration: %(event)s") % {"event": event}
    if kind == MailKind.PROMOTED:
        session = context["session"]
        return _("You have a seat: %(session)s (%(event)s)") % {
            "session": session.text("title", language) if session else "",
            "event": event,
        }
    if kind == MailKind.CANCELLED:
        return _("Registration cancelled: %(event)s") % {"event": event}
    if kind == MailKind.LINK:
        return _("Your registration's link: %(event)s") % {"event": event}
    if kind == MailKind.CERTIFICATE:
        return _("Your certificate of attendance: %(event)s") % {"event": event}
    return _("Reminder: %(event)s") % {"event": event}


@dataclass(frozen=True)
class Written:
    """What a message says, before any attachment: for sending, and for the organizers to read."""

    subject: str
    text: str
    html: str
    has_badge: bool
    has_calendar: bool
    #: The seats the words were written from (the calendar attachment is made from the same).
    seats: list[Seat]


NO_ATTACHMENTS = (MailKind.CANCELLED, MailKind.CERTIFICATE)


def links_origin(message: OutboxMessage, base_url: str | None) -> str:
    """Where a message's links point: TSUDOI_BASE_URL when the sender has it (the operator's word,
    also for messages queued before it was set), else the address noted when it was queued."""
    return base_url or message.base_url


async def write(message: OutboxMessage, *, bank_account: str = "", base_url: str | None = None) -> Written:
    """The words of this outbox row's message (its registration and event loaded), in the person's
    language, as they read now; with the organization's `bank_account`, how to pay by transfer."""
    registration: Registration = message.registration
    event = message.event
    registration.event = event
    language = str(registration.language)
    seats = await seats_of(registration)
    session = next((seat.session for seat in seats if seat.session.code == message.session_code), None)
    # The badge and the calendar go with news of the registration, not with its end or its certificate.
    wanted = message.kind not in NO_ATTACHMENTS and registration.status != RegistrationStatus.CANCELLED
    has_badge = wanted and registration.status == RegistrationStatus.CONFIRMED
    manage_url = participant_links(links_origin(message, base_url), registration.secret)["manage"]
    with i18n.language(language):
        context = {
            "kind": str(message.kind),
            "lang": language,
            "registration": registration,
            "event": event,
            "session": session,
            "seats": seats,
            "positions": await waitlist_positions(registration),
            "has_badge": has_badge,
            "manage_url": manage_url,
            "certificate_url": f"{manage_url}/certificate.pdf",
            "bank_account": bank_account,
            "transfer_reference": transfers.reference(registration.id),
        }
        subject = subject_for(message.kind, context)
        context["subject"] = subject
        text = _templates().get_template("mail/body.txt").render(context)
        html = _templates().get_template("mail/body.html").render(context)
    has_calendar = wanted and any(seat.status != SeatStatus.CANCELLED for seat in seats)
    # `scrubbed`: a character no message can carry (a lone surrogate in an old title) must not hold the mail up.
    return Written(scrubbed(subject), scrubbed(text), scrubbed(html), has_badge, has_calendar, seats)


async def compose(
    message: OutboxMessage, *, sender: str, secret_key: str, bank_account: str = "", base_url: str | None = None
) -> Composed:
    """The e-mail for this outbox row (its registration and event loaded)."""
    written = await write(message, bank_account=bank_account, base_url=base_url)
    registration: Registration = message.registration
    event = message.event
    subject = written.subject

    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = sender
    email["To"] = Address(display_name=registration.name, addr_spec=message.recipient)
    email["Date"] = format_datetime(clock.now())
    email["Message-ID"] = make_msgid("tsudoi", domain=_domain(sender))
    # RFC 3834: a machine wrote this; out-of-office replies should not answer it.
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(written.text)
    email.add_alternative(written.html, subtype="html")
    if written.has_badge:
        pdf = await participant_badge(registration, secret_key)
        email.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"badge-{registration.code}.pdf")
    if written.has_calendar:
        ics = await participant_calendar(registration, links_origin(message, base_url), written.seats)
        # As text with its charset, so mail readers decode the Japanese in it as UTF-8.
        email.add_attachment(ics.decode(), subtype="calendar", filename=f"{event.slug}.ics")
    # Last: set_content and each multipart step move or drop the Content-* headers set before them.
    email["Content-Language"] = str(registration.language)
    return Composed(subject, email)


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"
