"""Fees: prices by category and session, and each registration's account as a ledger of entries
(charges that follow its confirmed seats; payments, refunds and waivers taken by staff)."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from events.errors import Conflict, InvalidInput
from events.money import ledger
from events.money.models import EntryKind, LedgerEntry, Method
from events.program.models import Event
from events.program.schemas import EventPatch
from events.program.service import get_event, update_event
from events.registrations.admin import RegistrationEdit, edit_registration
from events.registrations.models import Registration
from events.registrations.service import cancel
from events.staff.audit import AuditEntry
from events.staff.models import Role
from tests.factories import event_data, make_event, make_registration, staff_token

pytestmark = pytest.mark.usefixtures("app")

#: The network's fees: members pay less for the day, the reception costs the same for all, and
#: anyone may choose the reduced day fee.
PRICES = [
    {"category": "individual_member", "session": "day1", "amount": 2000, "reduced": 500},
    {"category": "non_member", "session": "day1", "amount": 3000, "reduced": 500},
    {"category": "individual_member", "session": "reception", "amount": 4000},
    {"category": "non_member", "session": "reception", "amount": 4000},
]


async def priced_event(capacity: int | None = 10) -> Event:
    return await make_event(capacity=capacity, prices=PRICES)


async def due(registration: Registration) -> int:
    return (await Registration.get(id=registration.id)).amount_due


async def assert_accounts_add_up() -> None:
    """Every registration's amount due is the sum of its ledger entries, and its charges are what
    its confirmed seats cost now."""
    for registration in await Registration.all():
        entries = await LedgerEntry.filter(registration_id=registration.id)
        assert registration.amount_due == sum(entry.amount for entry in entries), (
            f"{registration.code}: amount_due {registration.amount_due} is the sum of its entries"
        )
    settled = await ledger.settle_charges([registration.id for registration in await Registration.all()])
    assert settled == {}, f"every charge was written when the seats changed, none was left to write: {settled}"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


# Prices --------------------------------------------------------------------------------------


async def test_an_event_shows_its_prices_and_currency(client: httpx.AsyncClient) -> None:
    token = await staff_token()
    created = await client.post("/api/v1/events", json=event_data(prices=PRICES), headers=auth(token))

    shown = (await client.get("/api/v1/events/workshop")).json()

    assert created.status_code == 201, created.text
    assert shown["currency"] == "JPY" and shown["prices"] == PRICES


@pytest.mark.parametrize(
    ("price", "field"),
    [
        ({"category": "non_member", "session": "day1", "amount": -1}, "prices.0.amount"),
        ({"category": "non_member", "session": "day1", "amount": 2000.5}, "prices.0.amount"),
        ({"category": "non_member", "session": "day1", "amount": "2000"}, "prices.0.amount"),
        ({"category": "non_member", "session": "day1", "amount": 1000, "reduced": 2000}, "prices.0.reduced"),
        ({"category": "student", "session": "day1", "amount": 1000}, "prices.0.category"),
        ({"category": "non_member", "session": "day9", "amount": 1000}, "prices.0.session"),
    ],
)
async def test_a_price_that_makes_no_sense_is_refused(
    client: httpx.AsyncClient, price: dict[str, Any], field: str
) -> None:
    token = await staff_token()

    answer = await client.post("/api/v1/events", json=event_data(prices=[price]), headers=auth(token))

    assert answer.status_code == 422 and field in answer.json()["fields"], answer.text
    assert not await Event.exists(slug="workshop"), "nothing is created"


async def test_the_same_price_twice_and_a_patch_naming_no_session_are_refused(client: httpx.AsyncClient) -> None:
    token = await staff_token()
    twice = await client.post("/api/v1/events", json=event_data(prices=PRICES + PRICES[:1]), headers=auth(token))
    await client.post("/api/v1/events", json=event_data(prices=PRICES), headers=auth(token))

    patched = await client.patch(
        "/api/v1/events/workshop",
        json={"prices": [{"category": "guest", "session": "evening", "amount": 100}]},
        headers=auth(token),
    )

    assert twice.status_code == 422 and "given twice" in twice.json()["fields"]["prices"]
    assert patched.status_code == 422 and set(patched.json()["fields"]) == {"prices.0.session"}
    assert (await get_event("workshop")).prices == PRICES, "the prices are as they were"


# Charges follow the confirmed seats ----------------------------------------------------------


async def test_a_registration_owes_the_price_of_its_confirmed_seats(client: httpx.AsyncClient) -> None:
    await priced_event()
    body = {"name": "Aoki", "email": "aoki@example.org", "category": "non_member", "sessions": ["day1", "reception"]}

    created = (await client.post("/api/v1/events/workshop/registrations", json=body)).json()
    shown = (await client.get(created["links"]["api"])).json()

    assert created["amount_due"] == 7000 and shown["amount_due"] == 7000, "¥3,000 for the day and ¥4,000 reception"
    await assert_accounts_add_up()


async def test_the_reduced_price_is_the_participants_own_choice(client: httpx.AsyncClient) -> None:
    await priced_event()
    body = {"name": "Cruz", "email": "cruz@example.org", "category": "non_member", "sessions": ["day1", "reception"]}

    created = (await client.post("/api/v1/events/workshop/registrations", json={**body, "reduced_fee": True})).json()

    assert created["amount_due"] == 4500, "the reduced day fee; the reception has no reduced price"


async def test_a_waiting_seat_costs_nothing_until_it_is_confirmed(client: httpx.AsyncClient) -> None:
    event = await priced_event(capacity=1)
    first = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    waiting = (await make_registration(event, 2, ["day1"], category="individual_member")).registration
    owed_while_waiting = await due(waiting)

    await cancel(first)

    assert owed_while_waiting == 0
    assert await due(first) == 0, "a seat given up is no longer charged (a negative charge)"
    assert await due(waiting) == 2000, "promoted: the member's day fee"
    charges = await LedgerEntry.filter(registration_id=first.id).values_list("amount", flat=True)
    assert charges == [3000, -3000], "nothing is overwritten: the correction is one more entry"
    await assert_accounts_add_up()


async def test_a_price_corrected_later_is_one_more_charge_for_everyone_it_touches() -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    corrected = [{**price, "amount": 2500} if price["session"] == "day1" else price for price in PRICES]

    await update_event("workshop", EventPatch.model_validate({"prices": corrected}))

    assert await due(person) == 2500
    assert await LedgerEntry.filter(registration_id=person.id).values_list("amount", flat=True) == [3000, -500]
    await assert_accounts_add_up()


async def test_a_new_category_set_at_the_desk_changes_the_price() -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    fields = {"name": "Participant 1", "email": "person1@example.org", "category": "individual_member"}

    await edit_registration(person, RegistrationEdit.model_validate({**fields, "language": "ja"}), staff=None)

    assert await due(person) == 2000
    await assert_accounts_add_up()


# Payments, refunds and waivers -------------------------------------------------------------


async def test_cash_then_a_waiver_settle_what_is_owed_and_nothing_more_can_be_paid() -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1", "reception"], category="non_member")).registration

    cash = await ledger.record(person, 5000, "cash", note="desk 1")
    waived = await ledger.record(person, 2000, "waiver", note="no income")
    with pytest.raises(Conflict) as nothing:
        await ledger.record(person, 1000, "cash")

    assert (cash.amount_due, waived.amount_due) == (2000, 0)
    assert cash.entry.kind == EntryKind.PAYMENT and cash.entry.method == Method.CASH and cash.entry.amount == -5000
    assert nothing.value.code == "nothing_to_pay"
    await assert_accounts_add_up()


@pytest.mark.usefixtures("english")
async def test_more_than_is_owed_or_a_refund_above_what_was_paid_is_refused() -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration

    with pytest.raises(InvalidInput) as too_much:
        await ledger.record(person, 3001, "transfer")
    with pytest.raises(Conflict) as nothing_paid:
        await ledger.record(person, 100, "refund")
    await ledger.record(person, 3000, "transfer")
    with pytest.raises(Conflict) as refund_too_much:
        await ledger.record(person, 3001, "refund")

    assert too_much.value.fields == {"amount": "Only ¥3,000 is owed."}
    assert nothing_paid.value.code == "nothing_to_pay"
    assert refund_too_much.value.code == "nothing_to_pay", "the contract: a refund above what was paid is 409"
    assert "¥3,000" in refund_too_much.value.message, "the message says how much was paid"
    assert await due(person) == 0


async def test_a_cancellation_after_paying_is_owed_back_and_refunded() -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    await ledger.record(person, 3000, "cash")

    await cancel(person)
    owed_back = await due(person)
    refund = await ledger.record(person, 3000, "refund", refund_via=Method.TRANSFER)

    assert owed_back == -3000, "the seat given up: the network owes the person ¥3,000"
    assert refund.amount_due == 0 and refund.entry.method == Method.TRANSFER
    await assert_accounts_add_up()


# The API -------------------------------------------------------------------------------------


async def test_the_desk_takes_cash_through_the_api_and_a_retry_records_nothing_new(
    client: httpx.AsyncClient,
) -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    token = await staff_token()
    url = f"/api/v1/events/workshop/registrations/{person.code}/payments"
    body = {"amount": 3000, "method": "cash", "payment_id": "desk1-0001", "note": "受付1"}

    first = await client.post(url, json=body, headers=auth(token))
    again = await client.post(url, json=body, headers=auth(token))
    listed = await client.get(url, headers=auth(token))

    assert first.status_code == 201 and again.status_code == 201
    assert again.json() == first.json(), "the retry answers what the first answered"
    assert first.json()["amount"] == 3000 and first.json()["method"] == "cash" and first.json()["amount_due"] == 0
    assert [entry["amount"] for entry in listed.json()] == [3000], "one payment, whatever the retries"
    assert await AuditEntry.filter(action="api_payments", method="POST").count() == 2, "each call is in the trail"


async def test_a_refund_above_what_was_paid_is_409_nothing_to_pay_as_the_contract_says(
    client: httpx.AsyncClient,
) -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    headers = auth(await staff_token())
    url = f"/api/v1/events/workshop/registrations/{person.code}/payments"
    await client.post(url, json={"amount": 3000, "method": "cash"}, headers=headers)

    too_much = await client.post(url, json={"amount": 3001, "method": "refund"}, headers=headers)

    assert too_much.status_code == 409, too_much.text
    assert too_much.json()["error"] == "nothing_to_pay"
    assert await due(person) == 0, "nothing was refunded"


async def test_a_whole_payment_sent_ten_times_at_once_gets_the_first_answer_each_time(
    client: httpx.AsyncClient,
) -> None:
    """A phone that retries its "paid" tap while the first is still on its way: every answer is the
    first one's, none is "nothing to pay" (on PostgreSQL the nine others used to find the debt gone)."""
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    headers = auth(await staff_token())
    url = f"/api/v1/events/workshop/registrations/{person.code}/payments"
    body = {"amount": 3000, "method": "cash", "payment_id": "phone-3-0007"}

    answers = await asyncio.gather(*(client.post(url, json=body, headers=headers) for _ in range(10)))

    assert [answer.status_code for answer in answers] == [201] * 10, [answer.text for answer in answers]
    assert len({answer.json()["id"] for answer in answers}) == 1, "one payment, answered ten times"
    assert {answer.json()["amount_due"] for answer in answers} == {0}
    assert await LedgerEntry.filter(registration_id=person.id, kind=EntryKind.PAYMENT).count() == 1
    await assert_accounts_add_up()


