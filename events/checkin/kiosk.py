"""The self check-in kiosk: a participant shows what only they hold (their badge's QR code, printed
or on their own page on their phone, the code printed under it, or a QR code of their page's link)
and is checked in to their session running now (or their next one today).

A kiosk is a public screen, and some participants hide from someone. So:

- A person is found only by what they hold. An e-mail address, a name or any other text is looked
  up nowhere: it gets the same "not found, try again" as a mistyped code, byte for byte, so someone
  who knows a person's address learns nothing about them here.
- Whenever anything needs a person (cancelled, money still to pay, a seat only on the waiting list,
  no session of theirs now, a required question unanswered, a label printed today already) it says
  "please see the desk" and shows nothing about them. Only a welcome shows a name, the one their
  badge prints (`shown_name`), to whoever just showed that badge.
- "Not found, try again" and "please see the desk" differ, and may: both answer only what the
  holder has. Whoever holds a real badge or code (the participant, or someone who found their
  badge) reads on it already the name that "see the desk" would confirm is registered, and a typo
  deserves a second try more than a walk to the desk. A stranger could tell a real code from a
  wrong one only by hitting a real one, which the limit below makes hopeless.
- Look-ups that match nobody are limited per kiosk account (`TSUDOI_KIOSK_RATE`, by default 30 in
  any 10 minutes). A queue of one person every 6 s makes at most 100 look-ups in 10 minutes, so
  even one in four mistyped never stops it; a guesser gets 4,320 tries a day against 21⁸ ≈ 3.8 ×
  10¹⁰ codes, about one hit in five years at an event of 5,000 people (a badge's 80-bit signature
  and a link's 192-bit secret are beyond reach at any rate). Over the limit the kiosk looks nothing
  up and says "please see the desk" until the window has room again. Look-ups that find someone
  are not counted: a busy queue is no reason to stop.
- Every answer is a row of the scan log, refusals too, with the kiosk as its device (`kiosk:<account
  id>`) and account. Of a text that matched nobody the log keeps the badge or code it could be (a
  misprinted badge, a mistyped code), and of anything else only what kind of text it was
  (`log_text`): never an e-mail address, a name or a link's secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from events import clock
from events.checkin import service
from events.checkin.models import CheckIn, Result, ScanLog, Source
from events.checkin.rules import printable, read_scan
from events.errors import NotFound, RateLimited
from events.program.models import Event, Session
from events.questions.service import answers_of, questions_of
from events.ratelimit import RateLimiter
from events.registrations import service as registrations
from events.registrations.models import Registration, RegistrationStatus, Seat, SeatStatus
from events.staff.models import StaffAccount

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

#: A participant's own page, `…/manage/{secret}`, as a QR code of it reads (a phone's "share as QR").
OWN_PAGE = re.compile(r"https?://[^/\s]+/manage/([A-Za-z0-9_-]{20,64})/?(?:[?#]\S*)?")


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


def shown_name(registration: Registration) -> str:
    """The one thing of a person the kiosk's screen shows, in its welcome: the name their badge prints."""
    return registration.name


def device_of(staff: StaffAccount) -> str:
    """The kiosk as the scan log names it (one kiosk account, whichever tablets share it)."""
    return f"kiosk:{staff.id}"


def log_text(text: str) -> str:
    """What the scan log keeps of a text that matched nobody: a badge's payload, or a code with a
    digit in it (eight letters of the code's alphabet may be a name: MARYANNE), as read; of
    anything else only its kind, never the text itself."""
    code, payload = read_scan(text)
    if payload is not None:
        return printable(text.strip().upper()[:40])
    if code is not None and any(char.isdigit() for char in code):
        return code
    if "@" in text:
        return "(e-mail)"
    if "://" in text or "/manage/" in text:
        return "(link)"
    return "(text)"


async def _by_own_page(event: Event, text: str) -> Registration | None:
    """The registration of this event whose own page's link this is, its secret compared as that page does."""
    match = OWN_PAGE.fullmatch(text)
    if match is None:
        return None
    try:
        registration = await registrations.by_secret(match.group(1))
    except NotFound:
        return None
    return registration if registration.event_id == event.id else None  # type: ignore[attr-defined]


