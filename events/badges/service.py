"""Badges for registrations: who gets one, what is printed, and building the PDF off the event loop."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from events import offload
from events.badges import tokens
from events.badges.render import LAYOUTS, Badge, Layout, render_bytes, render_file
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


def badge_for(event: Event, registration: Registration, sessions: Sequence[str], secret_key: str) -> Badge:
    """What one person's badge says; `sessions` are the titles of the sessions they hold."""
    return Badge(
        event_title=event.title,
        event_dates=_dates(event, str(registration.language)),
        name=registration.name,
        reading=registration.name_reading,
        organization=registration.organization,
        category=registration.category,
        category_label=event.category_label(registration.category),
        sessions=list(sessions),
        code=registration.code,
        qr_text=tokens.badge_token(secret_key, event.id, registration.code, registration.secret, event.badge_key),
        language=str(registration.language),
    )


def _order(session: Session) -> tuple[int, datetime]:
    return session.position, session.starts_at


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
    registrations = await query.order_by(*SORTS[sort])
    held: dict[int, list[Session]] = {registration.id: [] for registration in registrations}
    sessions_by_id = {session.id: session for session in event.sessions}
    rows = await Seat.filter(registration__event_id=event.id, status=SeatStatus.CONFIRMED).values_list(
        "registration_id", "session_id"
    )
    for registration_id, session_id in rows:
        if registration_id in held:
            held[registration_id].append(sessions_by_id[session_id])
    badges = [badge_for(event, r, [s.title for s in sorted(held[r.id], key=_order)], secret_key) for r in registrations]
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
