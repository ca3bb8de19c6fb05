"""Finding registrations for the staff: search by name, reading, organization or code."""

from __future__ import annotations

from collections import defaultdict

from tortoise.expressions import Q

from events.program.models import Event
from events.registrations import codes
from events.registrations.models import Registration, Seat


def _matching(event: Event, query: str) -> Q:
    condition = Q(event_id=event.id)
    query = query.strip()
    if query:
        text = Q(name__icontains=query) | Q(name_reading__icontains=query) | Q(organization__icontains=query)
        code = codes.normalize_code(query)
        if code:
            text |= Q(code=code)
        condition &= text
    return condition


async def search(
    event: Event, query: str = "", *, offset: int = 0, limit: int | None = None, order: str = "reading"
) -> list[tuple[Registration, list[Seat]]]:
    """Registrations of the event matching `query`, each with its seats; sorted by reading, then name."""
    ordering = {
        "reading": ("sort_name", "id"),
        "name": ("name", "id"),
        "organization": ("organization", "sort_name", "id"),
        "newest": ("-id",),
        "code": ("code",),
    }.get(order, ("sort_name", "id"))
    rows = Registration.filter(_matching(event, query)).order_by(*ordering).offset(offset)
    if limit is not None:
        rows = rows.limit(limit)
    registrations = await rows
    seats_by_registration: dict[int, list[Seat]] = defaultdict(list)
    if registrations:
        seats = (
            await Seat.filter(registration_id__in=[registration.id for registration in registrations])
            .prefetch_related("session")
            .order_by("session__position", "session__starts_at")
        )
        for seat in seats:
            seats_by_registration[seat.registration_id].append(seat)  # type: ignore[attr-defined]
    return [(registration, seats_by_registration[registration.id]) for registration in registrations]


async def count(event: Event, query: str = "") -> int:
    return await Registration.filter(_matching(event, query)).count()
