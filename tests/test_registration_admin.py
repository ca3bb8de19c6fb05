"""Organizers change registrations in the staff area: the rules, the change log, the list and the pages."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from events.checkin.models import Source
from events.checkin.service import check_in
from events.errors import Conflict, InvalidInput
from events.program.models import Event, Session
from events.program.service import get_event
from events.questions.models import Answer, Question, QuestionKind
from events.registrations import admin, listing
from events.registrations.models import (
    Registration,
    RegistrationChange,
    RegistrationStatus,
    Seat,
    SeatStatus,
)
from events.registrations.seats import waitlist_positions
from events.staff.models import Role, StaffAccount
from events.staff.service import save_staff
from tests.conftest import csrf_token, post_sign_in
from tests.factories import make_event, make_registration
from tests.test_staff import PASSWORD


@pytest.fixture
async def organizer() -> StaffAccount:
    return await save_staff("organizer@example.org", Role.ORGANIZER, password=PASSWORD)


def edit_of(registration: Registration, **changes: str) -> admin.RegistrationEdit:
    values = {field: str(getattr(registration, field)) for field in admin.EDITABLE}
    return admin.RegistrationEdit.model_validate({**values, **changes})


async def seat_status(registration: Registration, session: str = "day1") -> SeatStatus:
    seat = await Seat.get(registration_id=registration.id, session__code=session)
    return seat.status


async def assert_count_matches_seats(session_code: str = "day1") -> Session:
    session = await Session.get(code=session_code)
    confirmed = await Seat.filter(session_id=session.id, status=SeatStatus.CONFIRMED).count()
    assert session.confirmed_count == confirmed, "the session's count equals its confirmed seats"
    assert session.capacity is None or confirmed <= session.capacity, "never over capacity"
    return session


async def log_of(registration: Registration) -> list[RegistrationChange]:
    return await RegistrationChange.filter(registration_id=registration.id).prefetch_related("staff").order_by("id")


# Editing


@pytest.mark.usefixtures("db")
async def test_an_edit_changes_the_details_and_logs_each_field_before_and_after(organizer: StaffAccount) -> None:
    event = await make_event()
    person = (await make_registration(event, 1, name="Maria Santos", organization="Kalayaan")).registration

    changed = await admin.edit_registration(
        person,
        edit_of(person, name="Maria Santos Cruz", name_reading="まりあ", category="guest", language="tl"),
        staff=organizer,
    )

    await person.refresh_from_db()
    assert (person.name, person.name_reading, person.category, person.language) == (
        "Maria Santos Cruz",
        "まりあ",
        "guest",
        "tl",
    )
    assert person.sort_name == "まりあ", "lists sort by the new reading"
    assert changed == {
        "name": ["Maria Santos", "Maria Santos Cruz"],
        "name_reading": ["", "まりあ"],
        "category": ["participant", "guest"],
        "language": ["ja", "tl"],
    }
    [entry] = await log_of(person)
    assert (entry.action, entry.staff.email, entry.details) == ("edited", "organizer@example.org", changed)
    assert entry.created_at is not None


@pytest.mark.usefixtures("db")
async def test_an_edit_that_changes_nothing_writes_no_log(organizer: StaffAccount) -> None:
    event = await make_event()
    person = (await make_registration(event, 1)).registration

    changed = await admin.edit_registration(person, edit_of(person), staff=organizer)

    assert changed == {} and await log_of(person) == []


@pytest.mark.usefixtures("db")
async def test_an_edit_refuses_an_email_another_active_registration_of_the_event_uses(organizer: StaffAccount) -> None:
    event = await make_event()
    first = (await make_registration(event, 1, email="ana@example.org")).registration
    second = (await make_registration(event, 2, email="ben@example.org")).registration

    with pytest.raises(admin.EmailInUse) as refused:
        await admin.edit_registration(second, edit_of(second, email=" ANA@example.org "), staff=organizer)

    await second.refresh_from_db()
    assert first.code in refused.value.message, "the message names the registration that has the address"
    assert second.email == "ben@example.org" and await log_of(second) == [], "nothing changed, nothing logged"


@pytest.mark.usefixtures("db")
async def test_an_edit_may_take_the_email_of_a_cancelled_registration(organizer: StaffAccount) -> None:
    event = await make_event()
    gone = (await make_registration(event, 1, email="ana@example.org")).registration
    await admin.cancel(gone, staff=organizer)
    person = (await make_registration(event, 2, email="ben@example.org")).registration

    await admin.edit_registration(person, edit_of(person, email="ana@example.org"), staff=organizer)

    await person.refresh_from_db()
    assert person.active_email == "ana@example.org"


@pytest.mark.usefixtures("db")
async def test_an_edit_is_validated_like_the_registration_form(organizer: StaffAccount) -> None:
    event = await make_event()
    person = (await make_registration(event, 1)).registration

    with pytest.raises(InvalidInput) as unknown_category:
        await admin.edit_registration(person, edit_of(person, category="vip"), staff=organizer)
    with pytest.raises(ValueError) as bad_fields:
        edit_of(person, name="  ", email="not an address", organization="A\u202eB")

    assert set(unknown_category.value.fields) == {"category"}
    problems = {error["loc"][0] for error in bad_fields.value.errors()}  # type: ignore[attr-defined]
    assert problems == {"name", "email", "organization"}


# Moving seats


@pytest.mark.usefixtures("db")
async def test_a_waiting_seat_is_confirmed_when_the_session_has_room(organizer: StaffAccount) -> None:
    event = await make_event(capacity=1)
    await make_registration(event, 1)
    waiting = (await make_registration(event, 2)).registration
    await Session.filter(code="day1").update(capacity=2)  # a seat more, nobody promoted into it yet

    await admin.move_seat(waiting, "day1", SeatStatus.CONFIRMED, staff=organizer)

    await waiting.refresh_from_db()
    assert await seat_status(waiting) == SeatStatus.CONFIRMED and waiting.status == RegistrationStatus.CONFIRMED
    assert (await assert_count_matches_seats()).confirmed_count == 2
    [entry] = await log_of(waiting)
    assert (entry.action, entry.staff.email) == ("seat_moved", "organizer@example.org")
    assert entry.details == {"session": "day1", "from": "waitlisted", "to": "confirmed"}


@pytest.mark.usefixtures("db")
async def test_a_waiting_seat_is_never_confirmed_over_capacity(organizer: StaffAccount) -> None:
    event = await make_event(capacity=1)
    await make_registration(event, 1)
    waiting = (await make_registration(event, 2)).registration

    with pytest.raises(admin.SessionFull):
        await admin.move_seat(waiting, "day1", SeatStatus.CONFIRMED, staff=organizer)

    assert await seat_status(waiting) == SeatStatus.WAITLISTED
    assert (await assert_count_matches_seats()).confirmed_count == 1
    assert await log_of(waiting) == [], "a refused move is not logged"


async def race_for_the_last_seat(staff: StaffAccount) -> list[BaseException | None]:
    """Six people wait for a session with one free seat; an organizer's move for each arrives at once."""
    event = await make_event(capacity=2)
    for number in range(1, 9):
        await make_registration(event, number)
    # One free seat with people waiting (made directly: the app itself would have promoted someone).
    await Session.filter(code="day1").update(capacity=3)
    waiting = await Registration.filter(status=RegistrationStatus.WAITLISTED).order_by("id")
    assert len(waiting) == 6

    async def move(person: Registration) -> BaseException | None:
        try:
            await admin.move_seat(person, "day1", SeatStatus.CONFIRMED, staff=staff)
        except Conflict as exc:
            return exc
        return None

    return list(await asyncio.gather(*(move(person) for person in waiting)))


