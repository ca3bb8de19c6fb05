"""The cancellation policy: what a late cancellation keeps, shown before cancelling, written as a
ledger entry; and the organizers' fees page where prices and the policy are set."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from events.money import ledger
from events.money.cancellation import FEE_NOTE
from events.money.models import EntryKind, LedgerEntry
from events.program.models import Event
from events.registrations.admin import cancel as staff_cancel
from events.registrations.models import Registration
from events.registrations.service import cancel
from events.staff.models import Role
from tests.conftest import csrf_token, sign_in
from tests.factories import event_data, make_event, make_registration, staff_token

pytestmark = pytest.mark.usefixtures("app")

PRICES = [
    {"category": "non_member", "session": "day1", "amount": 3000},
    {"category": "non_member", "session": "reception", "amount": 4000},
]


def tokyo_today(days: int = 0) -> str:
    return (datetime.now(ZoneInfo("Asia/Tokyo")).date() + timedelta(days=days)).isoformat()


async def event_with(policy: dict[str, Any] | None) -> Event:
    return await make_event(prices=PRICES, cancellation_policy=policy)


async def person(event: Event, number: int = 1) -> Registration:
    return (await make_registration(event, number, ["day1", "reception"], category="non_member")).registration


async def due(registration: Registration) -> int:
    return (await Registration.get(id=registration.id)).amount_due


async def test_a_late_cancellation_keeps_the_percent_as_a_charge_of_no_session() -> None:
    event = await event_with({"from_date": tokyo_today(), "percent": 50})
    paid = await person(event, 1)
    await ledger.record(paid, 7000, "cash")

    await cancel(paid)

    fee = await LedgerEntry.get(registration_id=paid.id, kind=EntryKind.CHARGE, session_id=None)
    assert (fee.amount, fee.note) == (3500, FEE_NOTE)
    assert await due(paid) == -3500, "the rest of what was paid is owed back"


async def test_a_fixed_fee_is_never_more_than_the_seats_cost() -> None:
    event = await event_with({"from_date": tokyo_today(-3), "amount": 10000})
    owing = await person(event)

    await cancel(owing)

    assert await due(owing) == 7000, "capped at what the sessions cost"


async def test_before_the_policys_day_cancelling_costs_nothing() -> None:
    event = await event_with({"from_date": tokyo_today(7), "amount": 1000})
    early = await person(event)

    await cancel(early)

    assert await due(early) == 0
    assert not await LedgerEntry.exists(registration_id=early.id, kind=EntryKind.CHARGE, session_id=None)


async def test_an_organizer_cancelling_keeps_the_fee_unless_they_waive_it() -> None:
    event = await event_with({"from_date": tokyo_today(), "percent": 100})
    kept = await person(event, 1)
    waived = await person(event, 2)

    await staff_cancel(kept, staff=None)
    await staff_cancel(waived, staff=None, keep_fee=False)

    assert await due(kept) == 7000
    assert await due(waived) == 0


async def test_the_participant_sees_the_policy_and_the_fee_before_cancelling(client: httpx.AsyncClient) -> None:
    event = await event_with({"from_date": tokyo_today(), "amount": 1000})
    registration = await person(event)
    manage = await client.get(f"/manage/{registration.secret}", headers={"Accept-Language": "en"})
    page = await client.get(f"/manage/{registration.secret}/cancel", headers={"Accept-Language": "en"})
    shown = (await client.get(f"/api/v1/registrations/{registration.secret}")).json()

    await client.post(f"/manage/{registration.secret}/cancel", data={"csrf_token": csrf_token(page.text)})

    assert "keeps ¥1,000 of the fee" in manage.text
    assert "Cancelling now keeps ¥1,000 as the cancellation fee." in page.text
    assert shown["cancellation_fee"] == 1000
    assert await due(registration) == 1000


async def test_the_policy_in_the_api_is_checked(client: httpx.AsyncClient) -> None:
    token = await staff_token()
    headers = {"Authorization": f"Bearer {token}"}
    both = {"from_date": tokyo_today(), "amount": 100, "percent": 10}
    neither = {"from_date": tokyo_today()}
    over = {"from_date": tokyo_today(), "percent": 150}
    fraction = {"from_date": tokyo_today(), "amount": 100.5}

    answers = [
        await client.post("/api/v1/events", json=event_data(f"e{n}", cancellation_policy=policy), headers=headers)
        for n, policy in enumerate([both, neither, over, fraction])
    ]
    good = await client.post(
        "/api/v1/events",
        json=event_data("good", cancellation_policy={"from_date": "2030-01-10", "percent": 50}),
        headers=headers,
    )

    assert [answer.status_code for answer in answers] == [422] * 4, [answer.text for answer in answers]
    assert good.status_code == 201 and good.json()["cancellation_policy"] == {"from_date": "2030-01-10", "percent": 50}


# The fees page --------------------------------------------------------------------------------


async def test_the_fees_page_sets_prices_policy_and_units_and_accounts_follow(client: httpx.AsyncClient) -> None:
    event = await make_event()
    registration = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    await sign_in(client, Role.ORGANIZER)
    page = await client.get("/staff/events/workshop/fees", headers={"Accept-Language": "en"})

    saved = await client.post(
        "/staff/events/workshop/fees",
        data={
            "csrf_token": csrf_token(page.text),
            "price.non_member.day1": "3,000",
            "reduced.non_member.day1": "500",
            "price.individual_member.day1": "2000",
            "policy_from": "2030-01-10",
            "policy_value": "50",
            "policy_kind": "percent",
            "units_lifted": "yes",
        },
    )

    stored = await Event.get(id=event.id)
    assert saved.status_code == 303, saved.text
    assert stored.prices == [
        {"category": "individual_member", "session": "day1", "amount": 2000},
        {"category": "non_member", "session": "day1", "amount": 3000, "reduced": 500},
    ]
    assert stored.cancellation_policy == {"from_date": "2030-01-10", "percent": 50}
    assert stored.member_units_lifted is True
    assert await due(registration) == 3000, "the person registered before the fees owes them now"
    assert "revenue stamp" in page.text, "the page says when a paper receipt needs a stamp"


async def test_the_fees_page_names_each_wrong_cell_and_saves_nothing(client: httpx.AsyncClient) -> None:
    event = await make_event(prices=PRICES)
    await sign_in(client, Role.ORGANIZER)
    page = await client.get("/staff/events/workshop/fees", headers={"Accept-Language": "en"})

    answer = await client.post(
        "/staff/events/workshop/fees",
        data={
            "csrf_token": csrf_token(page.text),
            "price.non_member.day1": "-100",
            "price.non_member.reception": "4000",
            "reduced.non_member.reception": "5000",
            "policy_from": "2030-01-10",
            "policy_value": "120",
            "policy_kind": "percent",
        },
        headers={"Accept-Language": "en"},
    )

    assert answer.status_code == 422
    assert "Whole yen, like 2000." in answer.text
    assert "Whole yen, no more than the price." in answer.text
    assert "A percent from 1 to 100." in answer.text
    assert (await Event.get(id=event.id)).prices == PRICES, "nothing was saved"


async def test_door_accounts_never_reach_the_fees_page(client: httpx.AsyncClient) -> None:
    await make_event()
    await sign_in(client, Role.DOOR)

    assert (await client.get("/staff/events/workshop/fees")).status_code == 403