async def test_payment_bodies_that_make_no_sense_are_refused(client: httpx.AsyncClient) -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    token = await staff_token()
    url = f"/api/v1/events/workshop/registrations/{person.code}/payments"

    answers = [
        await client.post(url, json=body, headers=auth(token))
        for body in (
            {"amount": 0, "method": "cash"},
            {"amount": 100.5, "method": "cash"},
            {"amount": "100", "method": "cash"},
            {"amount": 100, "method": "card"},
            {"amount": 100},
            [],
        )
    ]

    assert [answer.status_code for answer in answers] == [422] * 6
    assert all(answer.json()["error"] == "invalid" for answer in answers)
    assert await due(person) == 3000


async def test_door_accounts_never_reach_the_ledger(client: httpx.AsyncClient) -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    door = await staff_token(Role.DOOR)
    url = f"/api/v1/events/workshop/registrations/{person.code}/payments"

    answers = [
        await client.post(url, json={"amount": 3000, "method": "cash"}, headers=auth(door)),
        await client.get(url, headers=auth(door)),
        await client.get("/api/v1/events/workshop/payments.csv", headers=auth(door)),
    ]

    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert await due(person) == 3000


async def test_the_ledger_file_has_every_entry(client: httpx.AsyncClient) -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1", "reception"], category="non_member")).registration
    await ledger.record(person, 7000, "transfer")
    await cancel(person)
    await ledger.record(person, 4000, "refund")
    token = await staff_token()

    answer = await client.get("/api/v1/events/workshop/payments.csv?bom=0", headers=auth(token))
    rows = list(csv.DictReader(io.StringIO(answer.text)))

    assert [(row["kind"], row["amount"], row["session"]) for row in rows] == [
        ("charge", "3000", "day1"),
        ("charge", "4000", "reception"),
        ("payment", "7000", ""),
        ("charge", "-3000", "day1"),
        ("charge", "-4000", "reception"),
        ("refund", "4000", ""),
    ]
    assert sum(int(row["effect_on_amount_due"]) for row in rows) == await due(person) == -3000


