"""The annual report's figures: one workshop, and every way its figures leave the system agrees.

The workshop of the issue: 240 participants, 150 on the first day, 148 on the second, 136 at the
evening lecture, 106 at the reception. It is built through the services, with the noise a real
door makes (repeated scans, refused scans, an undone check-in, cancellations, a waiting list,
walk-ins and +1 guests), then read back as JSON, CSV, XLSX and PDF.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import openpyxl
import pypdfium2
import pytest

from events.badges import tokens
from events.checkin import service as checkin
from events.checkin.models import GuestEntry, Result, Source
from events.program.models import Event
from events.program.service import get_event
from events.registrations.models import Registration
from events.registrations.schemas import RegistrationInput
from events.registrations.service import cancel, register
from events.reports.exports import defused
from events.staff.models import Role
from tests.factories import event_data, make_event, staff_token

KEY = "test-secret-key"
CATEGORIES = ["individual_member", "organizational_member", "subscriber", "non_member", "guest", "staff"]
PEOPLE = 240
# Who came to what (person numbers): day 1 and day 2 together cover all 240.
CAME = {
    "day1": range(0, 150),
    "day2": range(92, 240),
    "lecture": range(0, 136),
    "reception": range(0, 106),
}
# Who registered for what: everyone who came, and some who did not (no-shows).
HOLDS = {
    "day1": range(0, 160),
    "lecture": range(0, 140),
    "reception": range(0, 110),  # the reception's 110 seats; 110-114 wait for one
}
WALK_INS = range(232, 240)  # registered at the desk on the second day
EXPECTED_SESSIONS = {
    #            confirmed, waitlisted, checked_in, walk_ins, no_show, guests
    "day1": (161, 0, 150, 0, 11, 0),
    "lecture": (140, 0, 136, 0, 4, 0),
    "reception": (110, 6, 106, 0, 4, 5),
    "day2": (148, 0, 148, 8, 0, 0),
}
COLUMNS = ("confirmed", "waitlisted", "checked_in", "walk_ins", "no_show", "guests")


async def scan(event: Event, person: Registration, session: str, **kwargs: Any) -> checkin.ScanAnswer:
    badge = tokens.badge_token(KEY, event.id, person.code, person.secret)
    return await checkin.check_in(event, badge, session, secret_key=KEY, device="door-A", **kwargs)


async def person(event: Event, n: int, sessions: list[str], category: str) -> Registration:
    data = RegistrationInput(name=f"参加者 {n}", email=f"p{n}@example.org", sessions=sessions, category=category)
    return (await register(event, data)).registration


async def build_workshop() -> Event:
    data = event_data(capacity=None, categories=CATEGORIES)
    for session in data["sessions"]:
        if session["code"] == "reception":
            session["capacity"] = 110
    await make_event(**{key: value for key, value in data.items() if key != "slug"})
    event = await get_event("workshop")

    people: dict[int, Registration] = {}
    for n in range(PEOPLE):
        if n in WALK_INS:
            continue
        held = [code for code in ("day1", "lecture", "reception") if n in HOLDS[code]]
        held += ["reception"] if 110 <= n < 115 else []
        held += ["day2"] if n in CAME["day2"] else []
        people[n] = await person(event, n, held, CATEGORIES[n % 6])
    waiting_only = await person(event, 1001, ["reception"], "subscriber")
    gone = [await person(event, 1002 + k, ["day1"], "non_member") for k in range(2)]
    undone = await person(event, 1004, ["day1"], "staff")

    for code in ("day1", "lecture", "reception"):
        for n in CAME[code]:
            assert (await scan(event, people[n], code)).result == Result.OK
    for n in CAME["day2"]:
        if n in WALK_INS:
            people[n] = await person(event, n, ["day2"], CATEGORIES[n % 6])
            answer = await scan(event, people[n], "day2", source=Source.WALK_IN)
        else:
            answer = await scan(event, people[n], "day2")
        assert answer.result == Result.OK

    # The noise: none of it may count.
    for n in (0, 1, 2):
        assert (await scan(event, people[n], "day1")).result == Result.ALREADY_CHECKED_IN
    for gone_person in gone:
        await cancel(gone_person)
        assert (await scan(event, gone_person, "day1")).result == Result.CANCELLED
    assert (await scan(event, waiting_only, "reception")).result == Result.WAITLISTED
    assert (await scan(event, people[239], "day1")).result == Result.NOT_REGISTERED
    assert (await checkin.check_in(event, "ZZZZ-ZZZZ", "day1", secret_key=KEY)).result == Result.UNKNOWN
    assert (await scan(event, undone, "day1")).result == Result.OK
    assert await checkin.undo(event, undone.code, "day1")
    reception = next(s for s in event.sessions if s.code == "reception")  # type: ignore[attr-defined]
    for _ in range(5):
        await GuestEntry.create(session_id=reception.id, device="door-B")
    return event


@pytest.fixture
async def workshop(app: Any) -> Event:
    """The workshop, built while the app runs (the app owns the database connection)."""
    return await build_workshop()


def assert_sessions(rows: dict[str, dict[str, Any]], source: str) -> None:
    for code, expected in EXPECTED_SESSIONS.items():
        got = tuple(int(rows[code][column] or 0) for column in COLUMNS)
        assert got == expected, f"{source}, {code}: {dict(zip(COLUMNS, got, strict=True))}"


async def test_the_workshop_figures_come_out_the_same_in_json_csv_xlsx_and_pdf(
    workshop: Event, client: httpx.AsyncClient
) -> None:
    organizer = {"Authorization": f"Bearer {await staff_token(Role.ORGANIZER)}"}
    base = "/api/v1/events/workshop"

    figures = (await client.get(f"{base}/attendance", headers=organizer)).json()
    attendance_csv = await client.get(f"{base}/attendance.csv", headers=organizer)
    attendance_xlsx = await client.get(f"{base}/attendance.xlsx", headers=organizer)
    participants_csv = await client.get(f"{base}/participants.csv", headers=organizer)
    participants_xlsx = await client.get(f"{base}/participants.xlsx", headers=organizer)

    # JSON
    assert figures["checked_in_unique"] == PEOPLE, "240 different people came"
    assert figures["registrations"] == {"confirmed": 241, "waitlisted": 1, "cancelled": 2}
    assert [day["checked_in_unique"] for day in figures["days"]] == [150, 148]
    assert figures["guests"] == 5
    assert_sessions({row["code"]: row for row in figures["sessions"]}, "JSON")
    day2 = next(row for row in figures["sessions"] if row["code"] == "day2")
    assert day2["by_source"]["walk_in"] == 8 and day2["by_source"]["scan"] == 140, "how the count was taken"
    by_category = {row["code"]: row for row in figures["categories"]}
    assert [by_category[code]["checked_in_unique"] for code in CATEGORIES] == [40] * 6
    assert by_category["staff"]["confirmed"] == 41 and by_category["subscriber"]["waitlisted"] == 1
    assert by_category["non_member"]["cancelled"] == 2

    # attendance.csv and .xlsx: one row per session
    assert attendance_csv.status_code == 200 and attendance_csv.content.startswith(b"\xef\xbb\xbf"), "BOM for Excel"
    csv_rows = list(csv.DictReader(io.StringIO(attendance_csv.content.decode("utf-8-sig"))))
    assert_sessions({row["code"]: row for row in csv_rows}, "attendance.csv")
    sheet = openpyxl.load_workbook(io.BytesIO(attendance_xlsx.content)).active
    header, *values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert_sessions({row[0]: dict(zip(header, row, strict=True)) for row in values}, "attendance.xlsx")
    assert sheet.freeze_panes == "A2", "the header row stays in view"

    # participants.csv and .xlsx: one row per registration, a check-in time per session
    people = list(csv.DictReader(io.StringIO(participants_csv.content.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(participants_xlsx.content)).active
    header, *values = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook_people = [dict(zip(header, row, strict=True)) for row in values]
    for source, rows in (("participants.csv", people), ("participants.xlsx", workbook_people)):
        assert len(rows) == 244, f"{source}: every registration, cancelled ones too"
        counted = {code: sum(1 for row in rows if row[code]) for code in EXPECTED_SESSIONS}
        assert counted == {code: expected[2] for code, expected in EXPECTED_SESSIONS.items()}, source
        came = sum(1 for row in rows if any(row[code] for code in EXPECTED_SESSIONS))
        assert came == PEOPLE, f"{source}: 240 people with at least one check-in time"

    # The PDF report
    report = await client.get(f"{base}/report.pdf?lang=ja", headers=organizer)
    assert report.status_code == 200 and report.headers["content-type"] == "application/pdf"
    text = " ".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(report.content))
    for figure in ("240", "150", "148", "136", "106", "161", "110"):
        assert figure in text, f"the report shows {figure}"
    assert "全国ワークショップ" in text, "the Japanese title renders (the CJK font is embedded)"


async def test_names_cannot_become_spreadsheet_formulas(client: httpx.AsyncClient) -> None:
    organizer = {"Authorization": f"Bearer {await staff_token(Role.ORGANIZER)}"}
    await make_event(capacity=None)
    event = await get_event("workshop")
    for n, name in enumerate(['=HYPERLINK("http://evil","x")', "+81 90", "-1+1", "@SUM(A1)", "山田 花子"]):
        await register(event, RegistrationInput(name=name, email=f"f{n}@example.org", sessions=["day1"]))

    plain = await client.get("/api/v1/events/workshop/participants.csv?bom=0", headers=organizer)
    workbook = await client.get("/api/v1/events/workshop/participants.xlsx", headers=organizer)

    assert not plain.content.startswith(b"\xef\xbb\xbf"), "?bom=0 is plain UTF-8"
    names = {row["name"] for row in csv.DictReader(io.StringIO(plain.text))}
    assert names == {'\'=HYPERLINK("http://evil","x")', "'+81 90", "'-1+1", "'@SUM(A1)", "山田 花子"}
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells), "stored as text, never as a formula"
    assert {cell.value for cell in cells} >= {'=HYPERLINK("http://evil","x")', "@SUM(A1)"}, "shown as written"


def test_a_formula_start_is_defused_and_other_text_left_alone() -> None:
    assert defused("=1+1") == "'=1+1"
    assert defused("\t=1") == "'\t=1"
    assert defused("Nguyễn") == "Nguyễn"
    assert defused(12) == 12


@pytest.mark.parametrize("name", ["attendance.csv", "attendance.xlsx", "participants.csv", "participants.xlsx"])
async def test_only_organizers_download(client: httpx.AsyncClient, name: str) -> None:
    await make_event()
    door = {"Authorization": f"Bearer {await staff_token(Role.DOOR)}"}
    url = f"/api/v1/events/workshop/{name}"

    assert (await client.get(url)).status_code == 401, "no token"
    assert (await client.get(url, headers=door)).status_code == 403, "door staff never see exports"


async def test_a_bad_bom_value_is_a_clear_error(client: httpx.AsyncClient) -> None:
    await make_event()
    organizer = {"Authorization": f"Bearer {await staff_token(Role.ORGANIZER)}"}

    answer = await client.get("/api/v1/events/workshop/attendance.csv?bom=yes", headers=organizer)

    assert answer.status_code == 422 and "bom" in answer.json()["fields"]
