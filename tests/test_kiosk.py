"""The self check-in kiosk: a participant checks themselves in with what only they hold (their
badge's QR code, its code, their own page's link); an e-mail address or a name finds nobody;
anything needing a person sends them to the desk with nothing personal on screen; look-ups that
match nobody are limited per kiosk; every answer is a row of the scan log; a kiosk account
reaches the kiosk and nothing else."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.applications import Starlette

from events.badges import tokens
from events.checkin import kiosk
from events.checkin.models import CheckIn, Result, ScanLog, Source
from events.links import participant_links
from events.program.models import Event
from events.program.schemas import EventInput
from events.program.service import create_event, get_event
from events.questions.schemas import QuestionInput
from events.questions.service import add_question
from events.ratelimit import RateLimiter, rate_limiter
from events.registrations.models import Registration
from events.registrations.service import cancel
from events.settings import RateLimit, Settings
from events.staff.models import Role, StaffAccount
from events.staff.service import keep_to_event, save_staff
from tests.conftest import STAFF_PASSWORD, csrf_token, post_sign_in, sign_in
from tests.factories import event_data, make_event, make_registration

pytestmark = pytest.mark.usefixtures("app")

KEY = "test-secret-key"
TOKYO = ZoneInfo("Asia/Tokyo")
#: A limiter's clock reading at the start of one of its 10-minute windows.
T0 = 600.0 * 3_000_000
#: The default limit: 30 look-ups matching nobody in any 10 minutes.
DEFAULT_LIMIT = RateLimit(30, 600)


async def today_event(capacity: int | None = 1, **changes: Any) -> Event:
    """A one-day event whose session `day1` started an hour ago (one seat unless told), and a
    session `day2` tomorrow."""
    now = datetime.now(TOKYO)
    data = event_data(starts_on=now.date().isoformat(), ends_on=(now + timedelta(days=1)).date().isoformat(), **changes)
    data["sessions"] = [
        {
            "code": "day1",
            "title": "Day 1",
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(hours=3)).isoformat(),
            "capacity": capacity,
            "translations": {"ko": {"title": "첫째 날"}},
        },
        {
            "code": "day2",
            "title": "Day 2",
            "starts_at": (now + timedelta(days=1)).isoformat(),
            "ends_at": (now + timedelta(days=1, hours=4)).isoformat(),
            "capacity": None,
        },
    ]
    await create_event(EventInput.model_validate(data))
    return await get_event("workshop")


async def person(event: Event, number: int = 1, sessions: list[str] | None = None, **changes: Any) -> Registration:
    return (await make_registration(event, number, sessions or ["day1"], **changes)).registration


def badge(event: Event, registration: Registration) -> str:
    return tokens.badge_token(KEY, event.id, registration.code, registration.secret, event.badge_key)


def own_page(registration: Registration) -> str:
    """Their page's link, as a QR code of it reads (a phone's "share as QR code")."""
    return participant_links("https://tsudoi.example.org", registration.secret)["manage"]


@dataclass
class Kiosk:
    """A kiosk account at its screen, with the limiter its look-ups count against."""

    staff: StaffAccount
    limiter: RateLimiter

    async def scan(self, event: Event, typed: str, at: float | None = None) -> kiosk.KioskAnswer:
        return await kiosk.check_in(event, typed, secret_key=KEY, staff=self.staff, limiter=self.limiter, at=at)


async def a_kiosk(
    event: Event, settings: Settings, email: str = "kiosk@example.org", limit: RateLimit = DEFAULT_LIMIT
) -> Kiosk:
    account = await save_staff(email, Role.KIOSK, password=STAFF_PASSWORD)
    await keep_to_event(account, event)
    return Kiosk(account, rate_limiter("kiosk", limit, settings))


async def logged(event: Event) -> list[ScanLog]:
    return await ScanLog.filter(event_id=event.id).order_by("id")


def _data_csrf(html: str) -> str:
    found = re.search(r'data-csrf="([^"]+)"', html)
    assert found, "the kiosk page carries its CSRF token"
    return found.group(1)


async def kiosk_client(client: httpx.AsyncClient, event: Event) -> tuple[StaffAccount, dict[str, str]]:
    """A kiosk account of the event signed in on `client`, and the headers its screen sends a scan with."""
    account = await save_staff("kiosk@example.org", Role.KIOSK, password=STAFF_PASSWORD)
    await keep_to_event(account, event)
    await post_sign_in(client, account.email)
    page = await client.get("/staff/events/workshop/kiosk")
    return account, {"X-CSRF-Token": _data_csrf(page.text)}


async def test_a_badge_scanned_at_the_kiosk_welcomes_in_the_persons_language_and_counts_as_kiosk(
    settings: Settings,
) -> None:
    event = await today_event()
    at_the_door = await a_kiosk(event, settings)
    minji = await person(event, name="김민지", language="ko")

    answer = await at_the_door.scan(event, badge(event, minji))

    assert answer.outcome == kiosk.Outcome.WELCOME
    assert answer.headline == "환영합니다, 김민지 님" and "첫째 날" in answer.detail
    checkin = await CheckIn.get(registration_id=minji.id)
    assert checkin.source == Source.KIOSK, "counted as kiosk among the ways a check-in was taken"
    [row] = await logged(event)
    assert (row.result, row.device, row.staff_id) == (Result.OK, f"kiosk:{at_the_door.staff.id}", at_the_door.staff.id)  # type: ignore[attr-defined]


async def test_the_code_printed_on_the_badge_and_the_persons_own_link_find_them(settings: Settings) -> None:
    event = await today_event(capacity=None)
    at_the_door = await a_kiosk(event, settings)
    by_code = await person(event, 1)
    by_link = await person(event, 2)

    code = await at_the_door.scan(event, by_code.code[:4].lower() + "-" + by_code.code[4:])
    link = await at_the_door.scan(event, own_page(by_link) + "?registered=1")

    assert code.outcome == kiosk.Outcome.WELCOME and by_code.name in code.headline, "a typed code checks in"
    assert link.outcome == kiosk.Outcome.WELCOME and by_link.name in link.headline, "a scanned own link checks in"
    assert await CheckIn.filter(registration_id__in=[by_code.id, by_link.id], source=Source.KIOSK).count() == 2


async def test_a_link_of_another_event_or_a_made_up_one_finds_nobody(settings: Settings) -> None:
    event = await today_event(capacity=None)
    at_the_door = await a_kiosk(event, settings)
    elsewhere = await make_registration(await make_event("other-forum"), 1, ["day1"])

    other_event = await at_the_door.scan(event, own_page(elsewhere.registration))
    made_up = await at_the_door.scan(event, "https://tsudoi.example.org/manage/" + "A" * 32)

    assert other_event.outcome == made_up.outcome == kiosk.Outcome.NOT_FOUND
    assert [row.text for row in await logged(event)] == ["(link)", "(link)"], "a link's secret is never logged"


async def test_an_e_mail_address_finds_nobody_and_answers_exactly_as_an_unknown_one(
    client: httpx.AsyncClient,
) -> None:
    event = await today_event(capacity=None, kiosk_prints_badges=True)
    maria = await person(event, 1, email="Maria@Example.org")
    _account, headers = await kiosk_client(client, event)

    registered = await client.post(
        "/staff/events/workshop/kiosk/scan", json={"scan": "maria@example.org"}, headers=headers
    )
    unknown = await client.post(
        "/staff/events/workshop/kiosk/scan", json={"scan": "nobody@example.org"}, headers=headers
    )

    assert registered.status_code == unknown.status_code == 200
    assert registered.content == unknown.content, "a registered address answers byte for byte as an unknown one"
    assert registered.json()["outcome"] == "not_found" and "label" not in registered.json()
    assert maria.name not in registered.text
    assert not await CheckIn.exists(registration_id=maria.id), "nobody is checked in by an e-mail address"
    rows = await logged(event)
    assert [(row.result, row.registration_id, row.text) for row in rows] == [(Result.UNKNOWN, None, "(e-mail)")] * 2  # type: ignore[attr-defined]


async def test_a_name_or_part_of_one_finds_nobody_and_is_not_logged(settings: Settings) -> None:
    event = await today_event(capacity=None)
    at_the_door = await a_kiosk(event, settings)
    mary = await person(event, 1, name="Mary Anne")

    answers = [await at_the_door.scan(event, typed) for typed in ("Mary Anne", "mary", "Mary-Anne")]

    assert {answer.outcome for answer in answers} == {kiosk.Outcome.NOT_FOUND}, "no search: names find nobody"
    assert all(mary.name not in answer.headline + answer.detail for answer in answers)
    # "Mary-Anne" reads as eight letters of the code's alphabet: still never kept, as a name may be.
    assert [row.text for row in await logged(event)] == ["(text)"] * 3


async def test_the_log_keeps_a_mistyped_code_or_an_unknown_badge_as_read(settings: Settings) -> None:
    event = await today_event()
    at_the_door = await a_kiosk(event, settings)
    someone = await person(event)
    forged = "TSD2" + someone.code + "A" * 16

    await at_the_door.scan(event, "K7HF-3M9X")
    await at_the_door.scan(event, forged.lower())

    assert [row.text for row in await logged(event)] == ["K7HF3M9X", forged]
    assert not await CheckIn.exists(registration_id=someone.id), "a forged badge checks nobody in"


async def test_the_welcome_shows_the_name_the_badge_prints_and_nothing_else_of_them(
    client: httpx.AsyncClient,
) -> None:
    event = await today_event()
    rosa = await person(
        event,
        name="Rosa Dimaculangan",
        organization="Kalayaan Center",
        category="guest",
        email="rosa@example.org",
        language="en",
    )
    _account, headers = await kiosk_client(client, event)

    answer = await client.post("/staff/events/workshop/kiosk/scan", json={"scan": rosa.code}, headers=headers)

    body = answer.json()
    assert body["outcome"] == "welcome" and body["headline"] == f"Welcome, {kiosk.shown_name(rosa)}!"
    for kept_back in ("Kalayaan", "rosa@example.org", "Guest", "guest", rosa.code):
        assert kept_back not in answer.text, f"{kept_back!r} is not on the shared screen"
    assert body["detail"] == "You are checked in: Day 1", "a short welcome: the session, nothing more"


#: Each reason the kiosk sends someone to the desk, and the result the scan log gives it.
REFUSALS = {
    "cancelled": Result.CANCELLED,
    "balance": Result.AMOUNT_DUE,
    "waitlisted": Result.WAITLISTED,
    "tomorrow": Result.NO_SESSION_NOW,
    "question": Result.QUESTION_UNANSWERED,
    "printed": Result.LABEL_PRINTED,
}


@pytest.mark.parametrize("trouble", list(REFUSALS))
async def test_anything_needing_a_person_says_see_the_desk_with_nothing_personal_and_is_logged(
    trouble: str, settings: Settings
) -> None:
    changes: dict[str, Any] = {"kiosk_prints_badges": trouble == "printed"}
    if trouble == "balance":
        changes["prices"] = [{"category": "participant", "session": "day1", "amount": 2000}]
    event = await today_event(**changes)
    at_the_door = await a_kiosk(event, settings)
    first = await person(event, 1, ["day2"] if trouble == "tomorrow" else ["day1"], name="Seat Holder")
    someone = await person(event, 2, name="Hidden Person") if trouble == "waitlisted" else first
    if trouble == "cancelled":
        await cancel(someone)
    if trouble == "question":  # asked after they registered: unanswered
        question = {"code": "diet", "label": "Diet", "kind": "short_text", "required": True}
        await add_question(event, QuestionInput.model_validate(question))
        event = await get_event("workshop")
    if trouble == "printed":
        await at_the_door.scan(event, badge(event, first))  # the label was printed this morning
        await ScanLog.all().delete()

    answer = await at_the_door.scan(event, badge(event, someone))

    assert answer.outcome == kiosk.Outcome.SEE_THE_DESK, trouble
    assert answer.headline == kiosk.SEE_THE_DESK and answer.detail == "" and answer.language == ""
    assert answer.print_code is None
    [row] = await logged(event)
    day1 = next(session for session in event.sessions if session.code == "day1")
    expected_session = None if trouble in ("tomorrow", "cancelled") else day1.id
    assert row.result == REFUSALS[trouble], f"{trouble}: {row.result}"
    assert (row.registration_id, row.session_id) == (someone.id, expected_session), trouble  # type: ignore[attr-defined]
    assert (row.device, row.staff_id, row.text) == (f"kiosk:{at_the_door.staff.id}", at_the_door.staff.id, "")  # type: ignore[attr-defined]


async def test_look_ups_that_match_nobody_are_limited_per_kiosk_until_the_window_passes(settings: Settings) -> None:
    event = await today_event(capacity=None)
    front = await a_kiosk(event, settings, limit=RateLimit(3, 600))
    side = await a_kiosk(event, settings, "side-kiosk@example.org", limit=RateLimit(3, 600))
    side.limiter = front.limiter  # one app's limiter: the two kiosks differ by account
    guest = await person(event, 1)
    regular = await person(event, 2)

    welcomed = [await front.scan(event, badge(event, guest), at=T0) for _ in range(4)]
    misses = [await front.scan(event, f"guess{number}@example.org", at=T0 + number) for number in range(3)]
    refused = await front.scan(event, badge(event, regular), at=T0 + 10)
    other_kiosk = await side.scan(event, badge(event, regular), at=T0 + 11)
    later = await front.scan(event, "K7HF-3M9X", at=T0 + 2 * 600)

    assert {answer.outcome for answer in welcomed} == {kiosk.Outcome.WELCOME}, "finding someone is never counted"
    assert {answer.outcome for answer in misses} == {kiosk.Outcome.NOT_FOUND}
    assert refused.outcome == kiosk.Outcome.SEE_THE_DESK, "over the limit: see the desk, even with a real badge"
    assert other_kiosk.outcome == kiosk.Outcome.WELCOME, "another kiosk account keeps its own count"
    assert later.outcome == kiosk.Outcome.NOT_FOUND, "a window later the kiosk looks up again"
    limited = await ScanLog.get(result=Result.RATE_LIMITED)
    assert (limited.device, limited.registration_id, limited.text) == (f"kiosk:{front.staff.id}", None, "")  # type: ignore[attr-defined]
    assert not await CheckIn.exists(registration_id=regular.id, device=f"kiosk:{front.staff.id}"), "nothing looked up"


async def test_the_kiosk_screen_counts_its_misses_against_the_apps_limit(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    event = await today_event()
    someone = await person(event)
    _account, headers = await kiosk_client(client, event)
    allowed = app.state.settings.kiosk_rate.count
    scan = "/staff/events/workshop/kiosk/scan"

    misses = [await client.post(scan, json={"scan": f"p{n}@example.org"}, headers=headers) for n in range(allowed)]
    after = await client.post(scan, json={"scan": someone.code}, headers=headers)

    assert allowed == 30, "the default: 30 look-ups matching nobody in any 10 minutes"
    assert {answer.json()["outcome"] for answer in misses} == {"not_found"}
    assert after.json() == {"outcome": "see_the_desk", "headline": kiosk.SEE_THE_DESK, "detail": "", "language": ""}
    assert not await CheckIn.exists(registration_id=someone.id), "over the limit nothing is looked up"


@pytest.mark.parametrize("lang", ["ja", "en"])
async def test_an_organizer_still_reads_a_persons_data_with_the_kiosks_refusals(
    lang: str, settings: Settings, client: httpx.AsyncClient
) -> None:
    event = await today_event(prices=[{"category": "participant", "session": "day1", "amount": 2000}])
    at_the_door = await a_kiosk(event, settings)
    owing = await person(event)
    await at_the_door.scan(event, badge(event, owing))
    await sign_in(client)

    data = await client.get(f"/staff/events/workshop/registrations/{owing.code}/data.json?lang={lang}")
    page = await client.get(f"/staff/events/workshop/registrations/{owing.code}?lang={lang}")

    assert data.status_code == 200 and page.status_code == 200
    [scan] = json.loads(data.text)["scans"]
    assert (scan["result"], scan["device"], scan["session"]) == ("amount_due", f"kiosk:{at_the_door.staff.id}", "day1")


async def test_the_kiosk_page_asks_for_the_badge_not_an_e_mail_address_in_every_language(
    client: httpx.AsyncClient,
) -> None:
    event = await today_event()
    await kiosk_client(client, event)

    page = await client.get("/staff/events/workshop/kiosk")

    leads = re.findall(r'<p class="kiosk-lead" lang="(\w+)">([^<]+)</p>', page.text)
    assert [lang for lang, _text in leads] == ["ja", "en", "ko", "tl"]
    for lang, text in leads:
        for word in ("mail", "メール", "이메일"):
            assert word not in text.lower(), f"{lang}: {text}"
    assert "e-mail" not in page.text.lower() and "メール" not in page.text


async def test_a_kiosk_account_reaches_its_kiosk_and_nothing_else(client: httpx.AsyncClient) -> None:
    event = await today_event()
    maria = await person(event)
    account = await save_staff("kiosk@example.org", Role.KIOSK, password=STAFF_PASSWORD)
    await keep_to_event(account, event)

    signed = await post_sign_in(client, account.email)
    page = await client.get("/staff/events/workshop/kiosk")
    scan = await client.post(
        "/staff/events/workshop/kiosk/scan", json={"scan": maria.code}, headers={"X-CSRF-Token": _data_csrf(page.text)}
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


def test_only_a_badge_or_a_code_is_kept_of_what_matched_nobody() -> None:
    assert kiosk.log_text("someone@example.org") == "(e-mail)"
    assert kiosk.log_text("https://tsudoi.example.org/manage/" + "x" * 32) == "(link)"
    assert kiosk.log_text("山田 花子") == "(text)"
    assert kiosk.log_text("maryanne") == "(text)", "eight letters of the code's alphabet may be a name"
    assert kiosk.log_text("k7hf 3m9x") == "K7HF3M9X"
