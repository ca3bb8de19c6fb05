"""The self check-in kiosk: a participant checks themselves in; anything needing a person sends them
to the desk with nothing personal on screen; a kiosk account reaches the kiosk and nothing else."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from events.badges import tokens
from events.checkin import kiosk
from events.checkin.models import CheckIn, Source
from events.program.models import Event
from events.program.schemas import EventInput
from events.program.service import create_event, get_event
from events.questions.schemas import QuestionInput
from events.questions.service import add_question
from events.registrations.models import Registration
from events.staff.models import Role
from events.staff.service import keep_to_event, save_staff
from tests.conftest import STAFF_PASSWORD, csrf_token, post_sign_in
from tests.factories import event_data, make_registration

pytestmark = pytest.mark.usefixtures("app")

KEY = "test-secret-key"
TOKYO = ZoneInfo("Asia/Tokyo")


async def today_event(capacity: int | None = 1, **changes: Any) -> Event:
    """A one-day event whose only session started an hour ago (one seat unless told)."""
    now = datetime.now(TOKYO)
    data = event_data(starts_on=now.date().isoformat(), ends_on=now.date().isoformat(), **changes)
    data["sessions"] = [
        {
            "code": "day1",
            "title": "Day 1",
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(hours=3)).isoformat(),
            "capacity": capacity,
            "translations": {"ko": {"title": "첫째 날"}},
        },
    ]
    await create_event(EventInput.model_validate(data))
    return await get_event("workshop")


async def person(event: Event, number: int = 1, **changes: Any) -> Registration:
    return (await make_registration(event, number, ["day1"], **changes)).registration


def badge(event: Event, registration: Registration) -> str:
    return tokens.badge_token(KEY, event.id, registration.code, registration.secret)


async def at_kiosk(event: Event, typed: str) -> kiosk.KioskAnswer:
    return await kiosk.check_in(event, typed, secret_key=KEY)


async def test_a_badge_scanned_at_the_kiosk_welcomes_in_the_persons_language_and_counts_as_kiosk() -> None:
    event = await today_event()
    minji = await person(event, name="김민지", language="ko")

    answer = await at_kiosk(event, badge(event, minji))

    assert answer.outcome == kiosk.Outcome.WELCOME
    assert answer.headline == "환영합니다, 김민지 님" and "첫째 날" in answer.detail
    checkin = await CheckIn.get(registration_id=minji.id)
    assert checkin.source == Source.KIOSK, "counted as kiosk among the ways a check-in was taken"


async def test_a_code_or_the_exact_e_mail_address_works_and_nothing_else_finds_anyone() -> None:
    event = await today_event(capacity=None)
    by_code = await person(event, 1)
    by_email = await person(event, 2, email="Maria@Example.org")

    code = await at_kiosk(event, by_code.code.lower())
    email = await at_kiosk(event, "maria@example.org")
    partial = await at_kiosk(event, "maria")
    name = await at_kiosk(event, by_code.name)

    assert code.outcome == email.outcome == kiosk.Outcome.WELCOME
    assert by_email.name in email.headline
    assert partial.outcome == name.outcome == kiosk.Outcome.NOT_FOUND, "no search: names find nobody"
    assert by_code.name not in partial.headline + partial.detail


@pytest.mark.parametrize("trouble", ["balance", "waitlisted", "question", "printed"])
async def test_anything_needing_a_person_says_see_the_desk_with_nothing_personal(trouble: str) -> None:
    changes: dict[str, Any] = {"kiosk_prints_badges": trouble == "printed"}
    if trouble == "balance":
        changes["prices"] = [{"category": "participant", "session": "day1", "amount": 2000}]
    event = await today_event(**changes)
    first = await person(event, 1, name="Seat Holder")
    someone = await person(event, 2, name="Hidden Person") if trouble == "waitlisted" else first
    if trouble == "question":  # asked after they registered: unanswered
        question = {"code": "diet", "label": "Diet", "kind": "short_text", "required": True}
        await add_question(event, QuestionInput.model_validate(question))
        event = await get_event("workshop")
    if trouble == "printed":
        await at_kiosk(event, badge(event, first))  # the label was printed this morning

    answer = await at_kiosk(event, badge(event, someone))

    assert answer.outcome == kiosk.Outcome.SEE_THE_DESK, trouble
    assert "desk" in answer.headline and someone.name not in answer.headline + answer.detail
    assert answer.print_code is None


async def test_a_kiosk_account_reaches_its_kiosk_and_nothing_else(client: httpx.AsyncClient) -> None:
    event = await today_event()
    maria = await person(event)
    account = await save_staff("kiosk@example.org", Role.KIOSK, password=STAFF_PASSWORD)
    await keep_to_event(account, event)

    signed = await post_sign_in(client, account.email)
    page = await client.get("/staff/events/workshop/kiosk")
    scan = await client.post(
        "/staff/events/workshop/kiosk/scan",
        json={"scan": maria.code},
        headers={"X-CSRF-Token": csrf_token(page.text) if "csrf_token" in page.text else _data_csrf(page.text)},
    )
    people = await client.get("/staff/events/workshop", follow_redirects=False)
    search = await client.get("/staff/events/workshop/scan/search?session=day1&q=Par", follow_redirects=False)
    dashboard = await client.get("/staff/", follow_redirects=False)

    assert signed.headers["location"].endswith("/staff/events/workshop/kiosk"), "a kiosk signs in to its screen"
    assert page.status_code == 200 and maria.name not in page.text
    assert scan.status_code == 200 and scan.json()["outcome"] == "welcome"
    for answer in (people, search, dashboard):
        assert answer.status_code in (303, 403), answer.status_code
        assert maria.name not in answer.text
    assert people.headers.get("location", "").endswith("/kiosk") or people.status_code == 403


async def test_leaving_the_kiosk_needs_the_staff_pin(client: httpx.AsyncClient) -> None:
    event = await today_event()
    account = await save_staff("kiosk@example.org", Role.KIOSK, password=STAFF_PASSWORD)
    await keep_to_event(account, event)
    await post_sign_in(client, account.email)
    page = await client.get("/staff/events/workshop/kiosk")
    token = csrf_token(page.text)

    wrong = await client.post("/staff/events/workshop/kiosk/exit", data={"csrf_token": token, "pin": "0000"})
    still = await client.get("/staff/events/workshop/kiosk")
    right = await client.post("/staff/events/workshop/kiosk/exit", data={"csrf_token": token, "pin": STAFF_PASSWORD})
    after = await client.get("/staff/events/workshop/kiosk", follow_redirects=False)

    assert wrong.status_code == 303 and wrong.headers["location"].endswith("/kiosk?pin=wrong")
    assert still.status_code == 200
    assert right.status_code == 303 and after.status_code == 303, "signed out: the kiosk is left"


async def test_a_kiosk_account_must_be_kept_to_one_event() -> None:
    from events.errors import InvalidInput
    from events.staff.schemas import AccountInput
    from events.validation import parse

    with pytest.raises(InvalidInput):
        parse(AccountInput, {"email": "k@example.org", "role": "kiosk"})


def _data_csrf(html: str) -> str:
    import re

    found = re.search(r'data-csrf="([^"]+)"', html)
    assert found, "the kiosk page carries its CSRF token"
    return found.group(1)
