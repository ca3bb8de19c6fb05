"""Bad input is refused with the contract's 4xx, never a 500: each case a security review found.

A slug too long for any event, a NUL in a path or a search, a lone surrogate (half of a UTF-16
pair, sent in JSON as `\\ud800`) in a name or an answer, names made only of invisible characters,
and text kept before these rules: each is answered 404 or 422 in the reader's language, with no
traceback in the log, and nothing kept can stop a page, a file or an erasure.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Mount, Route
from tortoise import connections
from tortoise.exceptions import ValidationError

from events.api.openapi import build
from events.errors import InvalidInput
from events.program.models import Event
from events.questions.models import Answer, Question, QuestionKind
from events.registrations.models import Registration, RegistrationChange
from events.validation import Input, RequiredText, parse
from events.web import importing
from events.web.errors import refused_by_the_orm
from tests.conftest import csrf_token, sign_in
from tests.factories import event_data, make_event, make_registration, staff_token


@pytest.fixture
async def answering(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client that gets the app's answer even when it is a 500 (the usual one raises instead)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def workshop(app: Starlette) -> Event:
    event = await make_event("workshop")
    await Question.create(event=event, code="note", label="Anything else?", kind=QuestionKind.LONG_TEXT, position=0)
    return event


@pytest.fixture
def errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """What the app logs at ERROR or above while the test runs: a traceback for each 500."""
    with caplog.at_level(logging.ERROR):
        yield caplog.records


def every_route(app: Starlette) -> Iterator[tuple[str, str]]:
    """(path, method) for every route of the app, the staff area's included."""
    for item in app.routes:
        routes = [(f"{item.path}{inner.path}", inner) for inner in item.routes] if isinstance(item, Mount) else []
        if isinstance(item, Route):
            routes = [(item.path, item)]
        for path, found in routes:
            if isinstance(found, Route):
                for method in sorted(found.methods or ()):
                    if method != "HEAD":
                        yield path, method


def filled(path: str, values: dict[str, str]) -> str:
    return re.sub(r"{(\w+)(?::\w+)?}", lambda match: values.get(match.group(1), "1"), path)


JSON = {"Content-Type": "application/json"}


def register_body(**changes: Any) -> dict[str, Any]:
    return {"name": "Ana Reyes", "email": "ana@example.org", "sessions": ["day1"], **changes}


def as_json(body: Any) -> dict[str, Any]:
    """A request body as JSON text, lone surrogates written `\\ud800` as a client sends them
    (`json=` would fail to encode them before sending)."""
    return {"content": json.dumps(body), "headers": JSON}


# Path parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["a" * 65, "a" * 300])
async def test_a_slug_too_long_for_any_event_is_a_plain_404_on_every_route(
    app: Starlette, answering: httpx.AsyncClient, errors_logged: list[logging.LogRecord], slug: str
) -> None:
    await make_event("workshop")
    token = await staff_token()
    routes = [(path, method) for path, method in every_route(app) if "{slug}" in path]
    assert len(routes) > 60, "every route naming an event is tried"

    for path, method in routes:
        url = filled(path, {"slug": slug, "session": "day1", "session_code": "day1"})
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/html"}
        answer = await answering.request(method, url, headers=headers)

        assert answer.status_code == 404, f"{method} {path}: {answer.status_code}"
        if path.startswith("/api/"):
            assert answer.json()["error"] == "not_found", f"{method} {path}: the contract's shape"
        else:
            assert answer.headers["content-type"].startswith("text/html"), f"{method} {path}: the error page"
    assert errors_logged == [], "no traceback for anyone's mistyped link"


async def test_every_path_parameter_without_its_shape_is_a_404_never_a_query(
    app: Starlette, answering: httpx.AsyncClient, errors_logged: list[logging.LogRecord]
) -> None:
    event = await make_event("workshop")
    registration = (await make_registration(event)).registration
    token = await staff_token()
    good = {"slug": "workshop", "secret": registration.secret, "code": registration.code}
    good |= {"registration_code": registration.code, "session": "day1", "session_code": "day1"}
    # NUL fails PostgreSQL's encoding; "ｗ" (not ASCII) failed a kiosk label's signature check.
    malformed = ["x\x00y", "ｗ" * 30, "b" * 300]
    tried = 0

    for path, method in every_route(app):
        for name in re.findall(r"{(\w+)}", path):
            for value in malformed:
                url = filled(path, {**good, name: value.replace("\x00", "%00")})
                answer = await answering.request(method, url, headers={"Authorization": f"Bearer {token}"})
                tried += 1

                assert answer.status_code == 404, f"{method} {path} with {name}={value[:8]!r}: {answer.status_code}"
    assert tried > 300
    assert errors_logged == []


