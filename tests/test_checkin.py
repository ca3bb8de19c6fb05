"""The door's rules, on the service and through the API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from events import clock
from events.badges import tokens
from events.checkin import service, stores
from events.checkin.models import CheckIn, Result, ScanLog
from events.checkin.rules import Decision
from events.program.models import Event
from events.program.service import get_event
from events.registrations.service import cancel
from events.reports.attendance import arrivals
from events.staff.models import Role
from tests.factories import event_data, make_event, make_registration, staff_token

KEY = "test-secret-key"


async def workshop(capacity: int = 1) -> Event:
    await make_event(capacity=capacity)
    return await get_event("workshop")


def badge(event: Event, registration: Any) -> str:
    return tokens.badge_token(KEY, event.id, registration.code, registration.secret)


async def scan(event: Event, text: str, session: str = "day1", **kwargs: Any) -> service.ScanAnswer:
    return await service.check_in(event, text, session, secret_key=KEY, **kwargs)


@pytest.mark.usefixtures("db")
async def test_a_confirmed_badge_is_counted_once_then_already_checked_in() -> None:
    event = await workshop()
    person = (await make_registration(event, 1, ["day1"])).registration

    first = await scan(event, badge(event, person), device="door-A")
    second = await scan(event, badge(event, person), device="door-B")

    assert first.result == Result.OK and first.status_code == 201
    assert second.result == Result.ALREADY_CHECKED_IN and second.status_code == 200
    assert second.checked_in_at == first.checked_in_at and second.device == "door-A", "the first time and device"
    assert await CheckIn.filter(registration=person).count() == 1


@pytest.mark.usefixtures("db")
async def test_every_refusal_has_its_reason_and_is_logged() -> None:
    event = await workshop(capacity=1)
    confirmed = (await make_registration(event, 1, ["day1"])).registration
    waiting = (await make_registration(event, 2, ["day1"])).registration
    elsewhere = (await make_registration(event, 3, ["day2"])).registration
    gone = (await make_registration(event, 4, ["lecture"])).registration
    await cancel(gone)
    await make_event("symposium")
    other_event = await get_event("symposium")
    stranger = (await make_registration(other_event, 5, ["day1"])).registration
    forged = badge(event, confirmed)[:-2] + ("AA" if not badge(event, confirmed).endswith("AA") else "BB")

    answers = {
        "waitlisted": await scan(event, badge(event, waiting)),
        "not_registered": await scan(event, badge(event, elsewhere)),
        "cancelled": await scan(event, badge(event, gone), "lecture"),
        "other event": await scan(event, badge(other_event, stranger)),
        "forged": await scan(event, forged),
        "garbage": await scan(event, "<script>alert(1)</script>\x00"),
        "no such session": await scan(event, badge(event, confirmed), "day9"),
    }

    assert {name: answer.result for name, answer in answers.items()} == {
        "waitlisted": Result.WAITLISTED,
        "not_registered": Result.NOT_REGISTERED,
        "cancelled": Result.CANCELLED,
        "other event": Result.UNKNOWN,
        "forged": Result.UNKNOWN,
        "garbage": Result.UNKNOWN,
        "no such session": Result.INVALID,
    }
    assert await CheckIn.all().count() == 0
    assert await ScanLog.filter(event=event).count() == len(answers), "refused scans are logged too"


@pytest.mark.usefixtures("db")
async def test_a_burst_of_every_kind_of_scan_at_once_gets_the_answers_one_at_a_time_would() -> None:
    # The door's scans arriving together are looked up and counted together (PostgreSQL: one
    # statement for the lot; SQLite: one transaction); every scan must still get its own answer.
    event = await workshop(capacity=6)
    people = [(await make_registration(event, n, ["day1"])).registration for n in range(8)]
    confirmed, waiting = people[:6], people[6:]
    gone = (await make_registration(event, 20, ["lecture"])).registration
    await cancel(gone)
    elsewhere = (await make_registration(event, 21, ["day2"])).registration
    counted_before = confirmed[0]
    await scan(event, badge(event, counted_before), device="door-0")
    forged = badge(event, confirmed[1])[:-2] + ("AA" if not badge(event, confirmed[1]).endswith("AA") else "BB")

    burst = {
        **{f"confirmed {n}": scan(event, badge(event, p), device=f"door-{n}") for n, p in enumerate(confirmed)},
        "same person again": scan(event, badge(event, confirmed[2]), device="door-9"),
        "typed code": scan(event, confirmed[3].code.lower(), device="door-8"),
        "retry 1": scan(event, badge(event, confirmed[4]), device="door-7", scan_id="s-1"),
        "retry 2": scan(event, badge(event, confirmed[4]), device="door-7", scan_id="s-1"),
        "waitlisted": scan(event, badge(event, waiting[0])),
        "cancelled": scan(event, badge(event, gone), "lecture"),
        "not registered": scan(event, badge(event, elsewhere)),
        "forged": scan(event, forged),
        "unknown": scan(event, "ZZZZ-ZZZZ"),
        "no such session": scan(event, badge(event, confirmed[5]), "day9"),
    }
    answers = dict(zip(burst, await asyncio.gather(*burst.values()), strict=True))

    results = {name: answer.result for name, answer in answers.items()}
    ok_or_already = {Result.OK, Result.ALREADY_CHECKED_IN}
    assert results["confirmed 0"] == Result.ALREADY_CHECKED_IN, "counted before the burst"
    assert answers["confirmed 0"].device == "door-0", "with the first time's device"
    for n in range(1, 6):
        assert results[f"confirmed {n}"] in ok_or_already, f"confirmed {n}: {results[f'confirmed {n}']}"
    pairs = [("confirmed 2", "same person again"), ("confirmed 3", "typed code")]
    for first, second in pairs:
        assert {results[first], results[second]} == {Result.OK, Result.ALREADY_CHECKED_IN}, f"{first} / {second}"
    assert results["retry 1"] == results["retry 2"], "a retried scan id gets the first answer"
    assert {key: results[key] for key in ("waitlisted", "cancelled", "not registered", "forged", "unknown")} == {
        "waitlisted": Result.WAITLISTED,
        "cancelled": Result.CANCELLED,
        "not registered": Result.NOT_REGISTERED,
        "forged": Result.UNKNOWN,
        "unknown": Result.UNKNOWN,
    }
    assert results["no such session"] == Result.INVALID
    counted = await CheckIn.filter(session__code="day1").values_list("registration_id", flat=True)
    assert sorted(counted) == sorted(person.id for person in confirmed), "each confirmed person counted once"
    logged = await ScanLog.filter(event=event).count()
    assert logged == 1 + len(burst) - 1, "every scan logged once, the retried scan id once"


@pytest.mark.usefixtures("db")
async def test_a_typed_code_works_in_any_case_with_dashes() -> None:
    event = await workshop()
    person = (await make_registration(event, 1, ["day1"])).registration

    answer = await scan(event, f" {person.code[:4].lower()}-{person.code[4:]} ")

    assert answer.result == Result.OK and answer.person is not None and answer.person.id == person.id


@pytest.mark.usefixtures("db")
async def test_a_replaced_badge_no_longer_checks_in() -> None:
    from events.registrations.service import replace_secret

    event = await workshop()
    person = (await make_registration(event, 1, ["day1"])).registration
    old = badge(event, person)
    await replace_secret(person)

    assert (await scan(event, old)).result == Result.UNKNOWN
    assert (await scan(event, badge(event, person))).result == Result.OK


@pytest.mark.usefixtures("db")
async def test_undo_takes_back_a_check_in_and_both_stay_in_the_log() -> None:
    event = await workshop()
    person = (await make_registration(event, 1, ["day1"])).registration
    await scan(event, badge(event, person))

    undone = await service.undo(event, person.code, "day1", device="door-A")
    again = await scan(event, badge(event, person))

    assert undone and again.result == Result.OK
    results = [entry.result for entry in await ScanLog.filter(registration=person).order_by("id")]
    assert results == [Result.OK, Result.UNDONE, Result.OK]
    assert not await service.undo(event, "ACEFACEF", "day1"), "nothing to undo"


@pytest.mark.usefixtures("db")
async def test_a_retried_scan_id_answers_as_the_first_time_and_counts_nothing_new() -> None:
    event = await workshop()
    person = (await make_registration(event, 1, ["day1"])).registration
    text = badge(event, person)

    first = await scan(event, text, device="door-A", scan_id="a-1")
    retry = await scan(event, text, device="door-A", scan_id="a-1")
    other_device = await scan(event, text, device="door-B", scan_id="a-1")

    assert first.result == retry.result == Result.OK, "the retry gets the first answer, ok"
    assert other_device.result == Result.ALREADY_CHECKED_IN, "scan ids are per device"
    assert await CheckIn.all().count() == 1
    assert await ScanLog.filter(scan_id="a-1").count() == 2


@pytest.mark.usefixtures("db")
async def test_a_scan_keeps_its_real_time_and_only_an_impossible_device_time_is_replaced() -> None:
    event = await workshop(capacity=5)  # a month ahead: these scans are a test run before it
    people = [(await make_registration(event, n, ["day1"])).registration for n in range(4)]
    an_hour_ago = clock.now() - timedelta(hours=1)
    before = clock.now()

    queued = await scan(event, badge(event, people[0]), "day1", scanned_at=an_hour_ago)
    too_old = await scan(event, badge(event, people[1]), "day1", scanned_at=datetime(2000, 1, 1, tzinfo=UTC))
    ahead = await scan(event, badge(event, people[2]), "day1", scanned_at=clock.now() + timedelta(days=3))
    now = await scan(event, badge(event, people[3]), "day1")

    assert queued.checked_in_at == an_hour_ago, "a scan queued offline keeps the time it was made"
    for answer in (too_old, ahead, now):
        assert answer.checked_in_at is not None and before <= answer.checked_in_at <= clock.now(), (
            "a time no device queue can have is replaced by the server's, never by the event's first day"
        )
    assert service.off_day(now.session, now.checked_in_at, event.timezone), "a month early: not the session's day"  # type: ignore[arg-type]


@pytest.mark.usefixtures("db")
async def test_thirty_devices_scanning_one_badge_at_once_count_it_once() -> None:
    event = await workshop()
    person = (await make_registration(event, 1, ["day1"])).registration
    text = badge(event, person)

    answers = await asyncio.gather(*(scan(event, text, device=f"door-{n}") for n in range(30)))

    results = [answer.result for answer in answers]
    assert results.count(Result.OK) == 1 and results.count(Result.ALREADY_CHECKED_IN) == 29
    assert await CheckIn.filter(registration=person).count() == 1


@pytest.mark.usefixtures("db")
async def test_a_check_in_racing_a_cancellation_never_counts_a_cancelled_seat_twice() -> None:
    event = await workshop(capacity=5)
    people = [(await make_registration(event, n, ["day1"])).registration for n in range(5)]

    work = [scan(event, badge(event, person)) for person in people] + [cancel(person) for person in people[::2]]
    await asyncio.gather(*work)

    for person in people:
        await person.refresh_from_db()
        counted = await CheckIn.filter(registration=person).count()
        assert counted <= 1
        log = [entry.result for entry in await ScanLog.filter(registration=person)]
        assert log in ([Result.OK], [Result.CANCELLED]), f"one clear answer each: {log}"


@pytest.mark.usefixtures("db")
async def test_a_seat_cancelled_between_look_up_and_count_is_answered_as_it_is_now() -> None:
    event = await workshop(capacity=5)
    person = (await make_registration(event, 1, ["day1"])).registration
    day1 = next(session for session in event.sessions if session.code == "day1")  # type: ignore[attr-defined]
    found, source = await service.find(event, day1, badge(event, person), KEY)
    assert found is not None and found.seat_status == "confirmed"

    await cancel(person)
    stale = Decision(event, day1, found, Result.OK, datetime.now(UTC), "door-A", None, None, source, "")
    scan = stores.Scan(event.id, day1, person.code, "door-A", None)
    answer = await stores.door_store().scan(scan, lambda _fresh: stale)  # decided on the seat as first read

    assert answer.result == Result.CANCELLED, "the seat as it is now, not as it was read"
    assert await CheckIn.filter(registration=person).count() == 0
    assert [entry.result for entry in await ScanLog.filter(registration=person)] == [Result.CANCELLED]


# --- The API --------------------------------------------------------------------------------------


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def door(app: Starlette) -> str:
    organizer = await staff_token()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await client.post("/api/v1/events", json=event_data(capacity=10), headers=auth(organizer))
    return await staff_token(Role.DOOR, "door@example.org")


async def test_the_api_answers_the_contracts_table(client: httpx.AsyncClient, door: str) -> None:
    body = {"name": "Maria Santos", "organization": "Kalayaan", "email": "m@example.org", "sessions": ["day1"]}
    person = (await client.post("/api/v1/events/workshop/registrations", json=body)).json()
    url = "/api/v1/events/workshop/checkins"

    ok = await client.post(
        url, json={"scan": person["code"], "session": "day1", "device": "door-A"}, headers=auth(door)
    )
    again = await client.post(url, json={"scan": person["code"], "session": "day1"}, headers=auth(door))
    not_held = await client.post(url, json={"scan": person["code"], "session": "reception"}, headers=auth(door))
    unknown = await client.post(url, json={"scan": "nonsense", "session": "day1"}, headers=auth(door))
    invalid = await client.post(url, json={"scan": person["code"], "session": "day9"}, headers=auth(door))
    malformed = await client.post(url, json={"scan": 5}, headers=auth(door))

    assert ok.status_code == 201 and ok.json()["result"] == "ok"
    assert ok.json()["registration"] == {
        "code": person["code"],
        "name": "Maria Santos",
        "organization": "Kalayaan",
        "category": "participant",
        "category_label": "参加者",  # the default category, named in the reader's language (Japanese first)
    }
    assert ok.json()["session"] == "day1" and ok.json()["checked_in_at"].endswith("+09:00")
    assert "email" not in ok.text and "m@example.org" not in ok.text, "door staff see no e-mail"
    assert again.status_code == 200 and again.json()["result"] == "already_checked_in"
    assert again.json()["device"] == "door-A" and again.json()["checked_in_at"] == ok.json()["checked_in_at"]
    assert (not_held.status_code, not_held.json()["result"]) == (409, "not_registered")
    assert (unknown.status_code, unknown.json()["result"]) == (404, "unknown")
    assert (invalid.status_code, invalid.json()["result"]) == (422, "invalid")
    assert (malformed.status_code, malformed.json()["result"]) == (422, "invalid")


async def test_undo_through_the_api(client: httpx.AsyncClient, door: str) -> None:
    body = {"name": "A", "email": "a@example.org", "sessions": ["day1"]}
    code = (await client.post("/api/v1/events/workshop/registrations", json=body)).json()["code"]
    await client.post("/api/v1/events/workshop/checkins", json={"scan": code, "session": "day1"}, headers=auth(door))

    undone = await client.delete(f"/api/v1/events/workshop/checkins/{code}/day1", headers=auth(door))
    twice = await client.delete(f"/api/v1/events/workshop/checkins/{code}/day1", headers=auth(door))

    assert undone.status_code == 204 and twice.status_code == 404


async def test_check_in_needs_a_staff_token_for_that_event(client: httpx.AsyncClient, door: str) -> None:
    from events.staff.models import StaffAccount

    anonymous = await client.post("/api/v1/events/workshop/checkins", json={"scan": "x", "session": "day1"})
    await client.post(
        "/api/v1/events",
        json=event_data("symposium"),
        headers=auth(await staff_token(Role.ORGANIZER, "o2@example.org")),
    )
    limited = await StaffAccount.get(email="door@example.org")
    limited.event = await Event.get(slug="symposium")  # type: ignore[assignment]
    await limited.save()
    other = await client.post(
        "/api/v1/events/workshop/checkins", json={"scan": "x", "session": "day1"}, headers=auth(door)
    )

    assert anonymous.status_code == 401 and other.status_code == 403


@pytest.mark.usefixtures("db")
async def test_attendance_counts_sessions_days_people_and_no_shows() -> None:
    from events.reports.attendance import attendance

    event = await workshop(capacity=3)
    people = [(await make_registration(event, n, ["day1", "reception", "day2"])).registration for n in range(4)]
    gone = (await make_registration(event, 9, ["day2"])).registration
    await cancel(gone)
    for person in people[:3]:
        await scan(event, badge(event, person), "day1")
    await scan(event, badge(event, people[0]), "reception")
    await scan(event, badge(event, people[1]), "day2")
    await scan(event, badge(event, people[1]), "day2")  # a repeated scan counts nothing
    await scan(event, badge(event, people[3]), "day1")  # waitlisted: refused, not counted

    figures = await attendance(await get_event("workshop"))

    sessions = {row["code"]: row for row in figures["sessions"]}
    assert figures["registrations"] == {"confirmed": 3, "waitlisted": 1, "cancelled": 1}
    assert (sessions["day1"]["confirmed"], sessions["day1"]["waitlisted"]) == (3, 1)
    assert (sessions["day1"]["checked_in"], sessions["day1"]["no_show"]) == (3, 0)
    assert (sessions["reception"]["checked_in"], sessions["reception"]["no_show"]) == (1, 2)
    assert (sessions["day2"]["checked_in"], sessions["day2"]["no_show"]) == (1, 2)
    assert figures["checked_in_unique"] == 3
    assert [day["checked_in_unique"] for day in figures["days"]] == [3, 1], "day 1: three people; day 2: one"


async def test_a_check_in_on_another_day_than_the_sessions_is_said_and_kept_out_of_the_chart(
    client: httpx.AsyncClient, door: str
) -> None:
    body = {"name": "Maria Santos", "email": "m@example.org", "sessions": ["day1"]}
    person = (await client.post("/api/v1/events/workshop/registrations", json=body)).json()

    ok = await client.post(
        "/api/v1/events/workshop/checkins?lang=en", json={"scan": person["code"], "session": "day1"}, headers=auth(door)
    )
    event = await get_event("workshop")
    (day1,) = [item for item in await arrivals(event) if item.session == "day1"]

    assert ok.status_code == 201 and ok.json()["off_day"] is True, ok.text
    assert "not today" in ok.json()["note"], "the door is told this is not the session's day"
    assert ok.json()["checked_in_at"][:10] == clock.local(clock.now(), "Asia/Tokyo").date().isoformat()
    assert day1.counts == [] and day1.elsewhere == 1, "counted, but not drawn a month before the session"
