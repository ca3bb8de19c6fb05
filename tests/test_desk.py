"""The desk's volunteers taking money: a door account given the right (`takes_payments`) takes cash
and transfers and prints receipts, through the staff pages and the API, and sees of a person only
what that needs; refunds and waivers stay with organizers."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from events.money.models import EntryKind, LedgerEntry
from events.program.models import Event
from events.registrations.models import Registration
from events.settings import Settings
from events.staff.models import Role, StaffAccount
from events.staff.service import issue_token, save_staff
from tests.conftest import STAFF_PASSWORD, csrf_token, make_app, post_sign_in, running, sign_in, staff_via_cli
from tests.factories import make_event, make_registration
from tests.test_badges import page_text
from tests.test_money import PRICES, auth, due

pytestmark = pytest.mark.usefixtures("app")

EN = {"Accept-Language": "en"}


async def desk_account(takes_payments: bool = True) -> StaffAccount:
    return await save_staff("desk@example.org", Role.DOOR, password=STAFF_PASSWORD, takes_payments=takes_payments)


async def person_owing() -> tuple[Event, Registration]:
    event = await make_event(prices=PRICES)
    registered = await make_registration(event, 1, ["day1"], category="non_member", email="hidden@example.org")
    return event, registered.registration


# The API --------------------------------------------------------------------------------------


async def test_a_desk_account_takes_cash_and_prints_the_receipt_through_its_own_token(
    client: httpx.AsyncClient,
) -> None:
    _event, person = await person_owing()
    token = await issue_token(await desk_account())
    url = f"/api/v1/events/workshop/registrations/{person.code}"

    paid = await client.post(f"{url}/payments", json={"amount": 3000, "method": "cash"}, headers=auth(token))
    listed = await client.get(f"{url}/payments", headers=auth(token))
    receipts = await client.get(f"{url}/receipts", headers=auth(token))
    pdf = await client.get(paid.json()["receipt"]["pdf"], headers=auth(token))

    assert paid.status_code == 201, paid.text
    assert paid.json()["amount_due"] == 0 and paid.json()["staff"] == "desk@example.org"
    assert person.secret not in paid.text and person.secret not in receipts.text, (
        "a desk account is never handed the participant's link"
    )
    assert [entry["amount"] for entry in listed.json()] == [3000]
    assert [receipt["number"] for receipt in receipts.json()] == [paid.json()["receipt"]["number"]]
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "3,000" in page_text(pdf.content), "the receipt is for what was paid"


async def test_refunds_and_waivers_are_the_organizers_not_the_desks(client: httpx.AsyncClient) -> None:
    _event, person = await person_owing()
    token = await issue_token(await desk_account())
    url = f"/api/v1/events/workshop/registrations/{person.code}/payments"

    waived = await client.post(url, json={"amount": 3000, "method": "waiver"}, headers=auth(token))
    refunded = await client.post(url, json={"amount": 1000, "method": "refund"}, headers=auth(token))

    assert [waived.status_code, refunded.status_code] == [403, 403]
    assert "organizers" in waived.json()["message"], waived.json()
    assert await due(person) == 3000, "nothing recorded"


async def test_a_door_account_without_the_right_still_takes_no_money(client: httpx.AsyncClient) -> None:
    _event, person = await person_owing()
    token = await issue_token(await desk_account(takes_payments=False))
    url = f"/api/v1/events/workshop/registrations/{person.code}"

    answers = [
        await client.post(f"{url}/payments", json={"amount": 3000, "method": "cash"}, headers=auth(token)),
        await client.get(f"{url}/receipts", headers=auth(token)),
    ]

    assert [answer.status_code for answer in answers] == [403, 403]
    assert await due(person) == 3000


# The staff pages ------------------------------------------------------------------------------


async def test_the_desk_finds_the_person_takes_the_cash_in_one_tap_and_prints_the_receipt(
    client: httpx.AsyncClient,
) -> None:
    _event, person = await person_owing()
    await desk_account()
    assert (await post_sign_in(client, "desk@example.org")).status_code == 303

    listing = await client.get("/staff/events/workshop", headers=EN)
    desk = f"/staff/events/workshop/desk/{person.code}"
    page = await client.get(desk, headers=EN)
    tap = {
        "csrf_token": csrf_token(page.text),
        "payment_id": "desk-tap-1",
        "amount": "3000",
        "method": "cash",
        "device": "受付A",
    }
    paid = await client.post(f"/staff/events/workshop/registrations/{person.code}/payments", data=tap)
    after = await client.get(paid.headers["location"], headers=EN)
    receipt_link = after.text.split("/receipts/", 1)[1].split('"', 1)[0]
    receipt = await client.get(f"/staff/events/workshop/registrations/{person.code}/receipts/{receipt_link}")

    assert f'href="http://testserver{desk}"' in listing.text or f'href="{desk}"' in listing.text, (
        "the list leads the desk to the person's fees"
    )
    assert "Take ¥3,000 in cash" in page.text
    assert "hidden@example.org" not in page.text and "Details" not in page.text, (
        "the desk sees no e-mail address and none of the organizers' tools"
    )
    assert paid.status_code == 303 and paid.headers["location"].startswith(f"http://testserver{desk}")
    assert "Paid in full." in after.text and "Recorded." in after.text
    assert receipt.status_code == 200 and "3,000" in page_text(receipt.content)
    entry = await LedgerEntry.get(registration_id=person.id, kind=EntryKind.PAYMENT)
    assert entry.staff_email == "desk@example.org" and entry.device == "受付A", "counted in this desk's box"


async def test_a_waiver_sent_from_the_desks_page_is_refused_and_said(client: httpx.AsyncClient) -> None:
    _event, person = await person_owing()
    await desk_account()
    assert (await post_sign_in(client, "desk@example.org")).status_code == 303
    page = await client.get(f"/staff/events/workshop/desk/{person.code}", headers=EN)

    waived = await client.post(
        f"/staff/events/workshop/registrations/{person.code}/payments",
        data={"csrf_token": csrf_token(page.text), "amount": "3000", "method": "waiver"},
        headers=EN,
    )

    assert waived.status_code == 403
    assert await due(person) == 3000


async def test_a_plain_door_account_sees_no_fees_page(client: httpx.AsyncClient) -> None:
    _event, person = await person_owing()
    await sign_in(client, Role.DOOR)

    listing = await client.get("/staff/events/workshop", headers=EN)
    page = await client.get(f"/staff/events/workshop/desk/{person.code}", headers=EN)

    assert "/desk/" not in listing.text
    assert page.status_code == 403


# Setting the right ----------------------------------------------------------------------------


def test_the_cli_gives_a_door_account_the_right_and_refuses_it_to_others(settings: Settings, tmp_path: Path) -> None:
    given = staff_via_cli(settings.database_url, tmp_path, "desk@example.org", "door", "--takes-payments")
    taken_back = staff_via_cli(settings.database_url, tmp_path, "desk@example.org", "door")

    assert "takes payments at the desk" in given
    assert "takes payments" not in taken_back, "without the flag, an existing account loses the right"


async def test_an_organizer_invites_a_desk_volunteer_who_takes_money(client: httpx.AsyncClient) -> None:
    await sign_in(client, Role.ORGANIZER)
    form = await client.get("/staff/accounts/new", headers=EN)

    invited = await client.post(
        "/staff/accounts/new",
        data={
            "csrf_token": csrf_token(form.text),
            "email": "volunteer@example.org",
            "role": "door",
            "takes_payments": "yes",
        },
    )
    organizer_ticked = await client.post(
        "/staff/accounts/new",
        data={
            "csrf_token": csrf_token(form.text),
            "email": "second@example.org",
            "role": "organizer",
            "takes_payments": "yes",
        },
    )
    listed = await client.get("/staff/accounts", headers=EN)

    assert "takes money at the desk" in form.text
    assert invited.status_code == 200 and organizer_ticked.status_code == 200
    assert (await StaffAccount.get(email="volunteer@example.org")).takes_payments
    assert not (await StaffAccount.get(email="second@example.org")).takes_payments, "organizers need no such right"
    assert "door · takes payments" in listed.text


async def test_the_tick_stays_when_the_invite_comes_back_with_a_mistake(client: httpx.AsyncClient) -> None:
    await sign_in(client, Role.ORGANIZER)
    form = await client.get("/staff/accounts/new", headers=EN)

    wrong = await client.post(
        "/staff/accounts/new",
        data={"csrf_token": csrf_token(form.text), "email": "not an address", "role": "door", "takes_payments": "yes"},
        headers=EN,
    )

    assert wrong.status_code == 422
    assert re.search(r'name="takes_payments" value="yes"\s+checked', wrong.text), "the organizer's tick is kept"


async def test_under_an_https_address_the_desks_name_is_kept_in_a_secure_cookie(settings: Settings) -> None:
    """Like the session and language cookies: a browser never sends it over plain http."""
    app = make_app(settings, base_url="https://forum.example.org")
    transport = httpx.ASGITransport(app=app)
    async with running(app), httpx.AsyncClient(transport=transport, base_url="https://forum.example.org") as client:
        _event, person = await person_owing()
        await desk_account()
        assert (await post_sign_in(client, "desk@example.org")).status_code == 303
        page = await client.get(f"/staff/events/workshop/desk/{person.code}", headers=EN)
        tap = {"csrf_token": csrf_token(page.text), "amount": "3000", "method": "cash", "device": "受付A"}
        paid = await client.post(f"/staff/events/workshop/registrations/{person.code}/payments", data=tap)

    desk_cookie = next(value for value in paid.headers.get_list("set-cookie") if value.startswith("tsudoi_desk="))
    assert paid.status_code == 303, paid.text
    assert "secure" in desk_cookie.lower(), desk_cookie
