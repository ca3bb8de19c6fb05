"""Importing paper registrations from CSV and XLSX: the preview, the one-transaction import, the pages, the CLI."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import time
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook
from starlette.applications import Starlette

from events.program.schemas import EventInput
from events.program.service import create_event, get_event
from events.registrations import importing
from events.registrations.importing import Outcome
from events.registrations.models import Registration, RegistrationChange, RegistrationStatus, Seat, SeatStatus
from events.registrations.sheets import UnreadableFile
from events.settings import Settings
from events.staff.models import Role
from events.staff.service import save_staff
from events.web import importing as import_pages
from tests.conftest import csrf_token, post_sign_in, tsudoi
from tests.factories import event_data, make_event, make_registration

PASSWORD = "correct horse battery"
HEADERS = ["氏名", "ふりがな", "所属", "メールアドレス", "区分", "参加セッション"]
ORGANIZATIONS = [
    "特定非営利活動法人 多文化共生ネットワーク東海 外国人相談センター",
    "一般社団法人 移住者と連帯する全国ネットワーク 関西ブロック事務局",
    "Kalayaan Migrant Workers Association of Japan, Nagoya Chapter",
]
#: Bad rows sit every 16th row from the 6th; each kind of mistake comes 5 times.
BAD_INDEXES = list(range(5, 500, 16))[:30]
BAD_KINDS = [
    Outcome.MISSING_NAME,
    Outcome.INVALID_EMAIL,
    Outcome.UNKNOWN_SESSION,
    Outcome.DUPLICATE_EMAIL,  # twice in the file
    Outcome.DUPLICATE_EMAIL,  # registered already
    Outcome.NO_SESSION,
]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def five_hundred_rows() -> tuple[bytes, list[tuple[int, Outcome]]]:
    """A 500-row file of which 30 are bad, and the (row number, outcome) each bad one should get."""
    rows: list[list[str]] = [HEADERS]
    expected = []
    for index in range(500):
        row = [
            f"参加者 {index}",
            f"さんかしゃ {index}",
            ORGANIZATIONS[index % 3],
            f"p{index}@example.org",
            "",
            "day1, lecture",
        ]
        if index in BAD_INDEXES:
            kind = BAD_INDEXES.index(index) % len(BAD_KINDS)
            if kind == 0:
                row[0] = ""
            elif kind == 1:
                row[3] = "not-an-address"
            elif kind == 2:
                row[5] = "day1, day9"
            elif kind == 3:
                row[3] = f" P{index - 1}@EXAMPLE.ORG "  # the row above, in other case and with spaces
            elif kind == 4:
                row[3] = f"registered{index}@example.org"
            else:
                row[5] = ""
            expected.append((index + 2, BAD_KINDS[kind]))  # the header is row 1
        rows.append(row)
    return csv_bytes(rows), expected


async def register_the_already_registered(event: object) -> None:
    for position, index in enumerate(BAD_INDEXES):
        if position % len(BAD_KINDS) == 4:
            await make_registration(event, index, email=f"registered{index}@example.org")  # type: ignore[arg-type]


# The service


async def test_a_500_row_file_with_30_bad_rows_imports_470_and_reports_the_30(db: Settings) -> None:
    event = await make_event(capacity=None)
    await register_the_already_registered(event)
    content, expected = five_hundred_rows()
    sheet = importing.read("paper.csv", content)

    preview = await importing.preview(event, sheet)
    written_before_confirming = await Registration.filter(event=event).count()
    done = await importing.carry_out(event, sheet)

    assert written_before_confirming == 5, "the preview writes nothing"
    assert len(preview.imported) == len(done.imported) == 470
    assert [(row.number, row.outcome) for row in done.skipped] == expected
    assert all(row.reason for row in done.skipped), "every skipped row says why"
    assert await Registration.filter(event=event).count() == 475
    assert await Seat.filter(registration__event=event).count() == 470 * 2 + 5
    assert await RegistrationChange.filter(action="imported").count() == 470, "each import is in the change log"
    report = list(csv.reader(io.StringIO(importing.skipped_csv(sheet, done.skipped).decode("utf-8-sig"))))
    assert report[0][:3] == ["row", "outcome", "reason"] and report[0][3:] == HEADERS
    assert [int(line[0]) for line in report[1:]] == [number for number, _outcome in expected]
    first_skipped = ["", "さんかしゃ 5", ORGANIZATIONS[2], "p5@example.org", "", "day1, lecture"]
    assert report[1][3:] == first_skipped, "the row as it was, its missing name too"


async def test_importing_the_same_file_again_adds_nobody(db: Settings) -> None:
    event = await make_event(capacity=None)
    await register_the_already_registered(event)
    content, _expected = five_hundred_rows()
    sheet = importing.read("paper.csv", content)
    await importing.carry_out(event, sheet)

    again = await importing.carry_out(event, sheet)

    assert await Registration.filter(event=event).count() == 5 + 470
    assert again.imported == []
    duplicates = sum(1 for row in again.rows if row.outcome == Outcome.DUPLICATE_EMAIL)
    assert duplicates == 470 + 10, "the 470 imported the first time, besides the 10 that were duplicates then"


async def test_the_confirmation_decides_again_with_whoever_registered_since_the_preview(db: Settings) -> None:
    event = await make_event(capacity=1)
    rows = [["name", "email", "day1"], ["Early", "early@example.org", "1"], ["Late", "late@example.org", "1"]]
    sheet = importing.read("paper.csv", csv_bytes(rows))
    preview = await importing.preview(event, sheet)

    await make_registration(event, 9, email="early@example.org")  # registered online meanwhile, taking the seat
    done = await importing.carry_out(event, sheet)

    assert [row.outcome for row in preview.rows] == [Outcome.NEW, Outcome.WAITLISTED]
    assert [row.outcome for row in done.rows] == [Outcome.DUPLICATE_EMAIL, Outcome.WAITLISTED]
    late = await Registration.get(email="late@example.org")
    assert late.status == RegistrationStatus.WAITLISTED, "the seat went to the online registration"


async def test_people_without_an_email_address_are_matched_by_name_and_organization(db: Settings) -> None:
    event = await make_event()
    content = csv_bytes([["name", "organization", "sessions"], ["Aiko Mori", "Kalayaan", "day1"], ["Ben", "", "day1"]])
    sheet = importing.read("phone.csv", content)

    first = await importing.carry_out(event, sheet)
    second = await importing.carry_out(event, sheet)

    assert len(first.imported) == 2 and second.imported == []
    assert {row.outcome for row in second.rows} == {Outcome.DUPLICATE_PERSON}


@pytest.mark.parametrize(("encoding", "bom"), [("cp932", b""), ("shift_jis", b""), ("utf-8", b"\xef\xbb\xbf")])
async def test_shift_jis_and_utf8_with_a_bom_read_correctly(db: Settings, encoding: str, bom: bytes) -> None:
    event = await make_event()
    name = "髙橋 ①" if encoding == "cp932" else "山田 花子"  # 髙 and ① exist only in Windows' Shift_JIS
    content = bom + csv_bytes([HEADERS, [name, "たかはし", "みんなの会", "t@example.org", "", "day1"]], encoding)

    sheet = importing.read("fax.csv", content)
    await importing.carry_out(event, sheet)

    assert sheet.headers == HEADERS, "no byte-order mark stuck to the first header"
    registration = await Registration.get(event=event)
    assert (registration.name, registration.name_reading, registration.organization) == (name, "たかはし", "みんなの会")


@pytest.mark.parametrize(
    "content",
    [
        "name,email\r\nJosé Müller,jose@example.org\r\n".encode("latin-1"),
        "name,email\r\n山田,y@example.org\r\n".encode("utf-16"),
        "name,email\r\n山田,y@example.org\r\n".encode("euc-jp"),
    ],
    ids=["latin-1", "utf-16", "euc-jp"],
)
def test_a_file_in_another_encoding_is_refused_with_a_clear_message(content: bytes) -> None:
    with pytest.raises(UnreadableFile) as refused:
        importing.read("other.csv", content)

    assert "UTF-8" in refused.value.message and "Shift_JIS" in refused.value.message
    assert "CSV UTF-8" in refused.value.message, "the message says how to save the file instead"


@pytest.mark.usefixtures("english")
def test_a_file_without_a_name_column_or_an_old_excel_file_is_refused() -> None:
    with pytest.raises(UnreadableFile, match="name"):
        importing.read("x.csv", csv_bytes([["email"], ["a@example.org"]]))
    with pytest.raises(UnreadableFile, match=r"\.xls"):
        importing.read("x.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(UnreadableFile, match="Excel"):
        importing.read("x.xlsx", b"PK\x03\x04 not really a zip")
    with pytest.raises(UnreadableFile, match="2000 rows"):
        importing.read("x.csv", csv_bytes([["name"]] + [[f"P{n}"] for n in range(2001)]))


async def test_an_xlsx_with_japanese_headers_marks_and_a_title_row(db: Settings) -> None:
    event = await make_event()
    rows: list[list[object]] = [
        ["2026年度 全国ワークショップ 申込者一覧"],
        [],
        ["氏名", "フリガナ", "所属団体", "Ｅメール", "区分", "言語", "Day 1", "Reception", "備考"],
        ["金 民秀", "キム ミンス", "ともに", "minsu@example.org", "Guest", "韓国語", "○", time(18, 0), "車椅子"],
        ["Maria Santos", "", "Kalayaan", "maria@example.org", "", "Tagalog", 1, "×", ""],
    ]
    sheet = importing.read("paper.xlsx", xlsx_bytes(rows))

    plan = await importing.preview(event, sheet)
    await importing.carry_out(event, sheet)

    assert [row.number for row in plan.rows] == [4, 5], "row numbers as the spreadsheet shows them"
    assert plan.columns.ignored == ["備考"]
    minsu = await Registration.get(email="minsu@example.org")
    maria = await Registration.get(email="maria@example.org")
    assert (minsu.name_reading, minsu.category, minsu.language) == ("キム ミンス", "guest", "ko")
    assert (maria.category, maria.language) == ("participant", "tl")
    minsu_sessions = await Seat.filter(registration=minsu).values_list("session__code", flat=True)
    assert sorted(minsu_sessions) == ["day1", "reception"], "○ and a time both mean yes"
    assert await Seat.filter(registration=maria).values_list("session__code", flat=True) == ["day1"], "× means no"


async def test_session_columns_are_found_by_code_title_part_of_a_bilingual_title_or_a_unique_start(
    db: Settings,
) -> None:
    data = event_data()
    data["sessions"][2]["title"] = "交流会 / Reception"
    event = await create_event(EventInput.model_validate(data))
    headers = ["name", "email", "DAY2", "交流会", "Evening", "Day", "notes"]
    sheet = importing.read("paper.csv", csv_bytes([headers, ["A", "a@example.org", "", "1", "1", "1", ""]]))

    plan = await importing.preview(event, sheet)

    found = {headers[index]: session.code for index, session in plan.columns.marks.items()}
    assert found == {"DAY2": "day2", "交流会": "reception", "Evening": "lecture"}
    assert plan.columns.ignored == ["Day", "notes"], "a start shared by two sessions matches neither"
    assert plan.rows[0].sessions == ("Evening lecture", "交流会 / Reception")


async def test_rows_over_capacity_are_waitlisted(db: Settings) -> None:
    event = await make_event(capacity=2)
    await make_registration(event, 1, sessions=["day1"])
    rows = [["name", "email", "day1", "lecture"]] + [[f"P{n}", f"paper{n}@example.org", "1", "1"] for n in range(3)]
    sheet = importing.read("paper.csv", csv_bytes(rows))

    preview = await importing.preview(event, sheet)
    done = await importing.carry_out(event, sheet)

    assert [row.outcome for row in preview.rows] == [Outcome.NEW, Outcome.WAITLISTED, Outcome.WAITLISTED]
    assert [row.outcome for row in done.rows] == [row.outcome for row in preview.rows]
    assert done.rows[1].waitlisted == ("Day 1",), "only the full session waits; the lecture has no limit"
    seats = await Seat.filter(session__code="day1", registration__email__startswith="paper").order_by("id")
    assert [seat.status for seat in seats] == [SeatStatus.CONFIRMED, SeatStatus.WAITLISTED, SeatStatus.WAITLISTED]
    statuses = await Registration.filter(email__startswith="paper").order_by("id").values_list("status", flat=True)
    assert statuses == [RegistrationStatus.CONFIRMED] * 3, "a confirmed lecture seat makes them confirmed"


# The staff pages


async def sign_in(client: httpx.AsyncClient, email: str) -> str:
    """Sign in; the staff area's CSRF token for the forms that follow."""
    await post_sign_in(client, email, PASSWORD)
    return csrf_token((await client.get("/staff/")).text)