def assert_one_move_won(outcomes: list[BaseException | None]) -> None:
    assert outcomes.count(None) == 1, f"exactly one move gets the seat: {outcomes}"
    assert all(isinstance(outcome, admin.SessionFull) for outcome in outcomes if outcome is not None)


@pytest.mark.usefixtures("db")
async def test_moves_racing_for_the_last_seat_confirm_exactly_one(organizer: StaffAccount) -> None:
    """On PostgreSQL the moves run in concurrent transactions (one pool connection each); run on both engines."""
    outcomes = await race_for_the_last_seat(organizer)

    assert_one_move_won(outcomes)
    assert (await assert_count_matches_seats()).confirmed_count == 3
    assert await RegistrationChange.filter(action="seat_moved").count() == 1


@pytest.mark.usefixtures("db")
async def test_a_seat_moved_to_the_waiting_list_goes_to_the_oldest_waiting_person(organizer: StaffAccount) -> None:
    event = await make_event(capacity=1)
    holder = (await make_registration(event, 1)).registration
    oldest = (await make_registration(event, 2)).registration
    newer = (await make_registration(event, 3)).registration

    promoted = await admin.move_seat(holder, "day1", SeatStatus.WAITLISTED, staff=organizer)

    await holder.refresh_from_db()
    assert promoted == [oldest.id]
    assert await seat_status(oldest) == SeatStatus.CONFIRMED and await seat_status(newer) == SeatStatus.WAITLISTED
    assert holder.status == RegistrationStatus.WAITLISTED
    assert await waitlist_positions(holder) == {(await Session.get(code="day1")).id: 2}, "behind everyone waiting"
    assert (await assert_count_matches_seats()).confirmed_count == 1
    [moved] = await log_of(holder)
    [got_seat] = await log_of(oldest)
    assert moved.details == {"session": "day1", "from": "confirmed", "to": "waitlisted"}
    assert (got_seat.action, got_seat.staff.email) == ("promoted", "organizer@example.org")
    assert got_seat.details == {"session": "day1", "from": "waitlisted", "to": "confirmed", "after": holder.code}


