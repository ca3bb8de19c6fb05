"""Who is inside now: sessions whose door scans people out as well as in. Attendance stays as it
was (the first entry counts); presence and the room's count follow each entry and exit once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from events import clock
from events.checkin import presence, service
from events.checkin.models import Presence, Result, ScanLog
from events.program.models import Event, Session
from events.program.service import get_event
from events.reports.attendance import attendance
from events.staff.models import Role
from tests.factories import event_data, make_registration, staff_token

pytestmark = pytest.mark.usefixtures("app")

KEY = "test-secret-key"


async def reception(room_limit: int | None = None, **changes: Any) -> Event:
    """The workshop with exits counted at the reception (and nowhere else)."""
    data = event_data(capacity=None, **changes)
    for session in data["sessions"]:
        if session["code"] == "reception":
            session.update(exits=True, room_limit=room_limit)
    from events.program.schemas import EventInput
    from events.program.service import create_event

    await create_event(EventInput.model_validate(data))
    return await get_event("workshop")


async def guest(event: Event, number: int = 1) -> str:
    return (await make_registration(event, number, ["day1", "reception"])).registration.code


async def enter(event: Event, code: str, **kwargs: Any) -> service.ScanAnswer:
    return await service.check_in(event, code, "reception", secret_key=KEY, **kwargs)


async def leave(event: Event, code: str, **kwargs: Any) -> service.ScanAnswer:
    return await service.check_out(event, code, "reception", secret_key=KEY, **kwargs)


async def room(event: Event) -> dict[str, Any]:
    figures = await attendance(await get_event("workshop"))
    return next(row for row in figures["sessions"] if row["code"] == "reception")


async def test_in_out_and_in_again_counts_the_room_and_attendance_once() -> None:
    event = await reception()
    code = await guest(event)

    first = await enter(event, code)
    out = await leave(event, code)
    out_again = await leave(event, code)
    back = await enter(event, code)
    figures = await room(event)

    assert (first.result, first.inside) == (Result.OK, 1)
    assert (out.result, out.inside) == (Result.OUT, 0)
    assert (out_again.result, out_again.inside) == (Result.NOT_INSIDE, 0), "not inside: refused"
    assert (back.result, back.inside) == (Result.OK, 1), "back in after leaving is ok again"
    assert figures["checked_in"] == 1, "attendance counts the first entry only"
    assert (figures["inside"], figures["peak_inside"]) == (1, 1)
    assert [log.result for log in await ScanLog.filter(session__code="reception").order_by("id")] == [
        "ok",
        "out",
        "not_inside",
        "already_checked_in",
    ], "every scan is logged"


async def test_someone_never_inside_cannot_be_checked_out() -> None:
    event = await reception()
    code = await guest(event)

    answer = await leave(event, code)

    assert answer.result == Result.NOT_INSIDE and answer.status_code == 409
    assert (await room(event))["inside"] == 0


async def test_thirty_simultaneous_exits_of_one_person_count_one() -> None:
    event = await reception()
    code = await guest(event)
    await enter(event, code)

    answers = await asyncio.gather(*(leave(event, code, device=f"door-{n}") for n in range(30)))

    results = sorted(answer.result for answer in answers)
    assert results.count(Result.OUT) == 1, results
    assert results.count(Result.NOT_INSIDE) == 29
    assert (await room(event))["inside"] == 0
    session = await Session.get(event_id=event.id, code="reception")
    assert session.inside_now == 0, "the count never goes below zero"


async def test_entries_and_exits_of_many_at_once_keep_the_count_equal_to_who_is_inside() -> None:
    event = await reception()
    codes = [await guest(event, number) for number in range(1, 21)]
    await asyncio.gather(*(enter(event, code, device=f"in-{n % 3}") for n, code in enumerate(codes)))

    await asyncio.gather(
        *(leave(event, code, device=f"out-{n % 4}") for n, code in enumerate(codes[:8])),
        *(leave(event, code, device="out-x") for code in codes[:8]),  # each exit scanned twice
        *(enter(event, code, device="in-again") for code in codes[15:]),  # already inside: nothing new
    )

    figures = await room(event)
    assert await Presence.filter(session__code="reception", inside=True).count() == 12
    assert figures["inside"] == 12 and figures["peak_inside"] == 20


async def test_a_scan_id_sent_again_gets_its_first_answer_and_counts_nothing_new() -> None:
    event = await reception()
    code = await guest(event)
    await enter(event, code)

    first = await leave(event, code, device="door-A", scan_id="s-1")
    again = await leave(event, code, device="door-A", scan_id="s-1")

    assert first.result == again.result == Result.OUT
    assert await ScanLog.filter(scan_id="s-1").count() == 1


async def test_a_session_without_exits_refuses_a_checkout_and_keeps_no_room_count() -> None:
    from events.errors import InvalidInput

    event = await reception()
    code = await guest(event)
    await service.check_in(event, code, "day1", secret_key=KEY)

    with pytest.raises(InvalidInput):
        await service.check_out(event, code, "day1", secret_key=KEY)
    figures = await attendance(await get_event("workshop"))
    day = next(row for row in figures["sessions"] if row["code"] == "day1")
    assert "inside" not in day


async def test_undoing_a_check_in_counts_the_person_out() -> None:
    event = await reception()
    code = await guest(event)
    await enter(event, code)

    await service.undo(event, code, "reception")

    assert (await room(event))["inside"] == 0


async def test_everyone_is_counted_out_when_the_session_has_ended() -> None:
    event = await reception()
    code = await guest(event)
    await enter(event, code)
    session = await Session.get(event_id=event.id, code="reception")
    session.ends_at = clock.now() - timedelta(minutes=1)
    session.starts_at = clock.now() - timedelta(hours=2)
    await session.save()

    figures = await room(event)

    assert figures["inside"] == 0 and figures["peak_inside"] == 1, "closed: nobody inside, the peak kept"
    assert not await Presence.filter(inside=True).exists()


async def someone_inside_an_ended_session() -> Event:
    """The reception with one person inside, then its end moved to a minute ago (nobody read since)."""
    event = await reception()
    await enter(event, await guest(event))
    session = await Session.get(event_id=event.id, code="reception")
    session.starts_at, session.ends_at = clock.now() - timedelta(hours=2), clock.now() - timedelta(minutes=1)
    await session.save()
    return event


async def test_the_rooms_of_ended_sessions_are_closed_without_anyone_reading_them() -> None:
    event = await someone_inside_an_ended_session()

    closed = await presence.close_ended_rooms()
    stored = await Session.get(event_id=event.id, code="reception")

    assert closed == 1, "one room had ended with someone inside"
    assert (stored.inside_now, stored.peak_inside) == (0, 1), "the stored count is nobody; the peak is kept"
    assert not await Presence.filter(inside=True).exists()
    assert await presence.close_ended_rooms() == 0, "closing again changes nothing"


async def test_a_room_still_open_is_left_as_it_is() -> None:
    event = await reception()
    await enter(event, await guest(event))  # the reception is in the future: still open

    closed = await presence.close_ended_rooms()

    assert closed == 0 and (await Session.get(event_id=event.id, code="reception")).inside_now == 1


async def test_the_room_closer_the_app_runs_closes_ended_rooms_as_it_starts() -> None:
    event = await someone_inside_an_ended_session()
    closer = presence.RoomCloser(every=3600)

    await closer.start()
    try:
        stored = await Session.get(event_id=event.id, code="reception")
    finally:
        await closer.stop()

    assert stored.inside_now == 0, "the first closing is done before the app answers"


async def test_the_door_is_warned_as_the_room_nears_its_limit(client: httpx.AsyncClient) -> None:
    event = await reception(room_limit=10)
    codes = [await guest(event, number) for number in range(1, 11)]
    token = await staff_token(Role.DOOR)
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

    answers = [
        await client.post(
            "/api/v1/events/workshop/checkins", json={"scan": code, "session": "reception"}, headers=headers
        )
        for code in codes
    ]

    assert [answer.json()["inside"] for answer in answers] == list(range(1, 11))
    assert "warning" not in answers[7].json(), "8 of 10: no warning yet"
    assert answers[8].json()["warning"] == "9 inside: the room holds 10."
    assert answers[9].json()["room_limit"] == 10


async def test_the_api_counts_out_as_the_contract_says(client: httpx.AsyncClient) -> None:
    event = await reception()
    code = await guest(event)
    token = await staff_token(Role.DOOR)
    headers = {"Authorization": f"Bearer {token}"}
    body = {"scan": code, "session": "reception", "device": "exit"}
    await client.post("/api/v1/events/workshop/checkins", json=body, headers=headers)

    out = await client.post("/api/v1/events/workshop/checkouts", json=body, headers=headers)
    not_inside = await client.post("/api/v1/events/workshop/checkouts", json=body, headers=headers)
    no_exits = await client.post("/api/v1/events/workshop/checkouts", json={**body, "session": "day1"}, headers=headers)
    shown = (await client.get("/api/v1/events/workshop/attendance", headers=headers)).json()
    reception_row = next(row for row in shown["sessions"] if row["code"] == "reception")

    assert out.status_code == 201 and out.json()["result"] == "out" and out.json()["inside"] == 0
    assert out.json()["session"] == "reception"
    assert not_inside.status_code == 409 and not_inside.json()["error"] == "not_inside"
    assert no_exits.status_code == 422
    assert reception_row["inside"] == 0 and reception_row["peak_inside"] == 1
    event_json = (await client.get("/api/v1/events/workshop")).json()
    assert next(s for s in event_json["sessions"] if s["code"] == "reception")["exits"] is True


async def test_the_peak_inside_agrees_on_the_report_page_the_files_and_the_pdf(client: httpx.AsyncClient) -> None:
    import csv
    import io

    import openpyxl

    from tests.conftest import sign_in
    from tests.test_badges import page_text

    event = await reception()
    codes = [await guest(event, number) for number in range(1, 5)]
    for code in codes[:3]:
        await enter(event, code)
    await leave(event, codes[0])
    await enter(event, codes[3])  # three inside again: the peak stays 3, first reached before
    peak_at = (await room(event))["peak_at"]
    organizer = {"Authorization": f"Bearer {await staff_token(Role.ORGANIZER)}", "Accept-Language": "en"}
    base = "/api/v1/events/workshop"

    attendance_csv = await client.get(f"{base}/attendance.csv", headers=organizer)
    attendance_xlsx = await client.get(f"{base}/attendance.xlsx", headers=organizer)
    pdf = await client.get(f"{base}/report.pdf?lang=en", headers=organizer)
    await sign_in(client, Role.ORGANIZER)
    page = await client.get("/staff/events/workshop/report", headers={"Accept-Language": "en"})

    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(attendance_csv.content.decode("utf-8-sig")))}
    sheet = openpyxl.load_workbook(io.BytesIO(attendance_xlsx.content)).active
    header, *values = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook = {row[0]: dict(zip(header, row, strict=True)) for row in values}
    assert (await room(event))["peak_inside"] == 3
    assert rows["reception"]["peak_inside"] == "3" and rows["reception"]["peak_at"] == peak_at
    assert rows["day1"]["peak_inside"] == "", "a session that counts no exits has no peak"
    assert workbook["reception"]["peak_inside"] == 3
    assert "Most inside at once" in page.text and "<td>3</td>" in page.text
    text = page_text(pdf.content)
    month, day, time = int(peak_at[5:7]), int(peak_at[8:10]), peak_at[11:16]
    assert "Most inside at once" in text and f"{month}/{day} {time}" in text, "the peak and when, in the PDF"
