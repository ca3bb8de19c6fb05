"""Finding registrations for the staff: search, sort and page through an event's registrations.

Door accounts search by name, reading, organization or code; organizers also by e-mail address
(`include_email`), which the door never sees.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tortoise.expressions import Case, Q, When
from tortoise.queryset import QuerySet

from events.badges import tokens
from events.checkin.models import CheckIn
from events.program.models import Event
from events.registrations import codes
from events.registrations.models import Registration, RegistrationStatus, Seat

PAGE_SIZE = 50

#: What each `sort` value orders by; `-name` (any key with a leading dash) reverses it.
SORTS: dict[str, tuple[str, ...]] = {
    "reading": ("sort_name", "id"),
    "name": ("name", "id"),
    "organization": ("organization", "sort_name", "id"),
    "code": ("code",),
    "registered": ("created_at", "id"),
    "status": ("status_rank", "sort_name", "id"),
}
#: Older spellings kept working: links people saved, and the door's own calls.
ALIASES = {"newest": "-registered"}
DEFAULT_SORT = "reading"


def _matching(event: Event, query: str, include_email: bool) -> Q:
    condition = Q(event_id=event.id)
    query = query.strip()
    if query:
        text = Q(name__icontains=query) | Q(name_reading__icontains=query) | Q(organization__icontains=query)
        if include_email:
            text |= Q(email__icontains=query)
        # A badge scanned into the search box (a handheld scanner types its QR text): its code. The
        # signature is not checked: the code alone finds the person here anyway.
        badge = tokens.parse(query)
        code = badge.code if badge else codes.normalize_code(query)
        if code:
            text |= Q(code=code)
        condition &= text
    return condition


def normalize_sort(order: str) -> str:
    """The sort as the page links it: a known key, maybe with a leading dash; anything else is the default."""
    order = ALIASES.get(order, order)
    return order if order.removeprefix("-") in SORTS else DEFAULT_SORT


def _ordered(rows: QuerySet[Registration], order: str) -> QuerySet[Registration]:
    order = normalize_sort(order)
    descending = order.startswith("-")
    fields = SORTS[order.removeprefix("-")]
    if "status_rank" in fields:
        # Confirmed first, then the waiting list, then cancelled: the order organizers read them in.
        rows = rows.annotate(
            status_rank=Case(
                When(status=RegistrationStatus.CONFIRMED, then="0"),
                When(status=RegistrationStatus.WAITLISTED, then="1"),
                default="2",
            )
        )
    if descending:
        fields = tuple(field.removeprefix("-") if field.startswith("-") else f"-{field}" for field in fields)
    return rows.order_by(*fields)


async def _seats(registrations: list[Registration]) -> dict[int, list[Seat]]:
    seats_by_registration: dict[int, list[Seat]] = defaultdict(list)
    if registrations:
        seats = (
            await Seat.filter(registration_id__in=[registration.id for registration in registrations])
            .prefetch_related("session")
            .order_by("session__position", "session__starts_at")
        )
        for seat in seats:
            seats_by_registration[seat.registration_id].append(seat)  # type: ignore[attr-defined]
    return seats_by_registration


async def search(
    event: Event,
    query: str = "",
    *,
    offset: int = 0,
    limit: int | None = None,
    order: str = DEFAULT_SORT,
    include_email: bool = False,
) -> list[tuple[Registration, list[Seat]]]:
    """Registrations of the event matching `query`, each with its seats; sorted by reading unless told."""
    rows = _ordered(Registration.filter(_matching(event, query, include_email)), order).offset(offset)
    if limit is not None:
        rows = rows.limit(limit)
    registrations = await rows
    seats = await _seats(registrations)
    return [(registration, seats[registration.id]) for registration in registrations]


async def count(event: Event, query: str = "", *, include_email: bool = False) -> int:
    return await Registration.filter(_matching(event, query, include_email)).count()


@dataclass(frozen=True)
class Row:
    registration: Registration
    seats: list[Seat]
    #: The person's check-ins, with their sessions, earliest first.
    checkins: list[CheckIn]

    def checked_in(self, session_id: int) -> bool:
        return any(checkin.session_id == session_id for checkin in self.checkins)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    number: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.size + len(self.rows)

    def links(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last, and a few around this one; None where some are left out."""
        wanted = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages)
        shown: list[int | None] = []
        for number in numbers:
            if shown and number - (shown[-1] or 0) > 1:
                shown.append(None)
            shown.append(number)
        return shown


async def page(
    event: Event,
    query: str = "",
    *,
    order: str = DEFAULT_SORT,
    number: int = 1,
    include_email: bool = False,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of the staff's list: the matching registrations with their seats and check-ins.

    A page number past the end shows the last page, so a list that shrank still shows something.
    """
    total = await count(event, query, include_email=include_email)
    number = min(max(1, number), max(1, -(-total // size)))
    found = await search(event, query, offset=(number - 1) * size, limit=size, order=order, include_email=include_email)
    checkins: dict[int, list[CheckIn]] = defaultdict(list)
    if found:
        ids = [registration.id for registration, _seats in found]
        for checkin in await CheckIn.filter(registration_id__in=ids).prefetch_related("session").order_by("id"):
            checkins[checkin.registration_id].append(checkin)  # type: ignore[attr-defined]
    rows = [Row(registration, seats, checkins[registration.id]) for registration, seats in found]
    return Page(rows, total, number, size)
