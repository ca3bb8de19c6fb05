"""Staff sign-in, the staff area, and API tokens."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from events.registrations.models import Registration
from events.staff.models import Role
from events.staff.service import save_staff
from tests.conftest import csrf_token, post_sign_in
from tests.factories import make_event, make_registration

PASSWORD = "correct horse battery"


@pytest.fixture
async def organizer(app: Starlette) -> str:
    await save_staff("organizer@example.org", Role.ORGANIZER, password=PASSWORD)
    return "organizer@example.org"


async def test_the_staff_area_asks_for_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/staff/")

    assert response.status_code == 303 and response.headers["location"].startswith("http://testserver/staff/login")


async def test_an_organizer_signs_in_and_sees_registrations_with_email(
    client: httpx.AsyncClient, organizer: str
) -> None:
    event = await make_event()
    await make_registration(event, 1, name="山田 花子", name_reading="やまだ はなこ", email="hanako@example.org")
    await make_registration(event, 2, name="Aoki", email="aoki@example.org")

    signed_in = await post_sign_in(client, organizer)
    dashboard = await client.get("/staff/")
    listing = await client.get("/staff/events/workshop?lang=en")

    assert signed_in.status_code == 303
    assert "全国ワークショップ" in dashboard.text and dashboard.headers["cache-control"] == "no-store"
    assert "hanako@example.org" in listing.text.replace("<wbr>", ""), "the address (it may wrap after @ and dots)"
    assert listing.text.index("Aoki") < listing.text.index("山田 花子"), "sorted by reading: あおき before やまだ"


async def test_a_door_account_sees_no_email_addresses(client: httpx.AsyncClient) -> None:
    await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    event = await make_event()
    await make_registration(event, 1, email="secret-person@example.org")

    await post_sign_in(client, "door@example.org")
    listing = await client.get("/staff/events/workshop")

    shown = listing.text.replace("<wbr>", "")  # as read: addresses may carry wrap points
    assert listing.status_code == 200 and "secret-person@example.org" not in shown


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: httpx.AsyncClient, organizer: str
) -> None:
    wrong_password = await post_sign_in(client, organizer, "not the password")
    unknown_person = await post_sign_in(client, "nobody@example.org", "whatever it is")

    assert wrong_password.status_code == unknown_person.status_code == 401
    assert (await client.get("/staff/")).status_code == 303


async def test_signing_out_ends_the_session(client: httpx.AsyncClient, organizer: str) -> None:
    await post_sign_in(client, organizer)
    dashboard = await client.get("/staff/")

    await client.post("/staff/logout", data={"csrf_token": csrf_token(dashboard.text)})

    assert (await client.get("/staff/")).status_code == 303


async def test_a_password_exchanges_for_a_token_that_can_be_revoked(client: httpx.AsyncClient, organizer: str) -> None:
    created = await client.post("/api/v1/tokens", json={"email": organizer, "password": PASSWORD})
    token = created.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    await make_event()

    works = await client.get("/api/v1/events/workshop/registrations", headers=headers)
    revoked = await client.delete("/api/v1/tokens/current", headers=headers)
    after = await client.get("/api/v1/events/workshop/registrations", headers=headers)

    assert created.status_code == 201 and created.json()["role"] == "organizer"
    assert works.status_code == 200 and revoked.status_code == 204 and after.status_code == 401


async def test_a_wrong_password_gets_no_token(client: httpx.AsyncClient, organizer: str) -> None:
    response = await client.post("/api/v1/tokens", json={"email": organizer, "password": "nope nope nope"})

    assert response.status_code == 401 and response.json()["error"] == "unauthenticated"


async def test_an_organizer_prints_badges_and_replaces_a_lost_one_from_the_staff_area(
    client: httpx.AsyncClient, organizer: str
) -> None:
    from tests.test_badges import decoded_qr_texts

    event = await make_event()
    lost = await make_registration(event, 1, name="Maria Santos")
    await make_registration(event, 2, name="Aoki")
    await post_sign_in(client, organizer)

    page = await client.get("/staff/events/workshop/badges?lang=en")
    batch = await client.get("/staff/events/workshop/badges.pdf?layout=a4-10up-card&sort=name")
    code = lost.registration.code
    reprint = await client.get(f"/staff/events/workshop/badges.pdf?layout=a6&codes={code[:4].lower()}-{code[4:]}")
    replaced = await client.post(
        "/staff/events/workshop/replace-secret",
        data={"csrf_token": csrf_token(page.text), "code": lost.registration.code.lower()},
    )

    assert page.status_code == 200 and "Print a batch" in page.text and "2 confirmed people have a badge." in page.text
    assert batch.status_code == 200 and len(decoded_qr_texts(batch.content)) == 2
    assert [text[4:12] for text in decoded_qr_texts(reprint.content)] == [code], "a reprint of the typed code only"
    assert replaced.status_code == 200 and "has a new badge and new links" in replaced.text
    old_link = f"/api/v1/registrations/{lost.registration.secret}"
    assert (await client.get(old_link)).status_code == 404, "the lost badge's link no longer works"


async def test_door_staff_cannot_print_badges_from_the_staff_area(client: httpx.AsyncClient) -> None:
    await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    await make_event()
    await post_sign_in(client, "door@example.org")

    page = await client.get("/staff/events/workshop/badges", headers={"accept": "text/html"})
    pdf = await client.get("/staff/events/workshop/badges.pdf", headers={"accept": "text/html"})

    assert page.status_code == 403 and pdf.status_code == 403


async def test_the_scanner_endpoint_needs_the_pages_csrf_token_and_shows_no_email(client: httpx.AsyncClient) -> None:
    await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    event = await make_event()
    person = await make_registration(
        event, 1, name="Maria Santos", email="secret-maria@example.org", organization="Kalayaan"
    )
    await post_sign_in(client, "door@example.org")
    page = await client.get("/staff/events/workshop/scan?session=day1")
    token = csrf_token_from_data(page.text)
    body = {"scan": person.registration.code, "session": "day1", "device": "door-A"}

    forged = await client.post("/staff/events/workshop/scan", json=body)
    scanned = await client.post("/staff/events/workshop/scan", json=body, headers={"x-csrf-token": token})
    found = await client.get("/staff/events/workshop/scan/search?session=day1&q=kalay")

    assert forged.status_code == 403, "a cross-site post without the page's token is refused"
    assert scanned.status_code == 201 and scanned.json()["counts"]["checked_in"] == 1
    assert [p["name"] for p in found.json()] == ["Maria Santos"] and found.json()[0]["can_check_in"] is True
    assert "secret-maria" not in scanned.text + found.text + page.text, "door staff never see e-mail"


def csrf_token_from_data(html: str) -> str:
    import re

    match = re.search(r'data-csrf="([^"]+)"', html)
    assert match, "the scanner page carries its CSRF token"
    return match.group(1)


async def test_a_walk_in_is_registered_checked_in_and_offered_a_badge(client: httpx.AsyncClient) -> None:
    from events.checkin.models import CheckIn, Source

    await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    await make_event()
    await post_sign_in(client, "door@example.org")
    form_page = await client.get("/staff/events/workshop/walk-in?session=day1&lang=en")
    token = csrf_token(form_page.text)

    done = await client.post(
        "/staff/events/workshop/walk-in",
        data={"csrf_token": token, "session": "day1", "name": "Juan dela Cruz", "organization": "Kalayaan"},
    )
    missing_name = await client.post("/staff/events/workshop/walk-in", data={"csrf_token": token, "session": "day1"})

    assert done.status_code == 200 and "Registered and checked in." in done.text
    check_in = await CheckIn.get(registration__name="Juan dela Cruz")
    juan = await Registration.get(id=check_in.registration_id)  # type: ignore[attr-defined]
    badge_link = f"/staff/events/workshop/scan/badge/{juan.code}"
    assert badge_link in done.text, "the badge is offered for printing at once, through the door's own print"
    assert juan.secret not in done.text, "the desk's screen never holds the participant's own link"
    badge = await client.get(badge_link)
    assert badge.status_code == 200 and badge.headers["content-type"] == "application/pdf"
    assert check_in.source == Source.WALK_IN and check_in.device == "desk"
    assert missing_name.status_code == 422 and "field-error" in missing_name.text


async def test_a_paper_sheet_prints_sorted_by_reading_and_ticks_are_entered_as_paper_check_ins(
    client: httpx.AsyncClient,
) -> None:
    from events.checkin.models import CheckIn, Source
    from tests.test_badges import page_text

    await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    event = await make_event()
    yamada = await make_registration(event, 1, name="山田 花子", name_reading="やまだ はなこ")
    aoki = await make_registration(event, 2, name="青木 健", name_reading="あおき けん")
    await make_registration(event, 3, name="Not Here", sessions=["day2"])
    await post_sign_in(client, "door@example.org")

    sheet = await client.get("/staff/events/workshop/sessions/day1/sign-in-sheet.pdf")
    form_page = await client.get("/staff/events/workshop/sessions/day1/paper?lang=en")
    entered = await client.post(
        "/staff/events/workshop/sessions/day1/paper",
        data={"csrf_token": csrf_token(form_page.text), "codes": [yamada.registration.code]},
    )

    text = page_text(sheet.content)
    assert sheet.status_code == 200 and sheet.headers["content-type"] == "application/pdf"
    assert text.index("青木 健") < text.index("山田 花子"), "sorted by reading: あおき before やまだ"
    assert "Not Here" not in text, "only the session's confirmed people"
    assert "1 checked in" in entered.text
    check_in = await CheckIn.get(registration_id=yamada.registration.id)
    assert check_in.source == Source.PAPER and check_in.device == "paper"
    assert not await CheckIn.exists(registration_id=aoki.registration.id)


async def test_plus_one_guest_counts_people_who_never_registered(client: httpx.AsyncClient) -> None:
    await save_staff("door@example.org", Role.DOOR, password=PASSWORD)
    await make_event()
    await post_sign_in(client, "door@example.org")
    page = await client.get("/staff/events/workshop/scan?session=reception")
    headers = {"x-csrf-token": csrf_token_from_data(page.text)}

    for delta in (1, 1, 1, -1):
        answer = await client.post(
            "/staff/events/workshop/scan/guest", json={"session": "reception", "delta": delta}, headers=headers
        )
    bad = await client.post(
        "/staff/events/workshop/scan/guest", json={"session": "reception", "delta": 5}, headers=headers
    )
    figures = await client.get("/staff/events/workshop/attendance.json")

    assert answer.json()["counts"]["guests"] == 2
    assert bad.status_code == 422
    reception = next(row for row in figures.json()["sessions"] if row["code"] == "reception")
    assert reception["guests"] == 2 and reception["checked_in"] == 0, "guests are counted apart from check-ins"