# At the same moment --------------------------------------------------------------------------


async def test_two_desks_taking_the_same_persons_cash_at_once_record_one_payment() -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration

    async def desk(number: int) -> str:
        try:
            await ledger.record(person, 3000, "cash", payment_id=f"desk{number}")
        except Conflict as exc:
            return exc.code
        return "paid"

    outcomes = await asyncio.gather(*(desk(number) for number in range(8)))

    assert sorted(outcomes) == ["nothing_to_pay"] * 7 + ["paid"], outcomes
    assert await LedgerEntry.filter(registration_id=person.id, kind=EntryKind.PAYMENT).count() == 1
    await assert_accounts_add_up()


async def test_one_payment_sent_many_times_at_once_is_recorded_once() -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration

    answers = await asyncio.gather(*(ledger.record(person, 1000, "cash", payment_id="phone-7") for _ in range(8)))

    assert {answer.entry.id for answer in answers} == {answers[0].entry.id}
    assert {answer.amount_due for answer in answers} == {2000}, "every answer is the first one's"
    assert await due(person) == 2000


async def test_a_payment_id_cannot_pay_for_someone_else() -> None:
    event = await priced_event()
    one = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    other = (await make_registration(event, 2, ["day1"], category="non_member")).registration
    await ledger.record(one, 3000, "cash", payment_id="desk-1")

    with pytest.raises(Conflict) as used:
        await ledger.record(other, 3000, "cash", payment_id="desk-1")

    assert used.value.code == "payment_id_used" and await due(other) == 3000