# Cancelling, restoring, a new secret


@pytest.mark.usefixtures("db")
async def test_cancelling_frees_the_seat_to_the_waiting_list_and_logs_both_people(organizer: StaffAccount) -> None:
    event = await make_event(capacity=1)
    holder = (await make_registration(event, 1, sessions=["day1", "lecture"])).registration
    waiting = (await make_registration(event, 2)).registration

    promoted = await admin.cancel(holder, staff=organizer)

    assert promoted == [waiting.id] and holder.status == RegistrationStatus.CANCELLED
    [cancelled] = await log_of(holder)
    [got_seat] = await log_of(waiting)
    assert (cancelled.action, cancelled.staff.email) == ("cancelled", "organizer@example.org")
    assert cancelled.details == {"status": ["confirmed", "cancelled"]}
    assert got_seat.details["session"] == "day1" and got_seat.action == "promoted"
    await assert_count_matches_seats()


@pytest.mark.usefixtures("db")
async def test_cancelling_a_cancelled_registration_is_refused(organizer: StaffAccount) -> None:
    event = await make_event()
    person = (await make_registration(event, 1)).registration
    await admin.cancel(person, staff=organizer)

    with pytest.raises(Conflict):
        await admin.cancel(person, staff=organizer)

    assert [entry.action for entry in await log_of(person)] == ["cancelled"]


@pytest.mark.usefixtures("db")
async def test_restoring_confirms_seats_with_room_and_queues_the_others_at_the_end(organizer: StaffAccount) -> None:
    event = await make_event(capacity=1)
    person = (await make_registration(event, 1, sessions=["day1", "day2"])).registration
    await admin.cancel(person, staff=organizer)
    await make_registration(event, 2, sessions=["day1"])  # takes the freed day-1 seat
    await make_registration(event, 3, sessions=["day1"])  # waits for day 1

    outcome = await admin.restore(person, staff=organizer)

    assert outcome == {"day1": SeatStatus.WAITLISTED, "day2": SeatStatus.CONFIRMED}
    assert person.status == RegistrationStatus.CONFIRMED and person.active_email == "person1@example.org"
    assert person.cancelled_at is None
    day1 = await Session.get(code="day1")
    assert (await waitlist_positions(person))[day1.id] == 2, "behind the person who waited while it was cancelled"
    restored = (await log_of(person))[-1]
    assert (restored.action, restored.staff.email) == ("restored", "organizer@example.org")
    assert restored.details == {
        "status": ["cancelled", "confirmed"],
        "seats": {"day1": "waitlisted", "day2": "confirmed"},
    }
    for code in ("day1", "day2"):
        await assert_count_matches_seats(code)