async def upload(client: httpx.AsyncClient, token: str, content: bytes, name: str = "paper.csv") -> httpx.Response:
    return await client.post(
        "/staff/events/workshop/import?lang=en",
        data={"csrf_token": token},
        files={"file": (name, content, "text/csv")},
    )


@pytest.fixture(autouse=True)
def uploads_in_the_tests_own_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_pages, "UPLOADS_DIR", tmp_path / "uploads")


@pytest.fixture
async def organizer(app: Starlette) -> str:
    await save_staff("organizer@example.org", Role.ORGANIZER, password=PASSWORD)
    return "organizer@example.org"


async def test_an_organizer_previews_then_confirms_and_downloads_the_skipped_rows(
    client: httpx.AsyncClient, organizer: str
) -> None:
    event = await make_event(capacity=None)
    await register_the_already_registered(event)
    content, expected = five_hundred_rows()
    token = await sign_in(client, organizer)

    uploaded = await upload(client, token, content)
    preview = await client.get(uploaded.headers["location"])
    written_at_preview = await Registration.filter(event=event).count()
    confirm_url = uploaded.headers["location"] + "/confirm"
    confirmed = await client.post(confirm_url, data={"csrf_token": token})
    done = await client.get(confirmed.headers["location"] + "?lang=en")
    confirmed_again = await client.post(confirm_url, data={"csrf_token": token})
    skipped = await client.get(uploaded.headers["location"] + "/skipped.csv")

    assert uploaded.status_code == 303, "a 500-row file is larger than 64 KiB and still accepted"
    assert len(content) > 64 * 1024
    assert preview.status_code == 200 and "Import 470 registrations" in preview.text
    assert written_at_preview == 5, "nothing is written before the organizer confirms"
    assert confirmed.status_code == 303 and "470 registrations were imported" in done.text
    assert confirmed_again.status_code == 303 and await Registration.filter(event=event).count() == 5 + 470
    lines = list(csv.reader(io.StringIO(skipped.content.decode("utf-8-sig"))))
    assert skipped.headers["content-disposition"].endswith('skipped-rows.csv"')
    assert [(int(line[0]), line[1]) for line in lines[1:]] == [(number, str(outcome)) for number, outcome in expected]
    change = await RegistrationChange.filter(action="imported").prefetch_related("staff").first()
    assert change is not None and change.staff is not None and change.staff.email == organizer


