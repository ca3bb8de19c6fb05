"""Badges for registrations: who gets one, what is printed, and building the PDF off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from events import offload
from events.badges import tokens
from events.badges.render import LAYOUTS, Badge, Layout, qr_svg, render_bytes, render_file
from events.errors import Conflict, InvalidInput
from events.i18n import format_day
from events.i18n import gettext as _
from events.program.models import Event, Session
from events.registrations.models import Registration, RegistrationStatus, Seat, SeatStatus

SORTS: dict[str, tuple[str, ...]] = {
    "name": ("sort_name", "id"),
    "organization": ("organization", "sort_name", "id"),
    "code": ("code",),
}


#: A batch gives the event loop back after this many badges (a few milliseconds of work).
YIELD_EVERY = 500


class NoBadge(Conflict):
    code = "no_badge"


def layout_named(name: str) -> Layout:
    if name not in LAYOUTS:
        raise InvalidInput({"layout": _("Choose one of: %(codes)s.") % {"codes": ", ".join(LAYOUTS)}})
    return LAYOUTS[name]


def _dates(event: Event, language: str) -> str:
    first = format_day(event.starts_on, language)
    if event.ends_on == event.starts_on:
        return f"{first} · {event.city}" if event.city else first
    last = format_day(event.ends_on, language)
    where = f" · {event.city}" if event.city else ""
    return f"{first} – {last}{where}"


class Holder(NamedTuple):
    """What a badge needs of a registration: a batch reads these as plain rows (building 10,000 ORM
    objects took half a second of the event loop)."""

    id: int
    code: str
    name: str
    name_reading: str
    organization: str
    category: str
    language: str
    secret: str


def badge_for(
    event: Event,
    registration: Registration | Holder,
    sessions: Sequence[str],
    secret_key: str,
    dates: str | None = None,
) -> Badge:
    """What one person's badge says; `sessions` are the titles of the sessions they hold, `dates`
    the event's dates in their language when the caller has them already."""
    return Badge(
        event_title=event.title,
        event_dates=dates if dates is not None else _dates(event, str(registration.language)),
        name=registration.name,
        reading=registration.name_reading,
        organization=registration.organization,
        category=registration.category,
        category_label=event.category_label(registration.category, str(registration.language)),
        sessions=list(sessions),
        code=registration.code,
        qr_text=tokens.badge_token(secret_key, event.id, registration.code, registration.secret, event.badge_key),
        language=str(registration.language),
    )


def _order(session: Session) -> tuple[int, datetime]:
    return session.position, session.starts_at


def badge_qr(registration: Registration, secret_key: str) -> str | None:
    """The QR code of a confirmed registration's badge as an SVG for its own page (None until confirmed)."""
    if registration.status != RegistrationStatus.CONFIRMED:
        return None
    event = registration.event
    text = tokens.badge_token(secret_key, event.id, registration.code, registration.secret, event.badge_key)
    return qr_svg(text, _("Your badge's QR code"))


async def participant_badge(registration: Registration, secret_key: str) -> bytes:
    """The A6 badge of one confirmed registration (its event loaded)."""
    if registration.status != RegistrationStatus.CONFIRMED:
        raise NoBadge(_("A badge is issued once a seat is confirmed."))
    seats = await Seat.filter(registration=registration, status=SeatStatus.CONFIRMED).prefetch_related("session")
    titles = [seat.session.title for seat in sorted(seats, key=lambda seat: _order(seat.session))]
    badge = badge_for(registration.event, registration, titles, secret_key)
    return await offload.run(render_bytes, [badge], "a6", title=registration.event.title)


async def batch_badges(
    event: Event,
    secret_key: str,
    *,
    layout: Layout,
    session_code: str | None = None,
    sort: str = "name",
    start: int = 1,
    codes: Sequence[str] | None = None,
) -> tuple[Path, int]:
    """Every confirmed registration's badge (or only those holding `session_code`, or only `codes`).

    The PDF is built in a worker process into a temporary file, which the caller sends and deletes.
    """
    if sort not in SORTS:
        raise InvalidInput({"sort": _("Choose one of: %(codes)s.") % {"codes": ", ".join(SORTS)}})
    if start < 1 or start > layout.per_page:
        raise InvalidInput({"start": _("Between 1 and %(count)s for this layout.") % {"count": layout.per_page}})
    query = Registration.filter(event=event, status=RegistrationStatus.CONFIRMED)
    if session_code:
        sessions = {session.code: session for session in event.sessions}
        if session_code not in sessions:
            raise InvalidInput({"session": _("No such session in this event: %(codes)s.") % {"codes": session_code}})
        holders = Seat.filter(session=sessions[session_code], status=SeatStatus.CONFIRMED).values_list(
            "registration_id", flat=True
        )
        query = query.filter(id__in=await holders)
    if codes is not None:
        query = query.filter(code__in=list(codes))
    rows = await query.order_by(*SORTS[sort]).values_list(*Holder._fields)
    registrations = [Holder(*row) for row in rows]
    held: dict[int, list[Session]] = {registration.id: [] for registration in registrations}
    sessions_by_id = {session.id: session for session in event.sessions}
    seats = await Seat.filter(registration__event_id=event.id, status=SeatStatus.CONFIRMED).values_list(
        "registration_id", "session_id"
    )
    for registration_id, session_id in seats:
        if registration_id in held:
            held[registration_id].append(sessions_by_id[session_id])
    dates = {language: _dates(event, language) for language in {str(r.language) for r in registrations}}
    badges = []
    for index, r in enumerate(registrations, 1):
        titles = [s.title for s in sorted(held[r.id], key=_order)]
        badges.append(badge_for(event, r, titles, secret_key, dates[str(r.language)]))
        if index % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # let the door's scans in between
    return await offload.run(render_file, badges, layout.name, start=start, title=event.title)


async def identify(event: Event, scanned: str, secret_key: str) -> Registration | None:
    """The registration of this event a scanned badge belongs to; None for anything forged, altered,
    replaced or from another event. (The door check-in builds on this.)"""
    payload = tokens.parse(scanned)
    if payload is None:
        return None
    registration = await Registration.get_or_none(event=event, code=payload.code)
    if registration is None or not tokens.verify(secret_key, payload, event.id, registration.secret, event.badge_key):
        return None
    return registration