async def test_a_mixed_day_at_the_desk_adds_up(app: Starlette) -> None:
    """Registrations, cancellations, promotions, payments, refunds and waivers all at once."""
    event = await priced_event(capacity=3)
    people = [
        (await make_registration(event, number, ["day1", "reception"], category="non_member")).registration
        for number in range(1, 7)
    ]

    async def pay(registration: Registration) -> None:
        try:
            await ledger.record(registration, 1000, "cash")
        except (Conflict, InvalidInput):
            pass

    await asyncio.gather(
        *(pay(person) for person in people),
        cancel(people[0]),
        cancel(people[1]),
        *(pay(person) for person in people),
        ledger.record(people[2], 500, "waiver"),
    )

    await assert_accounts_add_up()


async def test_the_door_hears_what_is_left_to_pay_with_the_check_in(client: httpx.AsyncClient) -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1", "reception"], category="non_member")).registration
    door = await staff_token(Role.DOOR)
    scan = {"scan": person.code, "session": "day1", "device": "door-A"}

    first = (await client.post("/api/v1/events/workshop/checkins", json=scan, headers=auth(door))).json()
    await ledger.record(person, 7000, "cash")
    again = (await client.post("/api/v1/events/workshop/checkins", json=scan, headers=auth(door))).json()

    assert (first["result"], first["amount_due"], first["to_pay"]) == ("ok", 7000, "¥7,000 to pay at the desk")
    assert (again["result"], again["amount_due"]) == ("already_checked_in", 0) and "to_pay" not in again
    door_words = {"result", "message", "session", "checked_in_at", "off_day", "note", "registration"}
    assert set(first) <= door_words | {"amount_due", "to_pay"}, "the door hears the sum and nothing else of the ledger"


async def test_the_demo_has_fees_and_people_who_paid_at_the_desk_by_transfer_and_not_yet() -> None:
    from datetime import date

    from events.demo import create_demo

    event, _password = await create_demo(date.today())
    people = {registration.name: registration for registration in await Registration.filter(event_id=event.id)}
    methods = {
        name: await LedgerEntry.filter(registration_id=person.id, kind=EntryKind.PAYMENT).values_list(
            "method", flat=True
        )
        for name, person in people.items()
    }

    assert event.price("non_member", "day1") == 3000 and event.price("guest", "reception") == 4000
    assert methods["山田 花子"] == [Method.CASH] and people["山田 花子"].amount_due == 0
    assert methods["佐藤 健"] == [Method.TRANSFER] and people["佐藤 健"].amount_due == 0
    assert people["Maria Santos"].amount_due == 1000, "two days at the reduced fee, not paid yet"
    assert people["鈴木 一郎"].amount_due == 0, "staff pay nothing"
    memberships = {name: (person.membership, person.member_number) for name, person in people.items()}
    assert memberships["山田 花子"] == ("confirmed", "0001"), "matched by her address in the demo roster"
    assert memberships["佐藤 健"] == ("confirmed", "0102")
    assert memberships["João Pereira"] == ("to_confirm", ""), "a subscriber not on the roster: the desk checks"
    assert event.cancellation_policy and event.cancellation_policy["percent"] == 50
    await assert_accounts_add_up()


