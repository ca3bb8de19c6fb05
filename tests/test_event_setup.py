"""Setting events up in the staff area: the service rules first, then the pages organizers use."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.applications import Starlette

from events import clock
from events.checkin import service as checkin
from events.checkin.models import ScanLog
from events.errors import Conflict, InvalidInput
from events.program import service
from events.program.models import Event, EventStatus, Session
from events.program.schemas import EventCopy, EventDetails, SessionInput
from events.questions.models import Question, QuestionKind
from events.registrations.models import Registration, RegistrationChange, RegistrationStatus, Seat, SeatStatus
from events.settings import Settings
from events.staff.models import Role
from events.staff.service import save_staff
from tests.conftest import csrf_token, post_sign_in
from tests.factories import event_data, make_event, make_registration
from tests.test_staff import PASSWORD

TOKYO = ZoneInfo("Asia/Tokyo")


def local_times(event: Event) -> list[tuple[str, date, time, time]]:
    """Each session's code, day, start and end, as the event's own zone shows them."""
    starts = [clock.local(s.starts_at, event.timezone) for s in event.sessions]
    ends = [clock.local(s.ends_at, event.timezone) for s in event.sessions]
    return [
        (s.code, start.date(), start.time(), end.time())
        for s, start, end in zip(event.sessions, starts, ends, strict=True)
    ]


def session_input(code: str, day: date, start: int, end: int, **changes: Any) -> SessionInput:
    data = {
        "code": code,
        "title": code.title(),
        "starts_at": datetime.combine(day, time(start), TOKYO).isoformat(),
        "ends_at": datetime.combine(day, time(end), TOKYO).isoformat(),
        **changes,
    }
    return SessionInput.model_validate(data)


# The service.


@pytest.mark.usefixtures("db")
async def test_a_copy_moves_every_session_to_the_new_dates_keeping_times_of_day_and_capacities() -> None:
    source = await make_event("workshop-2026", capacity=40)
    await make_registration(source, 1, ["day1", "day2"])
    new_start = source.starts_on + timedelta(days=364)

    copy = await service.copy_event("workshop-2026", EventCopy(slug="workshop-2027", title="2027", starts_on=new_start))

    shift = new_start - source.starts_on
    expected = [(code, day + shift, start, end) for code, day, start, end in local_times(source)]
    assert local_times(copy) == expected, "each session keeps its time of day and its day within the event"
    assert (copy.starts_on, copy.ends_on) == (new_start, source.ends_on + shift)
    assert [s.capacity for s in copy.sessions] == [s.capacity for s in source.sessions]
    assert [s.confirmed_count for s in copy.sessions] == [0, 0, 0, 0], "no seats come along"
    assert copy.categories == source.categories and copy.title == "2027"
    assert copy.status == EventStatus.DRAFT, "a copy waits for the organizer to check it and publish it"
    assert await Registration.filter(event=copy).count() == 0


@pytest.mark.usefixtures("db")
async def test_a_copy_keeps_the_time_of_day_across_a_change_of_daylight_saving_time() -> None:
    winter = date(date.today().year + 1, 1, 15)
    berlin = ZoneInfo("Europe/Berlin")
    session = {
        "code": "talk",
        "title": "Talk",
        "starts_at": datetime.combine(winter, time(18), berlin).isoformat(),
        "ends_at": datetime.combine(winter, time(20), berlin).isoformat(),
    }
    await make_event(
        "winter", timezone="Europe/Berlin", starts_on=winter.isoformat(), ends_on=winter.isoformat(), sessions=[session]
    )
    summer = date(winter.year, 7, 15)

    copy = await service.copy_event("winter", EventCopy(slug="summer", title="Summer", starts_on=summer))

    talk = copy.sessions[0]
    assert clock.local(talk.starts_at, "Europe/Berlin").replace(tzinfo=None) == datetime.combine(summer, time(18))
    assert talk.starts_at.utcoffset() == timedelta(0) and talk.starts_at.hour == 16, "18:00 summer time is 16:00 UTC"


@pytest.mark.usefixtures("db")
async def test_a_copy_brings_the_questions_each_tied_to_the_copied_session() -> None:
    source = await make_event("workshop")
    reception = next(s for s in source.sessions if s.code == "reception")
    await Question.create(
        event=source, code="diet", label="Dietary needs", kind=QuestionKind.SHORT_TEXT, session=reception
    )
    await Question.create(
        event=source, code="language", label="Interpretation", kind=QuestionKind.ONE_CHOICE, choices=["tl", "ko"]
    )

    copy = await service.copy_event("workshop", EventCopy(slug="again", title="Again", starts_on=source.starts_on))

    questions = {q.code: q for q in await Question.filter(event=copy).prefetch_related("session")}
    assert set(questions) == {"diet", "language"}
    assert questions["diet"].session is not None and questions["diet"].session.event_id == copy.id  # type: ignore[attr-defined]
    assert questions["diet"].session.code == "reception" and questions["language"].choices == ["tl", "ko"]


@pytest.mark.usefixtures("db")
async def test_a_copy_needs_a_slug_no_event_has() -> None:
    await make_event("workshop")
    await make_event("taken")

    with pytest.raises(service.SlugTaken):
        await service.copy_event("workshop", EventCopy(slug="taken", title="Copy", starts_on=date.today()))


@pytest.mark.usefixtures("db")
async def test_removing_a_session_cancels_its_seats_and_the_registrations_left_with_none() -> None:
    event = await make_event(capacity=1)
    only_day1 = (await make_registration(event, 1, ["day1"])).registration
    also_lecture = (await make_registration(event, 2, ["day1", "lecture"])).registration
    waiting_only = (await make_registration(event, 3, ["day1"])).registration
    organizer = await save_staff("organizer@example.org", Role.ORGANIZER)

    removed = await service.remove_session("workshop", "day1", staff=organizer)

    assert (removed.confirmed, removed.waitlisted) == (1, 2)
    statuses = {r.id: r.status for r in await Registration.all()}
    assert statuses[only_day1.id] == RegistrationStatus.CANCELLED
    assert statuses[also_lecture.id] == RegistrationStatus.CONFIRMED, "the lecture seat still holds"
    assert statuses[waiting_only.id] == RegistrationStatus.CANCELLED
    assert (await Registration.get(id=only_day1.id)).active_email is None, "the e-mail address is free again"
    assert not await Session.exists(event=event, code="day1")
    assert await Seat.filter(registration_id=also_lecture.id).values_list("status", flat=True) == [SeatStatus.CONFIRMED]
    logged = await RegistrationChange.filter(action="session_removed").order_by("registration_id")
    assert [(c.registration_id, c.staff_id) for c in logged] == [  # type: ignore[attr-defined]
        (only_day1.id, organizer.id),
        (also_lecture.id, organizer.id),
        (waiting_only.id, organizer.id),
    ]
    assert logged[0].details == {"session": "day1", "seat": "confirmed", "status": ["confirmed", "cancelled"]}
    again = await make_registration(await service.get_event("workshop"), 1, ["lecture"])
    assert again.registration.status == RegistrationStatus.CONFIRMED, "the cancelled person may register again"


@pytest.mark.usefixtures("db")
async def test_a_session_where_people_were_checked_in_is_not_removed(settings: Settings) -> None:
    event = await make_event()
    registered = await make_registration(event, 1, ["day1"])
    await checkin.check_in(event, registered.registration.code, "day1", secret_key=settings.secret_key)

    with pytest.raises(service.SessionAttended):
        await service.remove_session("workshop", "day1")

    assert await Session.exists(event=event, code="day1")


@pytest.mark.usefixtures("db")
async def test_refused_scans_at_a_removed_session_stay_in_the_scan_log(settings: Settings) -> None:
    event = await make_event()
    registered = await make_registration(event, 1, ["day1"])
    refused = await checkin.check_in(event, registered.registration.code, "reception", secret_key=settings.secret_key)

    await service.remove_session("workshop", "reception")

    assert refused.result == "not_registered"
    assert await ScanLog.filter(event=event, session_id=None, result="not_registered").count() == 1


@pytest.mark.usefixtures("db")
async def test_the_only_session_of_a_published_event_stays() -> None:
    await make_event(sessions=[event_data()["sessions"][0]])

    with pytest.raises(Conflict) as refused:
        await service.remove_session("workshop", "day1")

    assert refused.value.code == "last_session"


@pytest.mark.usefixtures("db")
async def test_moving_a_session_swaps_it_with_its_neighbour() -> None:
    await make_event()

    await service.move_session("workshop", "reception", "up")
    await service.move_session("workshop", "day1", "up")  # already first: nothing moves

    event = await service.get_event("workshop")
    assert [s.code for s in event.sessions] == ["day1", "reception", "lecture", "day2"]
    assert [s.position for s in event.sessions] == [0, 1, 2, 3]


@pytest.mark.usefixtures("db")
async def test_a_new_session_goes_last_and_its_code_must_be_new() -> None:
    event = await make_event()

    await service.add_session("workshop", session_input("closing", event.ends_on, 16, 17))
    with pytest.raises(InvalidInput) as taken:
        await service.add_session("workshop", session_input("day1", event.ends_on, 16, 17))

    assert [s.code for s in (await service.get_event("workshop")).sessions][-1] == "closing"
    assert "code" in taken.value.fields


@pytest.mark.usefixtures("db")
async def test_an_event_is_published_only_with_a_session_and_closing_stops_registration() -> None:
    details = EventDetails.model_validate({k: v for k, v in event_data().items() if k != "sessions"})
    event = await service.create_event(details, status=EventStatus.DRAFT)

    with pytest.raises(InvalidInput) as refused:
        await service.set_status("workshop", EventStatus.PUBLISHED)
    await service.add_session("workshop", session_input("day1", event.starts_on, 10, 17))
    published = await service.set_status("workshop", EventStatus.PUBLISHED)
    closed = await service.set_status("workshop", EventStatus.CLOSED)

    assert "status" in refused.value.fields
    assert service.registration_open(published) and not service.registration_open(closed)


@pytest.mark.usefixtures("db")
async def test_a_session_capacity_never_goes_below_its_confirmed_seats_and_a_raise_confirms_waiting_people() -> None:
    event = await make_event(capacity=1)
    await make_registration(event, 1, ["day1"])
    waiting = (await make_registration(event, 2, ["day1"])).registration
    day1 = next(s for s in event.sessions if s.code == "day1")
    changes = {"title": "Day 1", "kind": "day", "starts_at": day1.starts_at, "ends_at": day1.ends_at}

    with pytest.raises(InvalidInput) as refused:
        await service.update_session(
            "workshop", SessionInput.model_validate({"code": "day1", **changes, "capacity": 0})
        )
    await service.update_session("workshop", SessionInput.model_validate({"code": "day1", **changes, "capacity": 2}))

    assert set(refused.value.fields) == {"capacity"}, "the problem is named by the session's own field"
    await waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED


@pytest.mark.usefixtures("db")
@pytest.mark.usefixtures("english")
async def test_the_slug_new_is_kept_for_the_staff_pages() -> None:
    with pytest.raises(ValueError, match="staff pages"):
        EventDetails.model_validate({"slug": "new", "title": "x", "starts_on": "2026-01-01", "ends_on": "2026-01-01"})


# The pages.


@pytest.fixture
async def organizer(app: Starlette, client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The client, signed in as an organizer."""
    await save_staff("organizer@example.org", Role.ORGANIZER, password=PASSWORD)
    assert (await post_sign_in(client, "organizer@example.org")).status_code == 303
    return client