# NUL in a path, a query or a form ------------------------------------------------------------


async def test_nul_in_a_path_is_a_404_and_in_a_search_a_422_naming_it(
    workshop: Event, answering: httpx.AsyncClient, errors_logged: list[logging.LogRecord]
) -> None:
    token = {"Authorization": f"Bearer {await staff_token()}"}
    await sign_in(answering)

    in_path = await answering.get("/api/v1/events/work%00shop")
    api_search = await answering.get("/api/v1/events/workshop/registrations?q=Ana%00", headers=token)
    page_search = await answering.get("/staff/events/workshop?q=%00Ana", headers={"Accept": "text/html"})
    door_search = await answering.get("/staff/events/workshop/scan/search?q=An%00a")

    assert in_path.status_code == 404 and in_path.json()["error"] == "not_found"
    assert api_search.status_code == 422, api_search.text
    assert api_search.json()["fields"] == {"q": "制御文字は使えません（U+0000）。"}, "in the reader's language"
    assert page_search.status_code == 422 and "U+0000" in page_search.text
    assert door_search.status_code == 422 and door_search.json()["fields"].keys() == {"q"}
    assert errors_logged == []


@pytest.mark.parametrize("path", ["/events/workshop/link", "/staff/login"])
async def test_nul_in_a_form_is_refused_before_anything_looks_it_up(
    workshop: Event, answering: httpx.AsyncClient, errors_logged: list[logging.LogRecord], path: str
) -> None:
    # "Send me my link again" and the sign-in form looked the address up: PostgreSQL refused the NUL.
    page = await answering.get("/events/workshop")
    form = {"csrf_token": csrf_token(page.text), "email": "ana\x00@example.org", "password": "x"}

    answer = await answering.post(path, data=form, headers={"Accept": "text/html"})

    assert answer.status_code == 422, answer.text[:300]
    assert "U+0000" in answer.text
    assert errors_logged == []


async def test_a_csrf_token_that_is_not_ascii_is_refused_not_crashed_on(
    workshop: Event, answering: httpx.AsyncClient
) -> None:
    await answering.get("/events/workshop")  # a session, so there is a token to compare with
    form = await answering.post("/events/workshop/link", data={"csrf_token": "ｗ" * 32, "email": "a@example.org"})
    await sign_in(answering)
    door = await answering.post(
        "/staff/events/workshop/scan", json={"scan": "X", "session": "day1"}, headers={"X-CSRF-Token": b"\xe9" * 32}
    )

    assert form.status_code == 403, "the form's token is compared as text, not crashed on"
    assert door.status_code == 403, "and so is the door page's header"


# Lone surrogates --------------------------------------------------------------------------------


async def test_a_lone_surrogate_in_a_name_is_refused_in_the_readers_language(
    workshop: Event, answering: httpx.AsyncClient, errors_logged: list[logging.LogRecord]
) -> None:
    url = "/api/v1/events/workshop/registrations"

    japanese = await answering.post(url, **as_json(register_body(name="Ana \ud800")))
    english = await answering.post(
        url,
        content=json.dumps(register_body(name="\udfffAna")),
        headers={"Content-Type": "application/json", "Accept-Language": "en"},
    )

    assert japanese.status_code == 422, japanese.text
    assert japanese.json()["fields"] == {"name": "正しい文字ではありません（U+D800 は文字として扱えません）。"}
    assert english.status_code == 422
    assert english.json()["fields"] == {"name": "Not valid text (found U+DFFF, which is not a character)."}
    assert await Registration.all().count() == 0
    assert errors_logged == []


async def test_a_lone_surrogate_in_a_free_text_answer_is_refused_and_not_kept(
    workshop: Event, answering: httpx.AsyncClient
) -> None:
    # SQLite kept it (its JSON escaped it), and from then on the person's exports and pages failed.
    answer = await answering.post(
        "/api/v1/events/workshop/registrations", **as_json(register_body(answers={"note": "wheelchair \ud83d"}))
    )

    assert answer.status_code == 422, answer.text
    assert answer.json()["fields"] == {"answers.note": "正しい文字ではありません（U+D83D は文字として扱えません）。"}
    assert await Answer.all().count() == 0 and await Registration.all().count() == 0


