"""The self check-in kiosk: a participant scans their own badge, or types their code or e-mail
exactly, and is checked in to their session running now (or their next one today).

A kiosk is a public screen, and some participants hide from someone: it never lists or searches
names, and whenever anything needs a person (money still to pay, a seat only on the waiting list, a
required question unanswered, a badge already printed today, nothing to check in to) it says
"please see the desk" and shows nothing about them. Only a welcome shows their name, in their
language, to the person who just scanned their own badge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from events import clock
from events.checkin import service
from events.checkin.models import CheckIn, Result, Source
from events.program.models import Event, Session
from events.questions.service import answers_of, questions_of
from events.registrations.models import Registration, RegistrationStatus, Seat, SeatStatus
from events.text import normalize_email

#: Before its start, a session is "now" for people arriving this early.
EARLY = timedelta(minutes=45)

WELCOME = {
    "ja": "ようこそ、{name} さん",
    "en": "Welcome, {name}!",
    "ko": "환영합니다, {name} 님",
    "tl": "Maligayang pagdating, {name}!",
}
CHECKED_IN = {
    "ja": "{session} の受付が済みました",
    "en": "You are checked in: {session}",
    "ko": "{session} 접수가 완료되었습니다",
    "tl": "Naka-check in ka na: {session}",
}
#: Said in every language at once: the kiosk does not know whose language it would be.
SEE_THE_DESK = "受付へお越しください · Please see the desk · 접수처로 와 주세요 · Pakipuntahan ang desk"
NOT_FOUND = (
    "見つかりません。もう一度お試しください · Not found: please try again · "
    "찾을 수 없습니다. 다시 시도해 주세요 · Hindi nahanap: pakisubukang muli"
)


class Outcome(StrEnum):
    WELCOME = "welcome"
    SEE_THE_DESK = "see_the_desk"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class KioskAnswer:
    outcome: Outcome
    #: The big line: the welcome in the person's language, or the same words for everyone.
    headline: str
    detail: str = ""
    language: str = ""
    #: The registration whose badge label to print, when the event prints them on site.
    print_code: str | None = None


def _see_the_desk() -> KioskAnswer:
    return KioskAnswer(Outcome.SEE_THE_DESK, SEE_THE_DESK)


async def _find(event: Event, typed: str, secret_key: str) -> Registration | None:
    """A badge's QR text or code (as the door reads them), or an e-mail address exactly as registered."""
    text = typed.strip()
    if "@" in text:
        email = normalize_email(text)  # no address is longer than 254 characters: not one to look up
        return await Registration.get_or_none(event_id=event.id, active_email=email) if len(email) <= 254 else None
    if event.sessions:
        person, _how = await service.find(event, event.sessions[0], text, secret_key)
        if person is not None:
            return await Registration.get_or_none(id=person.id)
    return None


def _session_now(sessions: list[Session], now: datetime, timezone: str) -> Session | None:
    """The person's session running now (or about to start), else their next one today."""
    running = [s for s in sessions if s.starts_at - EARLY <= now < s.ends_at]
    if running:
        return min(running, key=lambda s: s.starts_at)
    today = clock.local(now, timezone).date()
    later = [s for s in sessions if s.starts_at > now and clock.local(s.starts_at, timezone).date() == today]
    return min(later, key=lambda s: s.starts_at) if later else None


async def _required_unanswered(event: Event, registration: Registration, held: set[int]) -> bool:
    questions = [
        q
        for q in await questions_of(event)
        if q.required and (q.session_id is None or q.session_id in held)  # type: ignore[attr-defined]
    ]
    if not questions:
        return False
    answered = {question.id for question in await answers_of(registration)}
    return any(question.id not in answered for question in questions)


async def _label_printed_today(registration: Registration, event: Event, now: datetime) -> bool:
    today = clock.local(now, event.timezone).date()
    start = clock.start_of_day(today, event.timezone).astimezone(UTC)  # SQLite compares times as text
    return await CheckIn.exists(
        registration_id=registration.id,
        source=Source.KIOSK,
        checked_in_at__gte=start,
        checked_in_at__lt=start + timedelta(days=1),
    )


async def check_in(event: Event, typed: str, *, secret_key: str, device: str = "kiosk") -> KioskAnswer:
    """One participant at the kiosk (`event` with its sessions loaded)."""
    registration = await _find(event, typed[:300], secret_key)
    if registration is None:
        return KioskAnswer(Outcome.NOT_FOUND, NOT_FOUND)
    if registration.status == RegistrationStatus.CANCELLED or registration.amount_due > 0:
        return _see_the_desk()
    now = clock.now()
    seats = await Seat.filter(registration_id=registration.id).exclude(status=SeatStatus.CANCELLED)
    confirmed = {seat.session_id for seat in seats if seat.status == SeatStatus.CONFIRMED}  # type: ignore[attr-defined]
    held = {seat.session_id for seat in seats}  # type: ignore[attr-defined]
    session = _session_now([s for s in event.sessions if s.id in held], now, event.timezone)
    if session is None or session.id not in confirmed:
        return _see_the_desk()  # nothing today, or only a place on the waiting list
    if await _required_unanswered(event, registration, held):
        return _see_the_desk()
    prints = event.kiosk_prints_badges
    if prints and await _label_printed_today(registration, event, now):
        return _see_the_desk()
    answer = await service.check_in(
        event, registration.code, session.code, secret_key=secret_key, device=device, source=Source.KIOSK
    )
    if answer.result not in (Result.OK, Result.ALREADY_CHECKED_IN):
        return _see_the_desk()
    language = str(registration.language)
    name = registration.name
    return KioskAnswer(
        Outcome.WELCOME,
        WELCOME.get(language, WELCOME["en"]).format(name=name),
        CHECKED_IN.get(language, CHECKED_IN["en"]).format(session=session.text("title", language)),
        language,
        print_code=registration.code if prints and answer.result == Result.OK else None,
    )