async def test_an_unreadable_file_comes_back_to_the_form_with_the_reason(
    client: httpx.AsyncClient, organizer: str
) -> None:
    await make_event()
    token = await sign_in(client, organizer)

    response = await upload(client, token, "name\r\nJosé\r\n".encode("latin-1"))

    assert response.status_code == 422
    assert 'class="field-error"' in response.text and "Shift_JIS" in response.text


async def test_an_upload_belongs_to_the_session_that_made_it(
    client: httpx.AsyncClient, app: Starlette, organizer: str
) -> None:
    await make_event()
    await save_staff("other@example.org", Role.ORGANIZER, password=PASSWORD)
    token = await sign_in(client, organizer)
    location = await upload(client, token, csv_bytes([["name", "email", "day1"], ["A", "a@example.org", "1"]]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as other:
        other_token = await sign_in(other, "other@example.org")
        seen = await other.get(location.headers["location"])
        confirmed = await other.post(location.headers["location"] + "/confirm", data={"csrf_token": other_token})

    assert seen.status_code == confirmed.status_code == 404
    assert await Registration.all().count() == 0


async def test_the_import_pages_need_csrf_and_refuse_door_accounts(client: httpx.AsyncClient, organizer: str) -> None:
    await make_event()
    await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    token = await sign_in(client, organizer)
    location = await upload(client, token, csv_bytes([["name", "email", "day1"], ["A", "a@example.org", "1"]]))
    without_token = await client.post(location.headers["location"] + "/confirm", data={})
    await client.post("/staff/logout", data={"csrf_token": token})

    await sign_in(client, "door@example.org")
    door_answers = [
        (await client.get("/staff/events/workshop/import")).status_code,
        (await upload(client, token, b"name\r\nA\r\n")).status_code,
        (await client.get(location.headers["location"])).status_code,
        (await client.post(location.headers["location"] + "/confirm", data={"csrf_token": token})).status_code,
        (await client.get(location.headers["location"] + "/skipped.csv")).status_code,
    ]

    assert without_token.status_code == 403
    assert door_answers == [403] * 5
    assert await Registration.all().count() == 0


async def test_only_the_import_route_takes_bodies_over_64_kib(client: httpx.AsyncClient, organizer: str) -> None:
    await make_event()
    token = await sign_in(client, organizer)
    rows = [[f"Participant {n}", f"p{n}@example.org", ORGANIZATIONS[n % 3], "1"] for n in range(1000)]
    big = csv_bytes([["name", "email", "organization", "day1"], *rows])

    accepted = await upload(client, token, big)
    walk_in = await client.post("/staff/events/workshop/walk-in", data={"csrf_token": token, "name": "x" * 70_000})
    too_big = await upload(client, token, b"name\r\n" + b"x" * (5 * 1024 * 1024))

    assert len(big) > 64 * 1024 and accepted.status_code == 303
    assert walk_in.status_code == 413, "every other route still refuses 64 KiB and more"
    assert too_big.status_code == 413


# The command


async def test_the_cli_dry_run_writes_nothing_and_the_real_run_imports(db: Settings, tmp_path: Path) -> None:
    event = await make_event(capacity=None)
    await register_the_already_registered(event)
    content, expected = five_hundred_rows()
    (tmp_path / "paper.csv").write_bytes(content)
    env = {"DATABASE_URL": db.database_url, "TSUDOI_SECRET_KEY": "x"}

    dry = await asyncio.to_thread(tsudoi, "import", "workshop", "paper.csv", "--dry-run", cwd=tmp_path, env=env)
    after_dry_run = await Registration.filter(event=event).count()
    real = await asyncio.to_thread(tsudoi, "import", "workshop", "paper.csv", cwd=tmp_path, env=env)
    again = await asyncio.to_thread(tsudoi, "import", "workshop", "paper.csv", cwd=tmp_path, env=env)

    assert dry.returncode == 0, dry.stderr
    assert after_dry_run == 5 and "Dry run: nothing was written. 470 would be imported" in dry.stdout
    assert real.returncode == 0 and "Imported 470 registration(s)" in real.stdout
    assert await Registration.filter(event=event).count() == 5 + 470
    for number, _outcome in expected:
        assert f"  row {number}: " in real.stdout, f"row {number} is reported with its reason"
    assert again.returncode == 1 and "Imported 0 registration(s)" in again.stdout, "nothing imported twice"


def test_the_cli_refuses_an_unreadable_file_and_explains_itself(tmp_path: Path) -> None:
    (tmp_path / "latin.csv").write_bytes("name\r\nJosé\r\n".encode("latin-1"))
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "TSUDOI_SECRET_KEY": "x"}

    refused = tsudoi("import", "workshop", "latin.csv", cwd=tmp_path, env=env)
    missing = tsudoi("import", "workshop", "nowhere.csv", cwd=tmp_path, env=env)
    explained = tsudoi("import", "--help", cwd=tmp_path)

    assert refused.returncode == 1 and "Shift_JIS" in refused.stderr
    assert missing.returncode == 1 and "nowhere.csv" in missing.stderr
    assert explained.returncode == 0 and "--dry-run" in explained.stdout and "usage: tsudoi import" in explained.stdout


async def test_the_empty_template_imports_as_it_is_with_its_example_row(
    client: httpx.AsyncClient, organizer: str
) -> None:
    await make_event(capacity=5)
    token = await sign_in(client, organizer)

    template = await client.get("/staff/events/workshop/import-template.csv")
    event = await get_event("workshop", include_hidden=True)
    plan = await importing.carry_out(event, importing.read("template.csv", template.content))

    assert template.status_code == 200 and template.content.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    assert (
        template.content.decode("utf-8-sig").splitlines()[0].startswith("氏名,ふりがな,所属,メールアドレス,区分,言語")
    )
    assert [row.outcome for row in plan.rows] == [Outcome.NEW], "the example row reads as a person"
    assert plan.rows[0].sessions == ("Day 1",), "the ○ under the first session marks it"
    assert token


async def test_a_wrong_category_is_explained_with_the_categories_labels(db: Settings) -> None:
    event = await make_event(categories=[{"code": "member", "label": "会員"}])
    sheet = importing.read("paper.csv", csv_bytes([["name", "category", "day1"], ["A", "nope", "1"]]))

    plan = await importing.preview(event, sheet)

    assert "会員" in plan.rows[0].reason and "member" not in plan.rows[0].reason.split(":")[-1]