async def test_a_lone_surrogate_anywhere_in_a_body_is_refused_where_it_is(
    workshop: Event, answering: httpx.AsyncClient
) -> None:
    """Fields without a text rule of their own (a description, a payment's note, a door's device,
    an unknown answer's key) are refused all the same, at their place in the body."""
    token = {"Authorization": f"Bearer {await staff_token()}"}

    patch = await answering.patch(
        "/api/v1/events/workshop",
        content=json.dumps({"description": "x\ud800"}),
        headers={**token, **JSON},
    )
    scan = await answering.post(
        "/api/v1/events/workshop/checkins",
        content=json.dumps({"scan": "ABCD", "session": "day1", "device": "door\udc00"}),
        headers={**token, **JSON},
    )
    key = await answering.post(
        "/api/v1/events/workshop/registrations", **as_json(register_body(answers={"n\ud800te": "x"}))
    )

    assert patch.status_code == 422 and patch.json()["fields"].keys() == {"description"}
    assert scan.status_code == 422 and scan.json()["result"] == "invalid" and scan.json()["fields"].keys() == {"device"}
    assert key.status_code == 422 and key.json()["fields"].keys() == {"answers"}, "a bad key at its object's place"


# Names of nothing visible ------------------------------------------------------------------------

INVISIBLE_NAMES = {
    "zero-width space": "\u200b\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "byte-order mark": "\ufeff",
    "Hangul filler": "\u3164",
    "Hangul choseong filler": "\u115f",
    "Hangul jungseong filler": "\u1160",
    "combining acute accent alone": "\u0301",
    "variation selector": "\ufe0f",
    "ideographic space and a zero-width space": "\u3000\u200b",
    "Braille blank": "\u2800",
}
#: Real names that need a zero-width character inside: they stay as written.
JOINED_NAMES = {
    "Persian with ZWNJ": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
    "Sinhala with ZWJ": "\u0dc1\u0dca\u200d\u0dbb\u0dd3",
    "Malayalam with ZWJ": "\u0d28\u0d4d\u200d",
    "a family emoji": "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "a Japanese name": "山田 花子",
}


@pytest.mark.parametrize("kind", INVISIBLE_NAMES)
async def test_a_name_of_only_invisible_characters_is_no_name(
    workshop: Event, answering: httpx.AsyncClient, kind: str
) -> None:
    answer = await answering.post(
        "/api/v1/events/workshop/registrations",
        json=register_body(name=INVISIBLE_NAMES[kind]),
        headers={"Accept-Language": "en"},
    )

    assert answer.status_code == 422, f"{kind}: {answer.text}"
    assert answer.json()["fields"] == {"name": "This field is required."}


async def test_a_name_of_zero_width_spaces_is_refused_on_the_form_too(
    workshop: Event, answering: httpx.AsyncClient
) -> None:
    page = await answering.get("/events/workshop?lang=en")
    form = {"csrf_token": csrf_token(page.text), "name": "\u200b\ufeff", "email": "ana@example.org", "sessions": "day1"}

    answer = await answering.post("/events/workshop", data=form)

    assert answer.status_code == 422
    assert "This field is required." in answer.text
    assert await Registration.all().count() == 0


@pytest.mark.parametrize("kind", JOINED_NAMES)
async def test_zero_width_joiners_inside_real_names_stay(
    workshop: Event, answering: httpx.AsyncClient, kind: str
) -> None:
    name = JOINED_NAMES[kind]

    answer = await answering.post("/api/v1/events/workshop/registrations", json=register_body(name=name))

    assert answer.status_code == 201, f"{kind}: {answer.text}"
    assert (await Registration.get(code=answer.json()["code"])).name == name


def test_the_openapi_pattern_of_a_name_agrees_with_the_server() -> None:
    """The document's pattern for a required line refuses what the server refuses (invisible
    names, controls, surrogates) and allows what it allows, so a client checking it is not misled."""
    pattern = re.compile(build()["components"]["schemas"]["RegistrationInput"]["properties"]["name"]["pattern"])
    refused = [*INVISIBLE_NAMES.values(), "Ana\x00", "A\ud800", "\u202eAna", "Ana\ufffe"]

    for name in refused:
        assert pattern.search(name) is None, f"the pattern allows {name!r}"
        with pytest.raises(InvalidInput):
            parse(NameOnly, {"name": name})
    for name in JOINED_NAMES.values():
        assert pattern.search(name), f"the pattern refuses {name!r}"
        parse(NameOnly, {"name": name})


