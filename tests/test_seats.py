"""Seats and statuses: one rule, used by registering, importing, staff edits and removing a session.

The racing test runs everything that gives or takes a seat at the same moment. On PostgreSQL each
runs in its own transaction on its own pool connection, so the locks are what keep the counts
right; on SQLite the file's write lock serializes them. Run it on both engines.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import pytest

from events.errors import Conflict
from events.program.models import Session
from events.registrations import admin, importing
from events.registrations.models import Registration, RegistrationStatus, Seat, SeatStatus
from events.registrations.seats import claim_seats, overall_status, plan_seats
from events.registrations.service import cancel, register
from events.staff.models import Role
from events.staff.service import save_staff
from tests.factories import make_event, make_registration, person
from tests.test_import import csv_bytes

pytestmark = pytest.mark.usefixtures("db")


def test_a_plan_confirms_while_there_is_room_then_waits_in_order() -> None:
    room: dict[int, int | None] = {1: 2, 2: None, 3: 0}

    first = plan_seats(room, [1, 2, 3])
    second = plan_seats(room, [1, 2])
    third = plan_seats(room, [1])

    assert first == [SeatStatus.CONFIRMED, SeatStatus.CONFIRMED, SeatStatus.WAITLISTED], "session 3 has no room"
    assert second == [SeatStatus.CONFIRMED, SeatStatus.CONFIRMED], "session 1's last seat; session 2 has no limit"
    assert third == [SeatStatus.WAITLISTED], "the seats the plan gave are taken out of the room"
    assert room == {1: 0, 2: None, 3: 0}


async def test_claiming_seats_is_all_or_none_per_session_and_never_past_capacity() -> None:
    await make_event(capacity=3)
    day1, day2 = await Session.get(code="day1"), await Session.get(code="day2")

    full = await claim_seats({day1.id: 2, day2.id: 4})
    again = await claim_seats({day1.id: 2})

    assert full == {day2.id} and again == {day1.id}, "four seats do not fit in three; two more do not fit in one"
    counts = dict(await Session.filter(id__in=[day1.id, day2.id]).values_list("code", "confirmed_count"))
    assert counts == {"day1": 2, "day2": 0}, "a session without room for all of them gets none"


async def assert_seats_add_up() -> None:
    """Every session's count is its confirmed seats, within capacity, with a gapless queue, and every
    registration's status is what its seats give it."""
    for session in await Session.all():
        confirmed = await Seat.filter(session_id=session.id, status=SeatStatus.CONFIRMED).count()
        waiting = await Seat.filter(session_id=session.id, status=SeatStatus.WAITLISTED).count()
        assert session.confirmed_count == confirmed, f"{session.code}: the count is the confirmed seats"
        assert session.capacity is None or confirmed <= session.capacity, f"{session.code}: never over capacity"
        if waiting:
            assert confirmed == session.capacity, f"{session.code}: nobody waits while a seat is free"
    seats: dict[int, list[SeatStatus]] = {}
    for registration_id, status in await Seat.all().values_list("registration_id", "status"):
        seats.setdefault(registration_id, []).append(SeatStatus(status))
    for registration in await Registration.all():
        if registration.status == RegistrationStatus.CANCELLED:
            assert registration.active_email is None and registration.cancelled_at is not None
            continue
        expected = overall_status(seats.get(registration.id, []))
        assert registration.status == expected, f"{registration.name}: {registration.status}, seats say {expected}"


async def test_everything_that_gives_or_takes_a_seat_at_once_keeps_the_counts_right() -> None:
    organizer = await save_staff("organizer@example.org", Role.ORGANIZER)
    event = await make_event(capacity=6)
    people = [(await make_registration(event, n, sessions=["day1", "day2"])).registration for n in range(1, 11)]
    confirmed, waiting = people[:6], people[6:]
    await cancel(confirmed[5])  # someone to restore; the first waiting person takes the seat
    rows = [["name", "email", "day1", "day2"]] + [[f"Paper {n}", f"paper{n}@example.org", "1", "1"] for n in range(8)]
    sheet = importing.read("paper.csv", csv_bytes(rows))

    async def tolerated(work: Awaitable[object]) -> object:
        try:
            return await work
        except Conflict as refused:  # a full session, a changed plan: refused cleanly is fine
            return refused

    tasks = [
        importing.carry_out(event, sheet, organizer),
        *(register(event, person(100 + n, ["day1", "day2"])) for n in range(8)),
        *(cancel(registration) for registration in confirmed[:3]),
        admin.restore(confirmed[5], staff=organizer),
        *(admin.move_seat(registration, "day1", SeatStatus.CONFIRMED, staff=organizer) for registration in waiting),
        admin.move_seat(confirmed[4], "day2", SeatStatus.WAITLISTED, staff=organizer),
    ]
    outcomes = await asyncio.gather(*(tolerated(task) for task in tasks))

    unexpected = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert all(isinstance(outcome, (admin.SessionFull, Conflict)) for outcome in unexpected), unexpected
    assert not isinstance(outcomes[0], BaseException), f"the import went through: {outcomes[0]}"
    await assert_seats_add_up()
    assert await Registration.filter(email__startswith="paper").count() == 8, "every row of the file was imported"
    day1 = await Session.get(code="day1")
    assert day1.confirmed_count == 6, "three seats freed, and taken again from the waiting list"
