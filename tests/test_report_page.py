"""The reports in the staff area: one event's attendance page with its files, and the events compared over the years."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from events.checkin import service as checkin
from events.http.downloads import FILES
from events.program.models import Event
from events.program.schemas import EventInput
from events.program.service import create_event, get_event
from events.registrations.models import Registration
from events.registrations.service import cancel
from events.reports import history
from events.reports.attendance import definition
from events.staff.models import Role
from events.staff.service import issue_token
from tests.conftest import sign_in
from tests.factories import event_data, make_event, make_registration

KEY = "test-secret-key"
BOM = b"\xef\xbb\xbf"
TOKYO = ZoneInfo("Asia/Tokyo")


async def came(event: Event, person: Registration, *sessions: str) -> None:
    """The door counts `person` in at each session, with the code typed in."""
    for session in sessions:
        answer = await checkin.check_in(event, person.code, session, secret_key=KEY, device="door-A")
        assert answer.status_code == 201, f"{person.name} checked in at {session}"


def cells(html: str, heading: str) -> list[str]:
    """The data cells of the table row whose row heading starts with `heading`."""
    match = re.search(rf'<th scope="row">(?:<a [^>]*>)?{re.escape(heading)}\b.*?</th>(.*?)</tr>', html, re.S)
    assert match, f"a row for {heading!r}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


async def test_an_organizer_reads_the_figures_and_charts_of_a_small_event(client: httpx.AsyncClient) -> None:
    await make_event(capacity=10, days_ahead=0)  # held today: the arrivals are drawn on the session's own day
    event = await get_event("workshop")
    aoki = (await make_registration(event, 1, ["day1", "lecture"])).registration
    baba = (await make_registration(event, 2, ["day1"])).registration
    await make_registration(event, 3, ["day1"])  # registered, never came
    await came(event, aoki, "day1", "lecture")
    await came(event, baba, "day1")
    await sign_in(client)
    event_page = await client.get("/staff/events/workshop?lang=en")

    page = await client.get("/staff/events/workshop/report?lang=en")

    assert "/staff/events/workshop/report" in event_page.text, "the event's staff page links to its report"
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    #                                capacity confirmed waitlisted checked in walk-ins no-shows guests
    assert cells(html, "Day 1") == ["10", "3", "0", "2", "0", "1", "0"], "day 1: three seats, two came"
    assert cells(html, "Evening lecture") == ["—", "1", "0", "1", "0", "0", "0"], "an open lecture has no capacity"
    assert cells(html, "Participant") == ["3", "0", "0", "2"], "the category: 3 confirmed, 2 people came"
    assert cells(html, "All sessions")[:2] == ["0", "3"], "all three check-ins were typed codes, none scanned"
    assert html.count("<svg") == 3, "one bar chart, and arrivals for the two sessions anyone came to"
    assert "style=" not in html and "<script" not in html, "nothing the CSP would block"
    assert definition("no_show") in html and definition("checked_in_unique") in html, "the headings are defined"
    for name in FILES:
        assert f"/staff/events/workshop/downloads/{name}" in html, f"a download link for {name}"


async def test_an_event_nobody_registered_for_says_so_instead_of_empty_charts(client: httpx.AsyncClient) -> None:
    await make_event()
    await sign_in(client)

    page = await client.get("/staff/events/workshop/report?lang=en")

    assert page.status_code == 200
    assert "Nobody has registered or been checked in yet" in page.text
    assert "<svg" not in page.text, "no chart of nothing"
    assert "/staff/events/workshop/downloads/attendance.csv" in page.text, "the files are still offered"


async def test_registrations_without_check_ins_show_the_figures_and_point_to_the_scanner(
    client: httpx.AsyncClient,
) -> None:
    event = await make_event()
    await make_registration(event, 1, ["day1"])
    await sign_in(client)

    page = await client.get("/staff/events/workshop/report?lang=en")

    assert cells(page.text, "Day 1")[:4] == ["10", "1", "0", "0"]
    assert page.text.count("<svg") == 1, "the bar chart, and no arrivals yet"
    assert "Nobody has been checked in yet" in page.text and "/staff/events/workshop/scan" in page.text


async def test_a_door_account_is_refused_every_report_and_file(client: httpx.AsyncClient) -> None:
    event = await make_event()
    await sign_in(client, Role.DOOR, event=event)
    urls = [
        "/staff/events/workshop/report",
        "/staff/events/workshop/downloads/attendance.csv",
        "/staff/events/workshop/downloads/no-such-file",
        "/staff/reports",
        "/staff/reports/events.csv",
    ]

    answers = {url: (await client.get(url)).status_code for url in urls}

    assert answers == dict.fromkeys(urls, 403), "reports are for organizers only"
    assert (await client.get("/staff/events/workshop/live")).status_code == 200, "the door's own pages still work"


async def test_an_organizer_limited_to_one_event_does_not_see_the_whole_network(client: httpx.AsyncClient) -> None:
    event = await make_event()
    await sign_in(client, Role.ORGANIZER, event=event)

    assert (await client.get("/staff/events/workshop/report")).status_code == 200
    assert (await client.get("/staff/reports")).status_code == 403
    assert (await client.get("/staff/reports/events.csv")).status_code == 403


async def test_the_attendance_csv_opens_in_excel_and_plain_for_other_programs(client: httpx.AsyncClient) -> None:
    event = await make_event()
    await make_registration(event, 1, ["day1"])
    await sign_in(client)

    for_excel = await client.get("/staff/events/workshop/downloads/attendance.csv")
    plain = await client.get("/staff/events/workshop/downloads/attendance.csv?bom=0")

    assert for_excel.status_code == plain.status_code == 200
    assert for_excel.content.startswith(BOM), "Excel on a Japanese Windows needs the BOM to read UTF-8"
    assert plain.content.startswith(b"code,title,"), "?bom=0: plain UTF-8, the header first"
    assert for_excel.headers["content-disposition"] == 'attachment; filename="workshop-attendance.csv"'


async def test_a_file_that_is_not_offered_is_not_found(client: httpx.AsyncClient) -> None:
    await make_event()
    await sign_in(client)

    unknown = await client.get("/staff/events/workshop/downloads/attendance.json")
    other_event = await client.get("/staff/events/nowhere/downloads/attendance.csv")

    assert unknown.status_code == 404 and other_event.status_code == 404


def forum_data() -> dict[str, Any]:
    """Next year's forum: a plenary and a workshop, no day sessions, lecture or reception."""
    day = date.today() + timedelta(days=400)

    def at(hour: int) -> str:
        return datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO).isoformat()

    sessions = [
        {"code": "plenary", "title": "Plenary", "kind": "plenary", "starts_at": at(10), "ends_at": at(12)},
        {"code": "ws1", "title": "Workshop A", "kind": "workshop", "starts_at": at(13), "ends_at": at(15)},
    ]
    return event_data("forum", title="Forum", starts_on=day.isoformat(), ends_on=day.isoformat(), sessions=sessions)