class NameOnly(Input):
    name: RequiredText


# Text kept before these rules --------------------------------------------------------------------


async def test_a_lone_surrogate_kept_before_the_rules_stops_no_page_file_or_erasure(
    app: Starlette, workshop: Event, answering: httpx.AsyncClient, errors_logged: list[logging.LogRecord]
) -> None:
    """SQLite kept lone surrogates in JSON text (an answer, a translated title, a category's label,
    the change log); migration 0028 mends them, and whatever else such a character may come from,
    every page and file shows U+FFFD for it rather than failing, and the person can be erased."""
    if not app.state.settings.is_sqlite:
        pytest.skip("PostgreSQL cannot hold a lone surrogate (jsonb refuses its escape): nothing to show")
    registration = (await make_registration(workshop, answers={"note": "wheelchair"})).registration
    client = connections.get("default")
    await client.execute_query('UPDATE "answer" SET "value" = ?', ['"wheelchair \\ud800 access"'])
    await client.execute_query(
        'UPDATE "event" SET "translations" = ?, "categories" = ?',
        ['{"en":{"title":"Work\\udc00shop"}}', '[{"code":"participant","label":"Guest \\udbff"}]'],
    )
    await client.execute_query(
        'INSERT INTO "registration_change" ("registration_id", "action", "details", "created_at") VALUES (?, ?, ?, ?)',
        [registration.id, "edited", '{"name":["Ana \\ud800",""]}', "2030-01-01 00:00:00+00:00"],
    )
    token = {"Authorization": f"Bearer {await staff_token()}"}
    await sign_in(answering)
    code, secret = registration.code, registration.secret
    urls = [
        "/api/v1/events/workshop/participants.csv",
        "/api/v1/events/workshop/participants.xlsx",
        "/api/v1/events/workshop/registrations",
        "/api/v1/events/workshop/attendance.xlsx",
        "/api/v1/events/workshop/payments.xlsx",
        "/api/v1/events/workshop/report.pdf",
        "/api/v1/events/workshop?lang=en",
        f"/api/v1/registrations/{secret}",
        f"/api/v1/registrations/{secret}/badge.pdf",
        f"/api/v1/registrations/{secret}/calendar.ics",
        "/staff/events/workshop",
        "/staff/events/workshop?q=Participant",
        f"/staff/events/workshop/registrations/{code}",
        f"/staff/events/workshop/registrations/{code}/data.json",
        "/staff/events/workshop/downloads/participants.csv",
        "/staff/events/workshop/downloads/participants.xlsx",
        f"/manage/{secret}?lang=en",
        "/events/workshop?lang=en",
        "/events/workshop/calendar.ics?lang=en",
    ]

    answers = {url: await answering.get(url, headers={**token, "Accept-Language": "en"}) for url in urls}

    failed = {url: answer.status_code for url, answer in answers.items() if answer.status_code != 200}
    assert failed == {}, "every page and file of that person still answers"
    assert "wheelchair \ufffd access" in answers["/api/v1/events/workshop/participants.csv"].content.decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(answers["/api/v1/events/workshop/participants.xlsx"].content)).active
    assert "wheelchair \ufffd access" in [cell.value for row in sheet.iter_rows() for cell in row], "the XLSX opens"
    assert json.loads(answers[f"/staff/events/workshop/registrations/{code}/data.json"].content)
    assert "wheelchair \ufffd access" in answers[f"/staff/events/workshop/registrations/{code}"].text

    page = answers[f"/staff/events/workshop/registrations/{code}"]
    erased = await answering.post(
        f"/staff/events/workshop/registrations/{code}/erase",
        data={"csrf_token": csrf_token(page.text), "confirm": "yes"},
    )

    assert erased.status_code == 303, "the organizer can erase that person"
    assert (await Registration.get(id=registration.id)).erased_at is not None
    assert errors_logged == []


# Found by the fuzzing of every input (tests/test_bad_input_fuzz.py) ---------------------------------


