"""The registration rules, called directly on the service layer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from tortoise import connections

from events import clock, links
from events.database import atomic
from events.errors import InvalidInput
from events.mail.models import MailKind, OutboxMessage
from events.money.models import LedgerEntry
from events.program.models import Session
from events.registrations.models import Registration, RegistrationStatus, Seat, SeatStatus
from events.registrations.seats import waitlist_positions
from events.registrations.service import AlreadyRegistered, RegistrationClosed, cancel, register
from tests.factories import make_event, make_registration, person

pytestmark = pytest.mark.usefixtures("db")


async def assert_counters_match_seats() -> None:
    for session in await Session.all():
        confirmed = await Seat.filter(session=session, status=SeatStatus.CONFIRMED).count()
        assert session.confirmed_count == confirmed, (
            f"{session.code}: counter {session.confirmed_count} != {confirmed} rows"
        )
        if session.capacity is not None:
            assert confirmed <= session.capacity, f"{session.code} is overbooked: {confirmed} > {session.capacity}"


async def test_a_session_with_room_confirms_the_seat() -> None:
    event = await make_event(capacity=2)

    result = await make_registration(event, 1, ["day1", "lecture"])

    assert result.registration.status == RegistrationStatus.CONFIRMED
    assert [(session.code, status) for session, status in result.seats] == [
        ("day1", SeatStatus.CONFIRMED),
        ("lecture", SeatStatus.CONFIRMED),
    ]
    assert len(result.registration.code) == 8 and len(result.registration.secret) >= 32
    await assert_counters_match_seats()


async def test_a_full_session_puts_the_seat_on_the_waiting_list() -> None:
    event = await make_event(capacity=1)
    await make_registration(event, 1, ["day1"])

    second = await make_registration(event, 2, ["day1", "lecture"])
    third = await make_registration(event, 3, ["day1"])

    assert second.registration.status == RegistrationStatus.CONFIRMED, "confirmed because the lecture had room"
    assert dict((s.code, st) for s, st in second.seats) == {
        "day1": SeatStatus.WAITLISTED,
        "lecture": SeatStatus.CONFIRMED,
    }
    assert third.registration.status == RegistrationStatus.WAITLISTED
    assert await waitlist_positions(third.registration) == {third.seats[0][0].id: 2}
    await assert_counters_match_seats()


async def test_cancelling_a_confirmed_seat_promotes_the_oldest_waiting_seat_at_once() -> None:
    event = await make_event(capacity=1)
    first = await make_registration(event, 1, ["day1"])
    second = await make_registration(event, 2, ["day1"])
    third = await make_registration(event, 3, ["day1"])

    promoted = await cancel(first.registration)

    assert promoted == [second.registration.id]
    assert (await Registration.get(id=second.registration.id)).status == RegistrationStatus.CONFIRMED
    assert (await Registration.get(id=third.registration.id)).status == RegistrationStatus.WAITLISTED
    assert await waitlist_positions(third.registration) == {third.seats[0][0].id: 1}
    await assert_counters_match_seats()


async def test_cancelling_twice_changes_nothing_the_second_time() -> None:
    event = await make_event(capacity=1)
    first = await make_registration(event, 1, ["day1"])
    second = await make_registration(event, 2, ["day1"])
    await cancel(first.registration)

    assert await cancel(first.registration) == []

    assert (await Session.get(event=event, code="day1")).confirmed_count == 1
    assert (await Registration.get(id=second.registration.id)).status == RegistrationStatus.CONFIRMED
    await assert_counters_match_seats()


async def test_the_same_email_cannot_hold_two_active_registrations() -> None:
    event = await make_event()
    await make_registration(event, 1, email="Someone@Example.org")

    with pytest.raises(AlreadyRegistered):
        await make_registration(event, 2, email="  someone@EXAMPLE.org ")

    assert await Registration.filter(event=event).count() == 1


async def test_a_cancelled_email_may_register_again() -> None:
    event = await make_event()
    first = await make_registration(event, 1, email="again@example.org")
    await cancel(first.registration)

    again = await make_registration(event, 2, email="again@example.org")

    assert again.registration.status == RegistrationStatus.CONFIRMED


async def test_the_same_email_may_register_for_another_event() -> None:
    first_event = await make_event("first")
    second_event = await make_event("second")
    await make_registration(first_event, 1, email="both@example.org")

    other = await make_registration(second_event, 1, email="both@example.org")

    assert other.registration.event_id == second_event.id  # type: ignore[attr-defined]


async def test_an_unknown_session_is_a_field_error_and_writes_nothing() -> None:
    event = await make_event()

    with pytest.raises(InvalidInput) as raised:
        await make_registration(event, 1, ["day1", "day9"])

    assert "day9" in raised.value.fields["sessions"]
    assert await Registration.all().count() == 0 and await Seat.all().count() == 0


async def test_a_category_must_be_one_of_the_events() -> None:
    event = await make_event()

    with pytest.raises(InvalidInput) as raised:
        await make_registration(event, 1, category="vip")

    assert "category" in raised.value.fields


async def test_registration_defaults_to_the_participant_category() -> None:
    event = await make_event()

    result = await make_registration(event, 1)

    assert result.registration.category == "participant"


async def test_registration_outside_the_window_is_refused() -> None:
    event = await make_event()
    event.registration_closes_at = clock.now() - timedelta(minutes=1)
    await event.save()

    with pytest.raises(RegistrationClosed):
        await make_registration(event, 1)


async def test_registration_before_the_window_opens_is_refused() -> None:
    event = await make_event()
    event.registration_opens_at = clock.now() + timedelta(days=1)
    await event.save()

    with pytest.raises(RegistrationClosed):
        await make_registration(event, 1)


async def test_sixty_simultaneous_registrations_for_ten_seats_confirm_exactly_ten_in_arrival_order() -> None:
    event = await make_event(capacity=10)

    results = await asyncio.gather(*(register(event, person(n, ["day1"])) for n in range(60)))

    statuses = [result.registration.status for result in results]
    assert statuses.count(RegistrationStatus.CONFIRMED) == 10
    assert statuses.count(RegistrationStatus.WAITLISTED) == 50
    # Arrival is when a registration takes its seats (under the session's lock, the last step of
    # its transaction): the first ten seats taken are the confirmed ones, the rest wait in that order.
    seats = await Seat.filter(session__event=event).order_by("id").prefetch_related("registration")
    assert [seat.status for seat in seats] == [SeatStatus.CONFIRMED] * 10 + [SeatStatus.WAITLISTED] * 50, (
        "the first ten seats to be taken are the confirmed ones"
    )
    positions = [list((await waitlist_positions(seat.registration)).values())[0] for seat in seats[10:]]
    assert positions == list(range(1, 51)), "the waiting list is gapless, in arrival order"
    await assert_counters_match_seats()


async def test_simultaneous_cancellations_promote_distinct_people_in_order() -> None:
    event = await make_event(capacity=3)
    confirmed = [await make_registration(event, n, ["day1"]) for n in range(3)]
    waiting = [await make_registration(event, n, ["day1"]) for n in range(3, 8)]

    promoted = await asyncio.gather(*(cancel(result.registration) for result in confirmed))

    flat = sorted(id for ids in promoted for id in ids)
    assert flat == [result.registration.id for result in waiting[:3]], "the three oldest waiting, each once"
    await assert_counters_match_seats()


async def test_a_multi_session_registration_is_written_whole() -> None:
    event = await make_event(capacity=1)
    await make_registration(event, 1, ["day2"])

    result = await make_registration(event, 2, ["day1", "day2", "reception"])

    seats = await Seat.filter(registration_id=result.registration.id).prefetch_related("session")
    assert {seat.session.code: seat.status for seat in seats} == {
        "day1": SeatStatus.CONFIRMED,
        "day2": SeatStatus.WAITLISTED,
        "reception": SeatStatus.CONFIRMED,
    }


async def test_registrations_and_cancellations_racing_keep_every_session_within_capacity() -> None:
    event = await make_event(capacity=5)
    await event.fetch_related("sessions")
    early = [await make_registration(event, n, ["day1", "day2"]) for n in range(8)]

    async def cancel_one(result: object) -> None:
        await cancel(result.registration)  # type: ignore[attr-defined]

    work = [cancel_one(result) for result in early[:4]]
    work += [register(event, person(100 + n, ["day1", "reception"] if n % 2 else ["day2"])) for n in range(20)]
    await asyncio.gather(*work)

    await assert_counters_match_seats()
    for session in await Session.filter(event=event):
        waiting = await Seat.filter(session=session, status=SeatStatus.WAITLISTED).count()
        assert not (waiting and session.confirmed_count < (session.capacity or 0)), (
            f"{session.code} has a free seat while {waiting} people wait"
        )


async def test_a_registration_cancelled_midway_leaves_nothing_behind_and_blocks_nobody() -> None:
    event = await make_event(capacity=3)
    await event.fetch_related("sessions")

    for steps in range(0, 40):
        task = asyncio.ensure_future(register(event, person(steps, ["day1"])))
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    after = await asyncio.wait_for(register(event, person(999, ["day1"])), timeout=10)

    assert after.registration.id is not None, "the database is not left locked by a cancelled request"
    pool = getattr(connections.get("default"), "_pool", None)
    if pool is not None:
        assert pool.get_idle_size() == pool.get_size(), "every pooled connection came back"
    for registration in await Registration.all():
        assert await Seat.filter(registration=registration).count() == 1, "no registration without its seat"
    await assert_counters_match_seats()


#: A member price for the day, and a category checked against the roster (written through the ORM,
#: in a transaction that reads the roster) beside one that is not (on SQLite, in one trip).
CATEGORIES = [{"code": "member", "label": "会員", "member": True}, "non_member"]
PRICES = [
    {"category": "member", "session": "day1", "amount": 2000},
    {"category": "non_member", "session": "day1", "amount": 3000, "reduced": 1000},
]


@pytest.mark.parametrize("category", ["non_member", "member"])
async def test_a_new_registration_reads_back_from_the_database_as_it_was_answered(category: str) -> None:
    event = await make_event(capacity=1, categories=CATEGORIES, prices=PRICES)
    await make_registration(event, 1, ["reception"], category=category)
    links.set_mail_url("https://tsudoi.example.org/")

    answered = (
        await make_registration(event, 2, ["day1", "reception"], category=category, reduced_fee=True)
    ).registration
    stored = await Registration.get(id=answered.id)

    fields = [name for name in Registration._meta.db_fields if name != "event_id"]
    assert {name: getattr(stored, name) for name in fields} == {name: getattr(answered, name) for name in fields}, (
        "the registration answered is the one the database holds, field for field"
    )
    assert stored.status == RegistrationStatus.CONFIRMED, "confirmed by the day, though the reception is full"
    seats = await Seat.filter(registration_id=answered.id).prefetch_related("session")
    assert {seat.session.code: seat.status for seat in seats} == {
        "day1": SeatStatus.CONFIRMED,
        "reception": SeatStatus.WAITLISTED,
    }
    charges = await LedgerEntry.filter(registration_id=answered.id).values_list("amount", flat=True)
    assert stored.amount_due == sum(charges) == (1000 if category == "non_member" else 2000), (
        "charged the day's (reduced) price, nothing for the waiting seat"
    )
    mail = await OutboxMessage.get(registration_id=answered.id)
    assert (mail.kind, mail.recipient, mail.base_url) == (
        MailKind.REGISTERED,
        "person2@example.org",
        "https://tsudoi.example.org",
    ), "the confirmation is queued with the links as the site was reached"
    await assert_counters_match_seats()


async def test_two_people_giving_one_address_at_the_same_moment_leave_the_others_registered() -> None:
    event = await make_event(capacity=10)
    people = [person(n, ["day1"]) for n in range(6)]
    people.append(person(99, ["day1"], email="person3@example.org"))

    outcomes = await asyncio.gather(*(register(event, someone) for someone in people), return_exceptions=True)

    refused = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], AlreadyRegistered), f"one refusal, for the address: {refused}"
    assert await Registration.filter(event=event).count() == 6, "everyone else is registered"
    assert await Registration.filter(email="person3@example.org").count() == 1
    await assert_counters_match_seats()


async def test_a_registration_made_inside_a_transaction_is_written_in_it_and_undone_with_it() -> None:
    event = await make_event(capacity=10)

    class Undone(Exception):
        pass

    async def register_then_fail() -> None:
        await register(event, person(1, ["day1"]))
        assert await Registration.filter(event=event).count() == 1, "the transaction sees its registration"
        raise Undone

    with pytest.raises(Undone):
        await asyncio.wait_for(atomic(register_then_fail), timeout=10)

    assert await Registration.filter(event=event).count() == 0, "nothing written outside the transaction"
    day1 = await Session.get(event=event, code="day1")
    assert day1.confirmed_count == 0, "the seat went back with the transaction"