@pytest.mark.usefixtures("db")
async def test_restoring_is_refused_when_the_email_is_now_another_active_registrations(
    organizer: StaffAccount,
) -> None:
    event = await make_event()
    person = (await make_registration(event, 1, email="ana@example.org")).registration
    await admin.cancel(person, staff=organizer)
    again = (await make_registration(event, 2, email="Ana@Example.org")).registration

    with pytest.raises(admin.EmailInUse) as refused:
        await admin.restore(person, staff=organizer)

    await person.refresh_from_db()
    assert again.code in refused.value.message
    assert person.status == RegistrationStatus.CANCELLED and await seat_status(person) == SeatStatus.CANCELLED
    assert [entry.action for entry in await log_of(person)] == ["cancelled"], "the refusal changed nothing"


@pytest.mark.usefixtures("db")
async def test_restoring_an_active_registration_is_refused(organizer: StaffAccount) -> None:
    event = await make_event()
    person = (await make_registration(event, 1)).registration

    with pytest.raises(Conflict):
        await admin.restore(person, staff=organizer)


@pytest.mark.usefixtures("db")
async def test_a_new_secret_is_logged_but_never_written_in_the_log(organizer: StaffAccount) -> None:
    event = await make_event()
    person = (await make_registration(event, 1)).registration
    old = person.secret

    await admin.replace_secret(person, staff=organizer)

    [entry] = await log_of(person)
    assert person.secret != old and (await Registration.get(id=person.id)).secret == person.secret
    assert (entry.action, entry.staff.email, entry.details) == ("secret_replaced", "organizer@example.org", {})
    assert old not in str(entry.details) and person.secret not in str(entry.details)


# The list


@pytest.mark.usefixtures("db")
async def test_the_list_searches_names_readings_organizations_codes_and_for_organizers_emails() -> None:
    event = await make_event(capacity=None)
    hanako = (
        await make_registration(event, 1, name="山田 花子", name_reading="やまだ はなこ", email="hanako@example.org")
    ).registration
    maria = (await make_registration(event, 2, name="Maria Santos", organization="Kalayaan")).registration

    async def found(query: str, include_email: bool = True) -> list[str]:
        page = await listing.page(event, query, include_email=include_email)
        return [row.registration.name for row in page.rows]

    assert await found("花子") == ["山田 花子"]
    assert await found("はなこ") == ["山田 花子"]
    assert await found("kalayaan") == ["Maria Santos"]
    assert await found(maria.code[:4].lower() + "-" + maria.code[4:].lower()) == ["Maria Santos"]
    assert await found("hanako@") == ["山田 花子"]
    assert await found("hanako@", include_email=False) == [], "door accounts cannot search by e-mail"
    assert hanako.code


@pytest.mark.usefixtures("db")
async def test_the_list_sorts_by_name_organization_code_registered_time_and_status(organizer: StaffAccount) -> None:
    event = await make_event(capacity=1)
    a = (await make_registration(event, 1, name="Chen", name_reading="ちぇん", organization="B-org")).registration
    b = (await make_registration(event, 2, name="Aoki", name_reading="あおき", organization="C-org")).registration
    c = (await make_registration(event, 3, name="Bae", name_reading="べ", organization="A-org")).registration
    await admin.cancel(b, staff=organizer)  # c is promoted; a stays confirmed

    async def order(sort: str) -> list[str]:
        return [row.registration.name for row in (await listing.page(event, order=sort)).rows]

    assert await order("reading") == ["Aoki", "Chen", "Bae"], "by reading: あおき, ちぇん, べ"
    assert await order("-reading") == ["Bae", "Chen", "Aoki"]
    assert await order("organization") == ["Bae", "Chen", "Aoki"]
    assert await order("code") == [r.name for r in sorted([a, b, c], key=lambda r: r.code)]
    assert await order("registered") == ["Chen", "Aoki", "Bae"]
    assert await order("newest") == ["Bae", "Aoki", "Chen"], "the old name for newest first still works"
    assert await order("status") == ["Chen", "Bae", "Aoki"], "confirmed by reading, then cancelled"
    assert await order("no-such-key; drop table") == await order("reading")


@pytest.mark.usefixtures("db")
async def test_the_list_shows_fifty_a_page_with_links_to_the_others() -> None:
    event = await make_event(capacity=None)
    for number in range(1, 102):
        await make_registration(event, number, name=f"Person {number:03d}")

    first = await listing.page(event, order="name")
    third = await listing.page(event, order="name", number=3)
    past_the_end = await listing.page(event, order="name", number=99)

    assert (first.total, first.pages, len(first.rows)) == (101, 3, 50)
    assert first.rows[0].registration.name == "Person 001" and first.links() == [1, 2, 3]
    assert [row.registration.name for row in third.rows] == ["Person 101"]
    assert past_the_end.number == 3, "a page past the end shows the last one"
    assert listing.Page([], 2000, 20).links() == [1, None, 18, 19, 20, 21, 22, None, 40]