async def test_a_time_zone_name_too_long_for_a_file_name_is_refused(
    app: Starlette, answering: httpx.AsyncClient, errors_logged: list[logging.LogRecord]
) -> None:
    # ZoneInfo opened a file of that name: the OS refused the name (OSError), not the zone database.
    token = {"Authorization": f"Bearer {await staff_token()}", "Accept-Language": "en"}

    answer = await answering.post("/api/v1/events", json=event_data(timezone="😀" * 65), headers=token)

    assert answer.status_code == 422, answer.text[:300]
    assert answer.json()["fields"].keys() == {"timezone"}
    assert errors_logged == []


async def test_the_audit_trail_of_a_slug_no_event_could_have_is_empty(
    workshop: Event, answering: httpx.AsyncClient, errors_logged: list[logging.LogRecord]
) -> None:
    await sign_in(answering)

    answer = await answering.get("/staff/audit", params={"event": "名" * 100})

    assert answer.status_code == 200, "no entries, rather than a query the ORM refuses"
    assert errors_logged == []


@pytest.mark.parametrize("field", ["price.participant.day1", "policy_value"])
async def test_a_digit_that_is_no_number_is_refused_on_the_fees_page(
    workshop: Event, answering: httpx.AsyncClient, field: str
) -> None:
    # "¹".isdigit() is true, but int("¹") fails: the page answered 500.
    await sign_in(answering)
    page = await answering.get("/staff/events/workshop/fees")
    form = {"csrf_token": csrf_token(page.text), "policy_from": "2030-01-01", "policy_kind": "percent", field: "¹"}

    answer = await answering.post("/staff/events/workshop/fees", data=form)

    assert answer.status_code == 422, answer.text[:300]


async def test_an_address_typed_at_the_kiosk_too_long_for_anyone_finds_nobody(
    workshop: Event, answering: httpx.AsyncClient, errors_logged: list[logging.LogRecord]
) -> None:
    await sign_in(answering)
    token = csrf_token((await answering.get("/staff/events/workshop")).text)

    answer = await answering.post(
        "/staff/events/workshop/kiosk/scan", json={"scan": "a" * 260 + "@example.org"}, headers={"X-CSRF-Token": token}
    )

    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["outcome"] == "not_found"
    assert errors_logged == []


async def test_a_content_length_of_a_digit_that_is_no_number_is_refused(answering: httpx.AsyncClient) -> None:
    answer = await answering.post("/api/v1/tokens", headers={"Content-Length": b"\xb9"})

    assert answer.status_code == 413


async def test_a_value_the_orm_refuses_is_a_422_with_a_warning_not_a_traceback(
    app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever check we still lack, a value longer than its column is answered like any field that
    fails validation; the warning names the field and the route, never the value."""
    scope = {"type": "http", "method": "GET", "path": "/api/v1/events/x", "headers": [], "app": app}
    refused = ValidationError(f"slug: Length of '{'Ana Reyes' * 8}' 72 > 64")

    with caplog.at_level(logging.WARNING, logger="tsudoi.errors"):
        answer = await refused_by_the_orm(Request(scope), refused)

    assert answer.status_code == 422
    assert json.loads(bytes(answer.body))["error"] == "invalid"
    assert [record.getMessage() for record in caplog.records] == ["the ORM refused a value of slug on GET ?"]
    assert not any(record.exc_info for record in caplog.records), "no traceback"


async def test_a_file_name_holding_nul_is_kept_readable_when_a_sheet_is_imported(
    workshop: Event,
    answering: httpx.AsyncClient,
    errors_logged: list[logging.LogRecord],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The change log kept the upload's name in JSON, which PostgreSQL's jsonb refuses to hold a NUL in.
    monkeypatch.setattr(importing, "UPLOADS_DIR", tmp_path / "uploads")
    await sign_in(answering)
    token = csrf_token((await answering.get("/staff/events/workshop")).text)
    sheet = "氏名,メールアドレス,参加セッション\r\n高橋 花子,hanako@example.org,day1\r\n".encode()

    # Written by hand: httpx, like a browser, would send the NUL as %00; another client need not.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token.encode() + b"\r\n"
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="list\x00.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + sheet + b"\r\n--b--\r\n"
    )
    uploaded = await answering.post(
        "/staff/events/workshop/import", content=body, headers={"Content-Type": "multipart/form-data; boundary=b"}
    )
    confirmed = await answering.post(uploaded.headers["location"] + "/confirm", data={"csrf_token": token})

    assert uploaded.status_code == 303 and confirmed.status_code == 303, confirmed.text[:300]
    change = await RegistrationChange.get(action="imported")
    assert change.details["file"] == "list\ufffd.csv"
    assert errors_logged == []
