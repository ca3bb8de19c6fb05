"""Property-based tests (hypothesis): whatever sequence of registrations, cancellations, capacity
changes and scans happens, the capacity and check-in rules hold.

Each example gets its own event, on the suite's engine; `derandomize` keeps the run the same every
time, so the suite stays deterministic while still trying many sequences.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.checkin import service as checkin
from events.checkin.models import CheckIn, Result
from events.errors import InvalidInput
from events.program.models import Event, Session
from events.program.schemas import EventPatch
from events.program.service import get_event, update_event
from events.registrations.models import Registration, Seat, SeatStatus
from events.registrations.service import AlreadyRegistered, cancel
from tests.factories import make_event, make_registration

KEY = "test-secret-key"
SESSIONS = ("day1", "reception", "day2")
SOME_SESSIONS = st.lists(st.sampled_from(SESSIONS), min_size=1, max_size=3, unique=True).map(tuple)
examples = itertools.count()


@dataclass(frozen=True)
class Register:
    person: int
    sessions: tuple[str, ...]


@dataclass(frozen=True)
class Cancel:
    person: int


@dataclass(frozen=True)
class Resize:
    session: str
    capacity: int | None


@dataclass(frozen=True)
class Scan:
    person: int
    session: str


people = st.integers(min_value=1, max_value=6)
steps = st.lists(
    st.one_of(
        st.builds(
            Register, people, st.lists(st.sampled_from(SESSIONS), min_size=1, max_size=3, unique=True).map(tuple)
        ),
        st.builds(Cancel, people),
        st.builds(Resize, st.sampled_from(SESSIONS), st.one_of(st.none(), st.integers(min_value=0, max_value=4))),
        st.builds(Scan, people, st.sampled_from(SESSIONS)),
    ),
    min_size=1,
    max_size=25,
)
RULES = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def assert_capacity_rules(event: Event) -> None:
    for session in await Session.filter(event=event):
        confirmed = await Seat.filter(session=session, status=SeatStatus.CONFIRMED).count()
        waiting = await Seat.filter(session=session, status=SeatStatus.WAITLISTED).count()
        assert session.confirmed_count == confirmed, f"{session.code}: the counter says what the seats say"
        if session.capacity is not None:
            assert confirmed <= session.capacity, f"{session.code} overbooked: {confirmed} > {session.capacity}"
        if waiting:
            assert session.capacity is not None and confirmed == session.capacity, (
                f"{session.code}: {waiting} wait although a seat is free"
            )


async def expected_scan(event: Event, registration: Registration | None, session_code: str) -> Result:
    """What the door must answer, read from the database just before the scan."""
    if registration is None:
        return Result.UNKNOWN
    if registration.status == "cancelled":
        return Result.CANCELLED  # the registration's state first, whatever the session
    seat = await Seat.get_or_none(registration=registration, session__code=session_code, session__event=event)
    if seat is None:
        return Result.NOT_REGISTERED
    if seat.status == SeatStatus.WAITLISTED:
        return Result.WAITLISTED
    if seat.status == SeatStatus.CANCELLED:
        return Result.CANCELLED
    if await CheckIn.exists(registration=registration, session_id=seat.session_id):  # type: ignore[attr-defined]
        return Result.ALREADY_CHECKED_IN
    return Result.OK


@pytest.mark.usefixtures("db")
@RULES
@given(steps=steps)
async def test_no_sequence_of_changes_overbooks_or_leaves_a_free_seat_unused(steps: list[object]) -> None:
    slug = f"prop-{next(examples)}"
    await make_event(slug, capacity=2)
    event = await get_event(slug)
    registered: dict[int, Registration] = {}

    for step in steps:
        if isinstance(step, Register):
            try:
                result = await make_registration(event, step.person, list(step.sessions), email=f"p{step.person}@x.org")
                registered[step.person] = result.registration
            except AlreadyRegistered:
                assert step.person in registered
        elif isinstance(step, Cancel) and step.person in registered:
            await cancel(registered[step.person])
        elif isinstance(step, Resize):
            patch = EventPatch.model_validate({"sessions": [{"code": step.session, "capacity": step.capacity}]})
            try:
                await update_event(slug, patch)
            except InvalidInput:
                pass  # below the confirmed seats: refused, and nothing changed
        elif isinstance(step, Scan):
            person = registered.get(step.person)
            if person is not None:
                await person.refresh_from_db()
            expected = await expected_scan(event, person, step.session)
            typed = person.code if person is not None else "ZZZZZZZZ"
            answer = await checkin.check_in(event, typed, step.session, secret_key=KEY, device="prop")
            assert answer.result == expected, f"{step}: {answer.result} where {expected} was due"
        await assert_capacity_rules(event)

    for session in await Session.filter(event=event):
        counted = await CheckIn.filter(session=session).count()
        people_in = await CheckIn.filter(session=session).distinct().values_list("registration_id", flat=True)
        assert counted == len(set(people_in)), "nobody is counted twice at one door"