async def _find(event: Event, text: str, secret_key: str) -> Registration | None:
    """The registration what was shown names: a badge's QR text or code (as the door reads them), or
    a participant's own link. Nothing else finds anyone."""
    if OWN_PAGE.fullmatch(text):
        return await _by_own_page(event, text)
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


async def _refusal(event: Event, registration: Registration, now: datetime) -> tuple[Result | None, Session | None]:
    """Why the person must see the desk (None: nothing), and the session they would be checked in to."""
    seats = await Seat.filter(registration_id=registration.id).exclude(status=SeatStatus.CANCELLED)
    confirmed = {seat.session_id for seat in seats if seat.status == SeatStatus.CONFIRMED}  # type: ignore[attr-defined]
    held = {seat.session_id for seat in seats}  # type: ignore[attr-defined]
    session = _session_now([s for s in event.sessions if s.id in held], now, event.timezone)
    if registration.status == RegistrationStatus.CANCELLED:
        return Result.CANCELLED, session
    if registration.amount_due > 0:
        return Result.AMOUNT_DUE, session
    if session is None:
        return Result.NO_SESSION_NOW, None
    if session.id not in confirmed:
        return Result.WAITLISTED, session
    if await _required_unanswered(event, registration, held):
        return Result.QUESTION_UNANSWERED, session
    if event.kiosk_prints_badges and await _label_printed_today(registration, event, now):
        return Result.LABEL_PRINTED, session
    return None, session


async def _log(
    event: Event,
    staff: StaffAccount,
    result: Result,
    *,
    session: Session | None = None,
    registration: Registration | None = None,
    text: str = "",
) -> None:
    """One refusal in the scan log, as the door logs its own."""
    await ScanLog.create(
        event_id=event.id,
        session=session,
        registration=registration,
        device=device_of(staff),
        staff=staff,
        result=result,
        scanned_at=clock.now(),
        text=text,
    )


async def check_in(
    event: Event,
    typed: str,
    *,
    secret_key: str,
    staff: StaffAccount,
    limiter: RateLimiter,
    at: float | None = None,
) -> KioskAnswer:
    """One participant at the kiosk of `staff` (a kiosk account, or an organizer trying the screen),
    `event` with its sessions loaded. `limiter` counts the look-ups that match nobody; `at` is its
    clock's reading (tests pass their own)."""
    device = device_of(staff)
    try:
        # Counted before the look-up, as a sign-in's attempt is, and given back when it finds someone:
        # only the look-ups that match nobody count, and two at once cannot both slip under the limit.
        window = await limiter.take(device, at)
    except RateLimited:
        await _log(event, staff, Result.RATE_LIMITED)
        return KioskAnswer(Outcome.SEE_THE_DESK, SEE_THE_DESK)
    text = typed[:300].strip()
    registration = await _find(event, text, secret_key)
    if registration is None:
        await _log(event, staff, Result.UNKNOWN, text=log_text(text))
        return KioskAnswer(Outcome.NOT_FOUND, NOT_FOUND)
    await limiter.give_back(device, window)
    now = clock.now()
    refusal, session = await _refusal(event, registration, now)
    if refusal is not None or session is None:
        await _log(event, staff, refusal or Result.NO_SESSION_NOW, session=session, registration=registration)
        return KioskAnswer(Outcome.SEE_THE_DESK, SEE_THE_DESK)
    answer = await service.check_in(  # logged there, whatever its answer
        event, registration.code, session.code, secret_key=secret_key, device=device, staff=staff, source=Source.KIOSK
    )
    if answer.result not in (Result.OK, Result.ALREADY_CHECKED_IN):
        return KioskAnswer(Outcome.SEE_THE_DESK, SEE_THE_DESK)  # the seat changed meanwhile
    language = str(registration.language)
    return KioskAnswer(
        Outcome.WELCOME,
        WELCOME.get(language, WELCOME["en"]).format(name=shown_name(registration)),
        CHECKED_IN.get(language, CHECKED_IN["en"]).format(session=session.text("title", language)),
        language,
        print_code=registration.code if event.kiosk_prints_badges and answer.result == Result.OK else None,
    )