# The desk on the person's page ---------------------------------------------------------------


async def test_the_desk_takes_the_cash_in_one_tap_and_a_second_tap_records_nothing(
    client: httpx.AsyncClient,
) -> None:
    from tests.conftest import csrf_token, sign_in

    event = await priced_event()
    person = (await make_registration(event, 1, ["day1", "reception"], category="non_member")).registration
    await sign_in(client, Role.ORGANIZER)
    url = f"/staff/events/workshop/registrations/{person.code}"
    page = await client.get(url, headers={"Accept-Language": "en"})
    tap = {
        "csrf_token": csrf_token(page.text),
        "payment_id": _hidden(page.text, "payment_id"),
        "amount": "7000",
        "method": "cash",
    }

    first = await client.post(f"{url}/payments", data=tap)
    second = await client.post(f"{url}/payments", data=tap)
    after = await client.get(url, headers={"Accept-Language": "en"})

    assert "To pay: ¥7,000" in page.text and "Take ¥7,000 in cash" in page.text
    assert first.status_code == 303 and second.status_code == 303
    assert await LedgerEntry.filter(registration_id=person.id, kind=EntryKind.PAYMENT).count() == 1, (
        "the same form sent twice is one payment"
    )
    assert "Paid in full." in after.text and "Take" not in after.text.split('id="fees"')[1].split("<h2")[0]
    assert await AuditEntry.filter(action="staff_registration_payment").count() == 2


async def test_the_desk_page_in_japanese_writes_yen_the_japanese_way(client: httpx.AsyncClient) -> None:
    from tests.conftest import sign_in

    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    await sign_in(client, Role.ORGANIZER)

    page = await client.get(f"/staff/events/workshop/registrations/{person.code}", headers={"Accept-Language": "ja"})

    assert "3,000円" in page.text and "¥3,000" not in page.text


async def test_a_payment_the_desk_cannot_take_is_said_on_the_page(client: httpx.AsyncClient) -> None:
    from tests.conftest import csrf_token, sign_in

    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    await sign_in(client, Role.ORGANIZER)
    url = f"/staff/events/workshop/registrations/{person.code}"
    page = await client.get(url, headers={"Accept-Language": "en"})
    token = csrf_token(page.text)

    too_much = await client.post(
        f"{url}/payments",
        data={"csrf_token": token, "amount": "9,000", "method": "transfer"},
        headers={"Accept-Language": "en"},
    )
    not_a_number = await client.post(
        f"{url}/payments",
        data={"csrf_token": token, "amount": "three", "method": "cash"},
        headers={"Accept-Language": "en"},
    )

    assert too_much.status_code == 422 and "Only ¥3,000 is owed." in too_much.text
    assert not_a_number.status_code == 422 and 'class="field-error" role="alert"' in not_a_number.text
    assert await due(person) == 3000


def _hidden(html: str, name: str) -> str:
    import re

    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]+)">', html)
    assert found, f"the page has its {name}"
    return found.group(1)


# What participants see -----------------------------------------------------------------------


async def test_the_form_shows_each_sessions_fee_and_the_reduced_choice_before_registering(
    client: httpx.AsyncClient,
) -> None:
    from tests.conftest import csrf_token

    await priced_event()
    english = await client.get("/events/workshop?lang=en")
    japanese = await client.get("/events/workshop?lang=ja")

    registered = await client.post(
        "/events/workshop?lang=en",
        data={
            "csrf_token": csrf_token(english.text),
            "sessions": ["day1"],
            "name": "Cruz",
            "email": "cruz@example.org",
            "category": "non_member",
            "reduced_fee": "1",
        },
    )
    own_page = await client.get(registered.headers["location"])

    assert "Fee: individual_member ¥2,000 · non_member ¥3,000 (reduced: ¥500)" in english.text
    assert "non_member 3,000円" in japanese.text and "¥" not in japanese.text.split("<form")[1].split("</form>")[0]
    assert 'name="reduced_fee"' in english.text and "No reason is asked" in english.text
    person = await Registration.get(email="cruz@example.org")
    assert person.reduced_fee and person.amount_due == 500, "the reduced fee, chosen on the form"
    assert "To pay: ¥500, at the desk on the day." in own_page.text


async def test_a_free_event_says_nothing_of_fees(client: httpx.AsyncClient) -> None:
    await make_event()

    page = await client.get("/events/workshop?lang=en")

    assert "Fee:" not in page.text and "reduced_fee" not in page.text