async def two_years_of_events() -> None:
    """This year's workshop and next year's forum, with who came to what."""
    await make_event("workshop", days_ahead=30)
    workshop = await get_event("workshop")
    hana = (await make_registration(workshop, 1, ["day1", "day2", "lecture"])).registration
    ken = (await make_registration(workshop, 2, ["day1"])).registration
    await make_registration(workshop, 3, ["day1"])  # confirmed, did not come
    await cancel((await make_registration(workshop, 4, ["day1"])).registration)
    await came(workshop, hana, "day1", "day2", "lecture")  # at both days: counts twice for "day"
    await came(workshop, ken, "day1")

    await create_event(EventInput.model_validate(forum_data()))
    forum = await get_event("forum")
    mari = (await make_registration(forum, 11, ["plenary", "ws1"])).registration
    jun = (await make_registration(forum, 12, ["plenary"])).registration
    await came(forum, mari, "plenary", "ws1")
    await came(forum, jun, "plenary")


async def test_the_events_compared_over_the_years_count_each_kind_of_session(client: httpx.AsyncClient) -> None:
    await two_years_of_events()
    await sign_in(client)
    dashboard = await client.get("/staff/?lang=en")

    page = await client.get("/staff/reports?lang=en")
    download = await client.get("/staff/reports/events.csv?bom=0")

    assert 'href="http://testserver/staff/reports"' in dashboard.text, "the dashboard links to the comparison"
    assert page.status_code == 200
    html = page.text
    headers = re.findall(r"<th>([^<]*)</th>", html.split("</thead>")[0])
    assert headers[1:] == [
        "Registrations confirmed",
        "People checked in",
        "Day sessions",
        "Plenaries",
        "Workshops",
        "Lectures",
        "Receptions",
    ], "only the kinds some event had, in their usual order"
    assert html.index("Forum") < html.index("全国ワークショップ"), "newest first"
    #                                    confirmed people day plenary workshop lecture reception
    assert cells(html, "全国ワークショップ") == ["3", "2", "3", "—", "—", "1", "0"], "both days of Hana count"
    assert cells(html, "Forum") == ["2", "2", "—", "2", "1", "—", "—"], "— where the forum had no such session"
    assert "counts twice" in html, "the page says how a kind's attendance is counted"
    assert "/staff/reports/events.csv" in html

    assert download.status_code == 200 and not download.content.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8"))))
    assert [row["slug"] for row in rows] == ["forum", "workshop"]
    wanted = ["confirmed", "checked_in_unique", *(f"checked_in_{kind}" for kind in history.KINDS)]
    figures = {row["slug"]: {key: row[key] for key in wanted if key in row} for row in rows}
    assert figures == {
        "forum": {
            "confirmed": "2",
            "checked_in_unique": "2",
            "checked_in_day": "",
            "checked_in_plenary": "2",
            "checked_in_workshop": "1",
            "checked_in_lecture": "",
            "checked_in_reception": "",
        },
        "workshop": {
            "confirmed": "3",
            "checked_in_unique": "2",
            "checked_in_day": "3",
            "checked_in_plenary": "",
            "checked_in_workshop": "",
            "checked_in_lecture": "1",
            "checked_in_reception": "0",
        },
    }, "the CSV has the page's figures; a kind the event did not have is empty, not 0"
    with_bom = await client.get("/staff/reports/events.csv")
    assert with_bom.content.startswith(BOM), "for Excel by default"