# The pages


@pytest.fixture
async def signed_in_organizer(app: Starlette, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    await save_staff("organizer@example.org", Role.ORGANIZER, password=PASSWORD)
    await post_sign_in(client, "organizer@example.org")
    yield client


async def person_page(client: httpx.AsyncClient, code: str) -> httpx.Response:
    return await client.get(f"/staff/events/workshop/registrations/{code}?lang=en", headers={"accept": "text/html"})


async def test_the_event_page_lists_people_with_links_to_their_pages_and_keeps_its_tools(
    signed_in_organizer: httpx.AsyncClient,
) -> None:
    event = await make_event()
    maria = (await make_registration(event, 1, name="Maria Santos", email="maria@example.org")).registration
    live_event = await get_event("workshop")
    await check_in(live_event, maria.code, "day1", secret_key="test-secret-key", source=Source.TYPED)

    page = await signed_in_organizer.get("/staff/events/workshop?lang=en&q=maria@example&sort=-code")

    assert page.status_code == 200 and "Maria Santos" in page.text, "organizers search by e-mail"
    assert f"/staff/events/workshop/registrations/{maria.code}" in page.text
    assert "✓ Day 1" in page.text, "the check-in shows in the list"
    for tool in ("/scan", "/live", "/walk-in", "/badges", "/report", "/sessions/day1/paper"):
        assert f"/staff/events/workshop{tool}" in page.text, f"the event page still links to {tool}"


async def test_door_accounts_see_the_list_without_emails_or_links_and_get_403_on_a_persons_page(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    event = await make_event()
    maria = (await make_registration(event, 1, name="Maria Santos", email="maria@example.org")).registration
    await post_sign_in(client, "door@example.org")
    listing_page = await client.get("/staff/events/workshop")
    token = csrf_token(listing_page.text)

    by_email = await client.get("/staff/events/workshop?q=maria@example")
    detail = await person_page(client, maria.code)
    edit = await client.post(
        f"/staff/events/workshop/registrations/{maria.code}",
        data={"csrf_token": token, "name": "Changed", "category": "participant", "language": "ja"},
        headers={"accept": "text/html"},
    )

    shown = listing_page.text.replace("<wbr>", "")  # as read: addresses may carry wrap points
    assert "Maria Santos" in shown and "maria@example.org" not in shown
    assert "/registrations/" not in listing_page.text, "no links to pages the door may not open"
    assert "Maria Santos" not in by_email.text, "the door cannot search by e-mail"
    assert detail.status_code == 403 and edit.status_code == 403
    assert (await Registration.get(id=maria.id)).name == "Maria Santos"


async def test_an_organizer_edits_a_person_and_sees_the_change_in_the_log(
    signed_in_organizer: httpx.AsyncClient,
) -> None:
    event = await make_event()
    maria = (await make_registration(event, 1, name="Maria Santos", organization="Kalayaan")).registration
    page = await person_page(signed_in_organizer, maria.code)

    saved = await signed_in_organizer.post(
        f"/staff/events/workshop/registrations/{maria.code}",
        data={
            "csrf_token": csrf_token(page.text),
            "name": "Maria Santos Cruz",
            "name_reading": "",
            "email": "person1@example.org",
            "organization": "Kalayaan",
            "category": "participant",
            "language": "en",
        },
    )
    after = await signed_in_organizer.get(saved.headers["location"] + "&lang=en", headers={"accept": "text/html"})

    assert page.status_code == 200 and "Maria Santos" in page.text and page.headers["cache-control"] == "no-store"
    assert saved.status_code == 303
    assert "Saved." in after.text and 'value="Maria Santos Cruz"' in after.text
    log = after.text[after.text.index("Changes") :]
    assert "organizer@example.org" in log and "Details changed" in log
    assert re.search(r"Name: <del>Maria Santos</del> → <ins>Maria Santos Cruz</ins>", log)
    assert re.search(r"Language: <del>日本語</del> → <ins>English</ins>", log)


async def test_a_wrong_edit_shows_each_problem_next_to_its_field_and_keeps_what_was_typed(
    signed_in_organizer: httpx.AsyncClient,
) -> None:
    event = await make_event()
    await make_registration(event, 1, email="ana@example.org")
    person = (await make_registration(event, 2, name="Ben")).registration
    page = await person_page(signed_in_organizer, person.code)
    form = {
        "csrf_token": csrf_token(page.text),
        "name": "",
        "organization": "Typed Org",
        "email": "not-an-address",
        "category": "participant",
        "language": "ja",
    }

    invalid = await signed_in_organizer.post(f"/staff/events/workshop/registrations/{person.code}?lang=en", data=form)
    taken = await signed_in_organizer.post(
        f"/staff/events/workshop/registrations/{person.code}?lang=en",
        data={**form, "name": "Ben", "email": "ana@example.org"},
    )

    assert invalid.status_code == 422
    assert re.search(r'id="f-name"[^>]*aria-invalid="true"', invalid.text)
    assert 'id="e-name">This field is required.' in invalid.text
    assert 'id="e-email">Not a valid e-mail address' in invalid.text
    assert 'value="Typed Org"' in invalid.text and 'value="not-an-address"' in invalid.text
    assert taken.status_code == 409 and 'id="e-email">Another active registration' in taken.text
    assert (await Registration.get(id=person.id)).name == "Ben"


async def test_the_persons_page_refuses_forms_without_the_csrf_token(signed_in_organizer: httpx.AsyncClient) -> None:
    event = await make_event()
    person = (await make_registration(event, 1)).registration
    base = f"/staff/events/workshop/registrations/{person.code}"

    answers = [
        await signed_in_organizer.post(url, data=data, headers={"accept": "text/html"})
        for url, data in [
            (base, {"name": "Forged", "category": "participant", "language": "ja"}),
            (f"{base}/cancel", {"confirm": "yes"}),
            (f"{base}/replace-secret", {}),
            (f"{base}/seats/day1", {"to": "waitlisted"}),
            (f"{base}/restore", {"csrf_token": "guessed"}),
        ]
    ]

    assert [answer.status_code for answer in answers] == [403] * 5
    unchanged = await Registration.get(id=person.id)
    assert (unchanged.name, unchanged.status, unchanged.secret) == (person.name, person.status, person.secret)
    assert await RegistrationChange.all().count() == 0


async def test_seats_are_moved_cancelled_and_restored_from_the_persons_page(
    signed_in_organizer: httpx.AsyncClient,
) -> None:
    event = await make_event(capacity=1)
    holder = (await make_registration(event, 1, name="Holder")).registration
    waiting = (await make_registration(event, 2, name="Waiting")).registration
    page = await person_page(signed_in_organizer, waiting.code)
    token = csrf_token(page.text)
    base = "/staff/events/workshop/registrations"

    full = await signed_in_organizer.post(
        f"{base}/{waiting.code}/seats/day1?lang=en", data={"csrf_token": token, "to": "confirmed"}
    )
    unconfirmed = await signed_in_organizer.post(f"{base}/{holder.code}/cancel?lang=en", data={"csrf_token": token})
    cancelled = await signed_in_organizer.post(
        f"{base}/{holder.code}/cancel", data={"csrf_token": token, "confirm": "yes"}
    )
    restored = await signed_in_organizer.post(f"{base}/{holder.code}/restore", data={"csrf_token": token})
    holder_page = await person_page(signed_in_organizer, holder.code)
    waiting_page = await person_page(signed_in_organizer, waiting.code)

    assert "Waiting list, position 1" in page.text
    assert full.status_code == 409 and "is full (1 seats)" in full.text, "the refusal is shown at the seat"
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    assert cancelled.status_code == 303 and restored.status_code == 303
    assert await seat_status(waiting) == SeatStatus.CONFIRMED, "the freed seat went to the person waiting"
    assert await seat_status(holder) == SeatStatus.WAITLISTED, "restored onto the waiting list: no room"
    assert "Restored" in holder_page.text and "Cancelled" in holder_page.text
    link_to_holder = f'href="http://testserver/staff/events/workshop/registrations/{holder.code}"'
    assert "Seat given up by" in waiting_page.text and link_to_holder in waiting_page.text
    await assert_count_matches_seats()


async def test_the_persons_page_shows_check_ins_answers_and_gives_new_links_once(
    signed_in_organizer: httpx.AsyncClient,
) -> None:
    event = await make_event()
    person = (await make_registration(event, 1, name="Maria Santos", sessions=["day1", "reception"])).registration
    await check_in(await get_event("workshop"), person.code, "day1", secret_key="k", device="door-A")
    event_row = await Event.get(slug="workshop")
    diet = await Question.create(
        event=event_row,
        code="diet",
        label="Dietary needs",
        kind=QuestionKind.SEVERAL_CHOICES,
        choices=["Halal", "Vegetarian", "No pork"],
        position=1,
    )
    interpreter = await Question.create(
        event=event_row, code="interp", label="Interpretation", kind=QuestionKind.YES_NO, position=2
    )
    await Question.create(event=event_row, code="kids", label="Childcare", kind=QuestionKind.YES_NO, position=3)
    await Answer.create(registration=person, question=diet, value=["Halal", "No pork"])
    await Answer.create(registration=person, question=interpreter, value=True)
    page = await person_page(signed_in_organizer, person.code)

    replaced = await signed_in_organizer.post(
        f"/staff/events/workshop/registrations/{person.code}/replace-secret?lang=en",
        data={"csrf_token": csrf_token(page.text)},
    )
    later = await person_page(signed_in_organizer, person.code)

    assert "checked in at" in page.text and "door-A" in page.text
    assert "Dietary needs" in page.text and "Halal, No pork" in page.text and "Interpretation" in page.text
    answers = page.text[page.text.index("Answers") : page.text.index("Check-ins</h2>")]
    assert "Yes" in answers and "Childcare" in answers, "an unanswered question is listed too"
    new_secret = (await Registration.get(id=person.id)).secret
    assert replaced.status_code == 200 and f"/manage/{new_secret}" in replaced.text
    assert new_secret not in later.text, "the new links are shown once, not on every visit"
    assert "New badge and links" in later.text


@pytest.mark.usefixtures("db")
async def test_a_seat_is_added_by_the_registration_rules_and_logged(organizer: StaffAccount) -> None:
    event = await make_event(capacity=1)
    await make_registration(event, 1, ["day2"])
    person = (await make_registration(event, 2, ["day1"])).registration

    lecture = await admin.add_seat(person, "lecture", staff=organizer)
    day2 = await admin.add_seat(person, "day2", staff=organizer)
    with pytest.raises(Conflict):
        await admin.add_seat(person, "lecture", staff=organizer)

    assert (lecture, day2) == (SeatStatus.CONFIRMED, SeatStatus.WAITLISTED), "room, then the waiting list"
    added = [change.details for change in await log_of(person) if change.action == admin.Action.SEAT_ADDED]
    assert added == [
        {"session": "lecture", "from": "none", "to": "confirmed"},
        {"session": "day2", "from": "none", "to": "waitlisted"},
    ]
    await assert_count_matches_seats("day2")


async def test_the_persons_page_adds_a_seat_shows_their_link_and_prints_their_badge(
    signed_in_organizer: httpx.AsyncClient,
) -> None:
    client = signed_in_organizer
    event = await make_event(capacity=5)
    person = (await make_registration(event, 1, ["day1"])).registration
    page = await client.get(f"/staff/events/workshop/registrations/{person.code}?lang=en")
    shown = await client.get(f"/staff/events/workshop/registrations/{person.code}?lang=en&link=show")

    added = await client.post(
        f"/staff/events/workshop/registrations/{person.code}/seats/lecture",
        data={"csrf_token": csrf_token(page.text), "to": "add"},
    )
    after = await client.get(added.headers["location"])
    badge = await client.get(f"/staff/events/workshop/scan/badge/{person.code}")

    assert person.secret not in page.text, "their link is not on every view of the page"
    assert f"/manage/{person.secret}" in shown.text, "their own page's link, when asked for, to copy and send them"
    assert "Add Evening lecture" in page.text and "Add Day 1" not in page.text, "only sessions they do not hold"
    assert added.status_code == 303 and "The seat was added." in after.text
    assert await seat_status(person, "lecture") == SeatStatus.CONFIRMED
    assert badge.status_code == 200 and badge.content.startswith(b"%PDF")