async def token_of(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_token(page.text)


def new_event_form(token: str, **changes: str | list[str]) -> dict[str, Any]:
    first = date.today() + timedelta(days=60)
    form: dict[str, Any] = {
        "csrf_token": token,
        "slug": "forum-2026",
        "title": "多文化共生フォーラム",
        "description": "Two days of talks.",
        "starts_on": first.isoformat(),
        "ends_on": (first + timedelta(days=1)).isoformat(),
        "timezone": "Asia/Tokyo",
        "venue": "Civic Hall",
        "city": "Nagoya",
        "registration_opens_at": "",
        "registration_closes_at": f"{first.isoformat()}T09:00",
        "category_code": ["participant", "member", ""],
        "category_label": ["参加者", "Member", ""],
    }
    form.update(changes)
    return form


async def test_an_organizer_creates_an_event_as_a_draft_from_the_staff_area(organizer: httpx.AsyncClient) -> None:
    dashboard = await organizer.get("/staff/?lang=en")
    token = await token_of(organizer, "/staff/events/new?lang=en")

    created = await organizer.post("/staff/events/new", data=new_event_form(token))

    assert 'href="http://testserver/staff/events/new"' in dashboard.text, "the dashboard offers New event"
    assert created.status_code == 303 and created.headers["location"].endswith(
        "/staff/events/forum-2026/edit?done=created"
    )
    event = await service.get_event("forum-2026", include_hidden=True)
    assert event.status == EventStatus.DRAFT and event.title == "多文化共生フォーラム"
    assert event.categories == [{"code": "participant", "label": "参加者"}, {"code": "member", "label": "Member"}]
    assert event.registration_closes_at == datetime.combine(event.starts_on, time(9), TOKYO), "read in the event's zone"
    assert (await organizer.get("/events/forum-2026")).status_code == 404, "a draft is not public"
    setup = await organizer.get(created.headers["location"] + "&lang=en")
    assert "Add its sessions, then publish it." in setup.text and "Add a session" in setup.text


async def test_the_event_form_shows_each_problem_next_to_its_field_and_keeps_what_was_typed(
    organizer: httpx.AsyncClient,
) -> None:
    token = await token_of(organizer, "/staff/events/new?lang=en")
    form = new_event_form(
        token,
        slug="Forum 2026",
        title="",
        starts_on="2026-07-02",
        ends_on="2026-07-01",
        timezone="Asia/Nagoya",
        registration_opens_at="soon",
        category_code=["participant", "bad code!"],
        category_label=["Participant", "Odd"],
    )

    response = await organizer.post("/staff/events/new?lang=en", data=form)

    assert response.status_code == 422
    errors = _field_errors(response.text)
    assert errors["slug"] == "Use lower-case letters (a-z), digits and dashes, like national-workshop-2026."
    assert errors["title"] == "This field is required."
    assert errors["ends_on"] == "The event must end on or after the day it starts."
    assert errors["timezone"] == "'Asia/Nagoya' is not an IANA time zone such as Asia/Tokyo."
    assert errors["registration_opens_at"] == "Enter a date and time like 2026-06-14 10:00."
    assert "is not a category code" in response.text
    for typed in ('value="Forum 2026"', 'value="Asia/Nagoya"', 'value="soon"', 'value="bad code!"', 'value="Odd"'):
        assert typed in response.text, f"the form keeps {typed}"
    assert not await Event.exists(), "nothing is saved"


def _field_errors(html: str) -> dict[str, str]:
    """The message shown next to each field, by field name."""
    return dict(re.findall(r'<p class="field-error" id="f-([a-z_]+)-error">([^<]+)</p>', html.replace("&#39;", "'")))


async def test_an_event_edited_in_the_staff_area_changes_on_its_public_page_at_once(
    organizer: httpx.AsyncClient,
) -> None:
    event = await make_event()
    before = await organizer.get("/events/workshop")  # the page keeps a copy of the event for a moment
    token = await token_of(organizer, "/staff/events/workshop/edit")
    form = new_event_form(
        token, title="Renamed workshop", starts_on=event.starts_on.isoformat(), ends_on=event.ends_on.isoformat()
    )
    form.pop("slug")
    form["status"] = "published"

    saved = await organizer.post("/staff/events/workshop/edit", data=form)

    assert saved.status_code == 303, saved.text
    assert "全国ワークショップ" in before.text
    assert "Renamed workshop" in (await organizer.get("/events/workshop")).text
    assert (await service.get_event("workshop")).slug == "workshop", "the slug never changes"


async def test_sessions_are_added_edited_and_moved_from_the_set_up_page(organizer: httpx.AsyncClient) -> None:
    event = await make_event()
    token = await token_of(organizer, "/staff/events/workshop/sessions/new")
    day = event.ends_on.isoformat()
    session = {"csrf_token": token, "title": "Closing", "kind": "plenary", "location": "Hall", "description": ""}

    added = await organizer.post(
        "/staff/events/workshop/sessions/new",
        data={**session, "code": "closing", "starts_at": f"{day}T16:00", "ends_at": f"{day}T17:00", "capacity": "80"},
    )
    edited = await organizer.post(
        "/staff/events/workshop/sessions/closing/edit",
        data={
            **session,
            "title": "Closing plenary",
            "starts_at": f"{day}T16:30",
            "ends_at": f"{day}T17:30",
            "capacity": "",
        },
    )
    moved = await organizer.post(
        "/staff/events/workshop/sessions/closing/move", data={"csrf_token": token, "direction": "up"}
    )

    assert added.status_code == edited.status_code == moved.status_code == 303
    sessions = (await service.get_event("workshop")).sessions
    assert [s.code for s in sessions] == ["day1", "lecture", "reception", "closing", "day2"]
    closing = sessions[3]
    assert closing.title == "Closing plenary" and closing.capacity is None and closing.location == "Hall"
    assert clock.local(closing.starts_at, "Asia/Tokyo").time() == time(16, 30)


async def test_the_session_form_refuses_a_capacity_below_the_confirmed_seats_next_to_the_field(
    organizer: httpx.AsyncClient,
) -> None:
    event = await make_event(capacity=5)
    await make_registration(event, 1, ["day1"])
    await make_registration(event, 2, ["day1"])
    edit = await organizer.get("/staff/events/workshop/sessions/day1/edit?lang=en")
    form = {name: value for name, value in _inputs(edit.text).items() if name != "code"}

    refused = await organizer.post("/staff/events/workshop/sessions/day1/edit?lang=en", data={**form, "capacity": "1"})
    bad_number = await organizer.post(
        "/staff/events/workshop/sessions/day1/edit?lang=en", data={**form, "capacity": "ten"}
    )
    ends_first = await organizer.post(
        "/staff/events/workshop/sessions/day1/edit?lang=en", data={**form, "ends_at": form["starts_at"]}
    )

    assert refused.status_code == 422
    assert (
        _field_errors(refused.text)["capacity"]
        == "2 seats are already confirmed; the capacity cannot be lower than that."
    )
    assert 'value="1"' in refused.text, "the form keeps what was typed"
    assert (
        _field_errors(bad_number.text)["capacity"] == "Enter a whole number of seats, or leave it empty for no limit."
    )
    assert _field_errors(ends_first.text)["ends_at"] == "A session must end after it starts."
    assert (await service.get_event("workshop")).sessions[0].capacity == 5


def _inputs(html: str) -> dict[str, str]:
    """The values of a page's form: its inputs, its selected options and its text areas."""
    values = dict(re.findall(r'<input id="f-[a-z_]+" name="([a-z_]+)" type="[a-z-]+" value="([^"]*)"', html))
    values.update(re.findall(r'<select id="f-[a-z_]+" name="([a-z_]+)".*?<option value="([^"]+)" selected', html, re.S))
    values.update(re.findall(r'<textarea id="f-[a-z_]+" name="([a-z_]+)"[^>]*>([^<]*)</textarea>', html))
    values["csrf_token"] = csrf_token(html)
    return values


async def test_raising_a_capacity_on_the_session_form_confirms_waiting_people_at_once(
    organizer: httpx.AsyncClient,
) -> None:
    event = await make_event(capacity=1)
    await make_registration(event, 1, ["day1"])
    waiting = (await make_registration(event, 2, ["day1"])).registration
    edit = await organizer.get("/staff/events/workshop/sessions/day1/edit")

    saved = await organizer.post(
        "/staff/events/workshop/sessions/day1/edit", data={**_inputs(edit.text), "capacity": "2"}
    )

    assert saved.status_code == 303
    await waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED


async def test_removing_a_session_with_seats_first_says_how_many_people_it_affects(
    organizer: httpx.AsyncClient,
) -> None:
    event = await make_event(capacity=1)
    await make_registration(event, 1, ["day1"])
    await make_registration(event, 2, ["day1", "lecture"])
    page = await organizer.get("/staff/events/workshop/sessions/day1/remove?lang=en")
    token = csrf_token(page.text)

    unconfirmed = await organizer.post(
        "/staff/events/workshop/sessions/day1/remove?lang=en", data={"csrf_token": token}
    )
    kept = await Session.exists(event=event, code="day1")
    removed = await organizer.post(
        "/staff/events/workshop/sessions/day1/remove", data={"csrf_token": token, "confirm": "2"}
    )

    assert "2 people hold a seat in this session." in page.text
    assert "1 confirmed" in page.text and "1 on the waiting list" in page.text
    assert unconfirmed.status_code == 200 and "2 people hold a seat" in unconfirmed.text and kept
    assert removed.status_code == 303 and removed.headers["location"].endswith("done=session_removed&n=2")
    assert not await Session.exists(event=event, code="day1")
    done = await organizer.get(removed.headers["location"] + "&lang=en")
    assert "The session is removed, and 2 seats in it were cancelled." in done.text


async def test_a_removal_confirmed_for_fewer_people_than_now_hold_seats_asks_again(
    organizer: httpx.AsyncClient,
) -> None:
    event = await make_event()
    await make_registration(event, 1, ["day1"])
    token = await token_of(organizer, "/staff/events/workshop/sessions/day1/remove")
    await make_registration(event, 2, ["day1"])  # someone registers while the organizer reads

    again = await organizer.post(
        "/staff/events/workshop/sessions/day1/remove?lang=en", data={"csrf_token": token, "confirm": "1"}
    )

    assert again.status_code == 409 and "2 people hold a seat" in again.text
    assert await Session.exists(event=event, code="day1")


async def test_publishing_needs_a_session_and_closing_stops_registration_on_the_public_page(
    organizer: httpx.AsyncClient,
) -> None:
    token = await token_of(organizer, "/staff/events/new")
    await organizer.post("/staff/events/new", data=new_event_form(token))

    too_early = await organizer.post("/staff/events/forum-2026/publish?lang=en", data={"csrf_token": token})
    event = await service.get_event("forum-2026", include_hidden=True)
    await service.add_session("forum-2026", session_input("day1", event.starts_on, 10, 17))
    published = await organizer.post("/staff/events/forum-2026/publish", data={"csrf_token": token})
    public_open = await organizer.get("/events/forum-2026?lang=en")
    closed = await organizer.post("/staff/events/forum-2026/close", data={"csrf_token": token})
    public_closed = await organizer.get("/events/forum-2026?lang=en")

    assert too_early.status_code == 422 and "Add at least one session before publishing the event." in too_early.text
    assert published.status_code == 303 and public_open.status_code == 200 and 'name="sessions"' in public_open.text
    assert closed.status_code == 303 and "Registration for this event is closed." in public_closed.text


async def test_an_organizer_copies_last_years_workshop_from_the_staff_area(organizer: httpx.AsyncClient) -> None:
    source = await make_event("workshop-2026")
    page = await organizer.get("/staff/events/workshop-2026/copy?lang=en")
    new_start = source.starts_on + timedelta(days=364)
    form = {"csrf_token": csrf_token(page.text), "title": "全国ワークショップ 2027", "starts_on": new_start.isoformat()}

    taken = await organizer.post("/staff/events/workshop-2026/copy?lang=en", data={**form, "slug": "workshop-2026"})
    far_off = await organizer.post(
        "/staff/events/workshop-2026/copy?lang=en", data={**form, "slug": "far", "starts_on": "0001-01-01"}
    )
    copied = await organizer.post("/staff/events/workshop-2026/copy", data={**form, "slug": "workshop-2027"})

    assert taken.status_code == 422 and "already exists" in _field_errors(taken.text)["slug"]
    assert 'value="全国ワークショップ 2027"' in taken.text
    assert _field_errors(far_off.text)["starts_on"] == "Give a date between 1900-01-01 and 2999-12-31."
    assert copied.status_code == 303 and copied.headers["location"].endswith(
        "/staff/events/workshop-2027/edit?done=copied"
    )
    copy = await service.get_event("workshop-2027", include_hidden=True)
    assert copy.starts_on == new_start and len(copy.sessions) == 4 and copy.status == EventStatus.DRAFT


SETUP_PAGES = [
    ("GET", "/staff/events/new"),
    ("POST", "/staff/events/new"),
    ("GET", "/staff/events/workshop/edit"),
    ("POST", "/staff/events/workshop/edit"),
    ("POST", "/staff/events/workshop/publish"),
    ("POST", "/staff/events/workshop/close"),
    ("GET", "/staff/events/workshop/copy"),
    ("POST", "/staff/events/workshop/copy"),
    ("GET", "/staff/events/workshop/sessions/new"),
    ("POST", "/staff/events/workshop/sessions/new"),
    ("GET", "/staff/events/workshop/sessions/day1/edit"),
    ("POST", "/staff/events/workshop/sessions/day1/edit"),
    ("POST", "/staff/events/workshop/sessions/day1/move"),
    ("GET", "/staff/events/workshop/sessions/day1/remove"),
    ("POST", "/staff/events/workshop/sessions/day1/remove"),
]


async def test_a_door_account_gets_403_on_every_set_up_page(app: Starlette, client: httpx.AsyncClient) -> None:
    await make_event()
    await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    await post_sign_in(client, "door@example.org")
    token = csrf_token((await client.get("/staff/events/workshop/scan")).text)

    answers = {
        (method, path): (await client.request(method, path, data={"csrf_token": token})).status_code
        for method, path in SETUP_PAGES
    }

    assert set(answers.values()) == {403}, answers
    assert "/edit" not in (await client.get("/staff/")).text, "the dashboard offers a door account no set-up links"
    assert (await service.get_event("workshop")).status == EventStatus.PUBLISHED


async def test_every_set_up_form_needs_its_csrf_token(organizer: httpx.AsyncClient) -> None:
    await make_event()

    answers = {
        path: (await organizer.post(path, data={"direction": "up", "confirm": "0"})).status_code
        for method, path in SETUP_PAGES
        if method == "POST"
    }

    assert set(answers.values()) == {403}, answers
    event = await service.get_event("workshop")
    assert event.status == EventStatus.PUBLISHED and [s.code for s in event.sessions][0] == "day1"


async def test_the_session_form_turns_exits_on_with_the_rooms_limit(organizer: httpx.AsyncClient) -> None:
    from events.program.models import Session

    event = await make_event(capacity=5)
    edit = await organizer.get("/staff/events/workshop/sessions/reception/edit?lang=en")
    form = {name: value for name, value in _inputs(edit.text).items() if name not in ("code", "exits")}

    saved = await organizer.post(
        "/staff/events/workshop/sessions/reception/edit?lang=en", data={**form, "exits": "yes", "room_limit": "80"}
    )
    turned_off = await organizer.get("/staff/events/workshop/sessions/reception/edit?lang=en")

    reception = await Session.get(event_id=event.id, code="reception")
    assert saved.status_code == 303, saved.text
    assert reception.exits is True and reception.room_limit == 80
    assert 'name="exits" value="yes" checked' in turned_off.text and 'value="80"' in turned_off.text