@pytest.mark.usefixtures("db")
async def test_an_event_nobody_came_to_keeps_its_line_with_zeros() -> None:
    await make_event("quiet")

    [row] = await history.compare_events()

    assert (row.slug, row.confirmed, row.checked_in_unique) == ("quiet", 0, 0)
    assert row.by_kind == {"day": 0, "lecture": 0, "reception": 0}, "its kinds are there, with nobody at them"


async def test_the_staff_participants_file_is_headed_in_the_readers_language_and_the_api_keeps_the_contract(
    client: httpx.AsyncClient,
) -> None:
    await make_event(categories=[{"code": "member", "label": "個人会員"}])
    event = await get_event("workshop")
    await make_registration(event, 1, ["day1"], category="member")
    account = await sign_in(client)
    token = await issue_token(account)

    staff_file = await client.get("/staff/events/workshop/downloads/participants.csv?lang=ja")
    api_file = await client.get(
        "/api/v1/events/workshop/participants.csv", headers={"Authorization": f"Bearer {token}"}
    )

    staff_rows = list(csv.reader(io.StringIO(staff_file.content.decode("utf-8-sig"))))
    api_rows = list(csv.reader(io.StringIO(api_file.content.decode("utf-8-sig"))))
    assert staff_rows[0][:2] == ["コード", "氏名"] and "Day 1" in staff_rows[0], staff_rows[0]
    assert staff_rows[1][3] == "個人会員" and staff_rows[1][5] == "参加確定", "labels, not codes"
    assert api_rows[0][:6] == ["code", "name", "organization", "category", "email", "status"]
    assert api_rows[1][3] == "member" and api_rows[1][5] == "confirmed"