async def test_the_confirmation_e_mail_says_what_is_to_pay() -> None:
    from events.mail import compose
    from events.mail.models import OutboxMessage
    from events.money import transfers

    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member", language="en")).registration
    [message] = await OutboxMessage.filter(registration_id=person.id).prefetch_related("registration", "event")

    written = await compose.write(message)
    with_account = await compose.write(message, bank_account="ゆうちょ銀行 〇一八支店 普通 1234567 ネットワーク")

    assert "To pay: ¥3,000, at the desk on the day." in written.text and "¥3,000" in written.html
    assert "bank transfer" not in written.text, "no transfer is offered without the organization's account"
    reference = transfers.reference(person.id)
    for body in (with_account.text, with_account.html):
        assert "ゆうちょ銀行 〇一八支店 普通 1234567" in body
        assert f"Put {reference} before your name as the sender" in body


# Every figure agrees everywhere --------------------------------------------------------------


async def test_the_money_figures_agree_on_the_page_the_files_the_pdf_and_each_persons_page(
    client: httpx.AsyncClient,
) -> None:
    import re

    from openpyxl import load_workbook

    from events.money.words import yen
    from tests.conftest import sign_in
    from tests.test_badges import page_text

    event = await priced_event(capacity=5)
    people = [
        (await make_registration(event, number, ["day1", "reception"], category=category)).registration
        for number, category in enumerate(
            ["non_member", "individual_member", "non_member", "individual_member", "non_member", "non_member"],
            start=1,
        )
    ]
    await ledger.record(people[0], 7000, "cash")
    await ledger.record(people[1], 6000, "transfer")
    await ledger.record(people[2], 1000, "cash")
    await ledger.record(people[3], 6000, "waiver")
    await ledger.record(people[4], 7000, "cash")
    await cancel(people[4])  # promotes people[5] into day 1 and the reception
    await ledger.record(people[4], 4000, "refund")
    await ledger.record(people[5], 500, "waiver", note="no income")
    entries = await LedgerEntry.filter(event_id=event.id)
    expected = {
        "charged": sum(e.amount for e in entries if e.kind == EntryKind.CHARGE),
        "paid_cash": -sum(e.amount for e in entries if e.kind == EntryKind.PAYMENT and e.method == Method.CASH),
        "paid_transfer": -sum(e.amount for e in entries if e.kind == EntryKind.PAYMENT and e.method == Method.TRANSFER),
        "refunded": sum(e.amount for e in entries if e.kind == EntryKind.REFUND),
        "waived": -sum(e.amount for e in entries if e.kind == EntryKind.WAIVER),
    }
    dues = {person.code: (await Registration.get(id=person.id)).amount_due for person in people}
    expected["outstanding"] = sum(due for due in dues.values() if due > 0)
    expected["owed_back"] = -sum(due for due in dues.values() if due < 0)
    assert expected["owed_back"] == 3000 and expected["outstanding"] > 0, expected
    token = await staff_token()
    english = auth(token)

    await sign_in(client, Role.ORGANIZER)
    page = (await client.get("/staff/events/workshop/report", headers={"Accept-Language": "en"})).text
    totals_row = re.search(r"<tfoot><tr><th scope=\"row\">Total</th>(.*?)</tr></tfoot>", page, re.S)
    assert totals_row, "the report page has the fees' totals"
    shown = re.findall(r"<td>(.*?)</td>", totals_row.group(1))
    assert shown == [yen(expected[key], "en") for key in expected], (shown, expected)

    pdf_text = page_text((await client.get("/api/v1/events/workshop/report.pdf", headers=english)).content)
    fees = pdf_text[pdf_text.index("Fees") :]
    assert " ".join(yen(expected[key], "en") for key in expected) in fees.replace("\n", " "), fees

    api = (await client.get("/api/v1/events/workshop/money", headers=english)).json()
    assert {key: api[key] for key in expected} == expected, "the API says the same sums"
    assert api["currency"] == "JPY" and sum(row["charged"] for row in api["by_category"]) == expected["charged"]

    ledger_csv = list(
        csv.DictReader(
            io.StringIO((await client.get("/api/v1/events/workshop/payments.csv?bom=0", headers=english)).text)
        )
    )
    sums = {kind: sum(int(row["amount"]) for row in ledger_csv if row["kind"] == kind) for kind in EntryKind}
    assert sums[EntryKind.CHARGE] == expected["charged"] and sums[EntryKind.REFUND] == expected["refunded"]
    assert sums[EntryKind.PAYMENT] == expected["paid_cash"] + expected["paid_transfer"]
    assert sums[EntryKind.WAIVER] == expected["waived"]

    workbook = load_workbook(
        io.BytesIO((await client.get("/api/v1/events/workshop/payments.xlsx", headers=english)).content)
    )
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    effects = [row[header.index("effect_on_amount_due")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sum(effects) == expected["outstanding"] - expected["owed_back"]

    participants = list(
        csv.DictReader(
            io.StringIO((await client.get("/api/v1/events/workshop/participants.csv?bom=0", headers=english)).text)
        )
    )
    assert {row["code"]: int(row["amount_due"]) for row in participants} == dues
    for person in (person for person in people if dues[person.code] > 0):
        own = (await client.get(f"/manage/{person.secret}?lang=en")).text
        assert f"To pay: {yen(dues[person.code], 'en')}, at the desk on the day." in own, person.code
    await assert_accounts_add_up()


# Bank transfers ------------------------------------------------------------------------------


def test_a_transfer_reference_finds_its_registration_and_a_mistyped_one_finds_nobody() -> None:
    from events.money.transfers import reference, registration_id

    shown = reference(421)

    assert shown == "04218" and registration_id(f"{shown} ヤマダ ハナコ") == 421
    assert registration_id("０４２１８ヤマダ") == 421, "full-width digits, as banks print them"
    assert registration_id("04213 ヤマダ") is None, "a wrong last digit"
    assert registration_id("04128 ヤマダ") is None, "two digits swapped"
    assert registration_id("ヤマダ ハナコ") is None and reference(1234567) == "12345674"


async def test_the_participant_is_told_how_to_pay_by_transfer_when_the_organization_takes_them(
    settings: object,
) -> None:
    from events.money.transfers import reference
    from events.settings import IssuerSettings
    from tests.conftest import make_app, running

    account = "ゆうちょ銀行 〇一九店 当座 0123456\nイジュウシャトレンタイスルカイ"
    configured = make_app(settings, issuer=IssuerSettings(bank_account=account))  # type: ignore[arg-type]
    async with running(configured):
        event = await priced_event()
        person = (
            await make_registration(event, 1, ["day1"], category="non_member", name_reading="ヤマダ ハナコ")
        ).registration
        transport = httpx.ASGITransport(app=configured)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            page = (await client.get(f"/manage/{person.secret}?lang=en")).text

    code = reference(person.id)
    assert "ゆうちょ銀行 〇一九店 当座 0123456" in page
    assert f"Put {code} before your name as the sender, like this: {code} ヤマダ ハナコ." in page


async def test_without_an_account_no_transfer_is_offered(client: httpx.AsyncClient) -> None:
    event = await priced_event()
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration

    page = (await client.get(f"/manage/{person.secret}?lang=en")).text

    assert "bank transfer" not in page and "To pay: ¥3,000" in page


# A bank statement --------------------------------------------------------------------------


async def test_a_bank_statement_is_previewed_then_its_matched_deposits_recorded_once(
    client: httpx.AsyncClient,
) -> None:
    from events.money.transfers import reference
    from tests.conftest import csrf_token, sign_in

    event = await priced_event()
    other = await make_event("other", prices=PRICES)
    owing = [
        (await make_registration(event, number, ["day1"], category="non_member")).registration for number in range(1, 4)
    ]
    elsewhere = (await make_registration(other, 9, ["day1"], category="non_member")).registration
    mistyped = reference(owing[2].id)[:-1] + str((int(reference(owing[2].id)[-1]) + 1) % 10)
    statement = (
        "お取引日,摘要,お引出金額,お預り金額,残高\r\n"
        f"2026/11/20,振込 {reference(owing[0].id)} ヤマダ ハナコ,,3000,103000\r\n"
        f"2026/11/21,振込 {reference(owing[1].id)} サトウ ケン,,2500,105500\r\n"
        f"2026/11/21,振込 {mistyped} スズキ,,3000,108500\r\n"
        "2026/11/22,振込 タナカ タロウ,,3000,111500\r\n"
        f"2026/11/22,振込 {reference(elsewhere.id)} キム,,3000,114500\r\n"
        "2026/11/23,手数料,220,,114280\r\n"
    ).encode("shift_jis")
    await sign_in(client, Role.ORGANIZER)
    page = await client.get("/staff/events/workshop/transfers", headers={"Accept-Language": "en"})
    token = csrf_token(page.text)

    preview = await client.post(
        "/staff/events/workshop/transfers",
        data={"csrf_token": token},
        files={"file": ("statement.csv", statement, "text/csv")},
        headers={"Accept-Language": "en"},
    )
    written_by_preview = await LedgerEntry.filter(event_id=event.id, kind=EntryKind.PAYMENT).count()
    kept = _hidden(preview.text, "statement")
    confirm = {"csrf_token": token, "statement": kept, "filename": "statement.csv", "action": "record"}
    recorded = await client.post("/staff/events/workshop/transfers", data=confirm, headers={"Accept-Language": "en"})
    again = await client.post("/staff/events/workshop/transfers", data=confirm, headers={"Accept-Language": "en"})

    assert preview.status_code == 200 and written_by_preview == 0, "the preview records nothing"
    assert "Record the 1 matched deposits" in preview.text
    for reason in (
        "A different amount",
        "No transfer reference",
        "The reference is not of this event",
        "Not a deposit",
    ):
        assert reason in preview.text, reason
    assert "Recorded: 1 deposits." in recorded.text
    assert "Recorded: 0 deposits." in again.text, "the same statement again records nothing"
    assert [await due(person) for person in owing] == [0, 3000, 3000]
    payment = await LedgerEntry.get(registration_id=owing[0].id, kind=EntryKind.PAYMENT)
    assert payment.method == Method.TRANSFER and payment.note == "bank statement, 2026/11/20"
    assert await due(elsewhere) == 3000, "another event's registration is never paid from here"


# The day's cash at each desk ---------------------------------------------------------------


async def test_the_days_cash_is_counted_per_desk_and_in_all(client: httpx.AsyncClient) -> None:
    from tests.conftest import csrf_token, sign_in

    event = await priced_event()
    people = [
        (await make_registration(event, number, ["day1"], category="non_member")).registration for number in range(1, 5)
    ]
    await sign_in(client, Role.ORGANIZER)
    for person, desk in zip(people[:3], ["受付1", "受付1", "受付2"], strict=True):
        url = f"/staff/events/workshop/registrations/{person.code}"
        page = await client.get(url)
        tap = {"csrf_token": csrf_token(page.text), "amount": "3000", "method": "cash", "device": desk}
        assert (await client.post(f"{url}/payments", data=tap)).status_code == 303
    await ledger.record(people[3], 3000, "transfer", device="受付2")  # no cash: not in the box
    await cancel(people[2])
    await ledger.record(people[2], 3000, "refund", device="受付2")
    remembered = await client.get(f"/staff/events/workshop/registrations/{people[3].code}")

    page = await client.get("/staff/events/workshop/cash", headers={"Accept-Language": "en"})

    rows = {
        cells[0]: cells[2:]
        for cells in (
            [cell.strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
            for row in re.findall(r"<tr>(.*?)</tr>", page.text, re.S)
        )
        if cells
    }
    assert rows["受付1"] == ["2", "¥6,000", "¥0", "¥6,000"]
    assert rows["受付2"] == ["1", "¥3,000", "¥3,000", "¥0"]
    assert rows["Total"] == ["3", "¥9,000", "¥3,000", "¥6,000"]
    assert re.search(r'name="device"[^>]*value="受付2"', remembered.text), "the browser's desk is remembered"


async def test_one_person_promoted_in_two_sessions_at_once_is_charged_for_both_once() -> None:
    """Two cancellations at the same moment free one seat each in two sessions where the same
    person waits first: each promotion charges that person, and neither undoes the other's."""
    event = await priced_event(capacity=1)
    for round_ in range(5):
        first = (await make_registration(event, 100 + round_, ["day1"], category="non_member")).registration
        second = (await make_registration(event, 200 + round_, ["reception"], category="non_member")).registration
        waiting = (
            await make_registration(event, 300 + round_, ["day1", "reception"], category="non_member")
        ).registration

        await asyncio.gather(cancel(first), cancel(second))

        assert await due(waiting) == 7000, f"round {round_}: the day and the reception, charged once each"
        await cancel(waiting)  # frees both seats for the next round
    await assert_accounts_add_up()


async def test_the_desk_finds_a_person_by_scanning_their_badge_into_the_search(client: httpx.AsyncClient) -> None:
    """A handheld scanner types the badge's QR text into the list's search box: the person is found."""
    from events.badges.tokens import badge_token
    from tests.conftest import sign_in

    event = await priced_event()
    wanted = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    other = (await make_registration(event, 2, ["day1"], category="non_member")).registration
    await sign_in(client, Role.ORGANIZER)

    found = await client.get("/staff/events/workshop", params={"q": badge_token("k", event.id, wanted.code, "s")})

    assert wanted.name in found.text and other.name not in found.text
