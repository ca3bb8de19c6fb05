"""Receipts (領収書): issued with each payment, numbered without gaps, read back from real PDFs."""

from __future__ import annotations

import asyncio
import io

import httpx
import pytest
from pypdf import PdfReader
from starlette.applications import Starlette

from events.errors import Conflict
from events.money import ledger, receipts
from events.money.models import Receipt
from events.money.receipt_pdf import ReceiptSheet, kanji_amount, render_receipt, tax_included
from events.registrations.models import Registration
from events.registrations.privacy import purge_event
from events.registrations.service import cancel
from events.settings import IssuerSettings, invoice_number_valid
from events.staff.models import Role
from tests.conftest import make_app, running
from tests.factories import make_event, make_registration, staff_token
from tests.test_badges import page_text
from tests.test_money import PRICES, auth

pytestmark = pytest.mark.usefixtures("app")

ISSUER = IssuerSettings(name="移住者と連帯する全国ネットワーク", address="東京都台東区上野1-12-6\n3階")
#: The National Tax Agency's own corporate number, as a registration number: its check digit holds.
INVOICE_NUMBER = "T7000012050002"


def fonts_of(pdf: bytes) -> set[str]:
    """The fonts the PDF uses, each embedded (a FontFile2 in its descriptor) or not."""
    found: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            found.add(f"{font['/BaseFont']}{'' if embedded else ' (not embedded)'}")
    return found


async def paid_person(number: int = 1, **changes: object) -> Registration:
    event = await make_event(prices=PRICES) if number == 1 else None
    from events.program.models import Event

    event = event or await Event.get(slug="workshop")
    person = (
        await make_registration(event, number, ["day1", "reception"], category="non_member", **changes)
    ).registration
    await ledger.record(person, 7000, "cash")
    return await Registration.get(id=person.id)


# The numbers ---------------------------------------------------------------------------------


async def test_each_payment_gets_a_receipt_numbered_after_the_last() -> None:
    first = await paid_person(1)
    second = await paid_person(2)

    numbers = [receipt.number for receipt in await Receipt.all().order_by("number")]

    assert numbers == [1, 2]
    assert [receipt.registration_id for receipt in await Receipt.all().order_by("number")] == [first.id, second.id]  # type: ignore[attr-defined]


async def test_receipt_numbers_stay_unique_and_gapless_when_desks_pay_at_once() -> None:
    event = await make_event(prices=PRICES, capacity=None)
    people = [
        (await make_registration(event, number, ["day1"], category="non_member")).registration
        for number in range(1, 13)
    ]

    await asyncio.gather(*(ledger.record(person, 3000, "cash", payment_id=f"p{person.id}") for person in people))

    numbers = sorted(await Receipt.filter(event_id=event.id).values_list("number", flat=True))
    assert numbers == list(range(1, 13)), numbers


async def test_a_waiver_or_a_refund_has_no_receipt_and_a_failed_payment_uses_no_number() -> None:
    person = await paid_person(1)
    await cancel(person)
    await ledger.record(person, 7000, "refund")
    with pytest.raises(Conflict):
        await ledger.record(person, 7000, "waiver")  # nothing owed: refused, and no number taken
    other = await paid_person(2)

    assert [receipt.number for receipt in await Receipt.all().order_by("number")] == [1, 2]
    assert (await Receipt.get(number=2)).registration_id == other.id  # type: ignore[attr-defined]


# The PDF -------------------------------------------------------------------------------------


def sheet(**changes: object) -> ReceiptSheet:
    fields: dict[str, object] = {
        "number": "0012",
        "issued_on": "2026年12月3日",
        "paid_on": "2026年12月3日",
        "addressee": "髙橋 直子",
        "amount": 12000,
        "purpose": "第6回全国ワークショップ 参加費として",
        "method": "現金",
        "issuer_name": ISSUER.name,
        "issuer_address": ISSUER.address,
    }
    fields.update(changes)
    return ReceiptSheet(**fields)  # type: ignore[arg-type]


def test_a_japanese_receipt_reads_back_with_everything_it_must_say() -> None:
    pdf = render_receipt(sheet())
    text = page_text(pdf)

    for expected in ("領 収 書", "No. 0012", "髙橋 直子 様", "¥12,000-", "但し 第6回全国ワークショップ 参加費として"):
        assert expected in text, f"{expected!r} is on the receipt: {text!r}"
    assert "上記正に領収いたしました。" in text and "移住者と連帯する全国ネットワーク" in text and "印" in text
    assert "再発行" not in text and "上様" not in text
    assert "登録番号" not in text and "消費税" not in text, "without a registration number it is no invoice"
    assert fonts_of(pdf) and all("not embedded" not in font for font in fonts_of(pdf)), fonts_of(pdf)
    assert any("TsudoiSansJA" in font for font in fonts_of(pdf)), "kanji in their Japanese forms"


def test_with_a_registration_number_it_is_a_simplified_qualified_invoice() -> None:
    text = page_text(render_receipt(sheet(invoice_number=INVOICE_NUMBER, tax_rate=10)))

    assert f"登録番号 {INVOICE_NUMBER}" in text
    assert "10%対象 ¥12,000(うち消費税額 ¥1,090)" in text


def test_a_copy_says_reissued_and_the_amount_may_be_written_in_kanji() -> None:
    text = page_text(render_receipt(sheet(reissue=True, kanji=True)))

    assert "再発行" in text and "金壱万弐千円也" in text


def test_an_english_receipt_on_request() -> None:
    text = page_text(render_receipt(sheet(language="en", addressee="Kalayaan Japan", purpose="Participation fee")))

    assert "RECEIPT" in text and "Received from" in text and "Kalayaan Japan" in text and "¥12,000-" in text


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (12000, "金壱万弐千円也"),
        (10000, "金壱万円也"),
        (3500, "金参千伍百円也"),
        (1234567, "金壱百弐拾参万四千伍百六拾七円也"),
    ],
)
def test_amounts_in_kanji(amount: int, words: str) -> None:
    assert kanji_amount(amount) == words


def test_the_tax_inside_an_amount_and_registration_numbers() -> None:
    assert tax_included(12000, 10) == 1090 and tax_included(5000, 8) == 370
    assert invoice_number_valid(INVOICE_NUMBER)
    assert not invoice_number_valid("T8000012050002"), "a wrong check digit"
    assert not invoice_number_valid("7000012050002") and not invoice_number_valid("T700001205000")


# Through the app -----------------------------------------------------------------------------


async def test_the_participant_reads_their_receipt_and_a_second_copy_is_marked(
    client: httpx.AsyncClient,
) -> None:
    person = await paid_person(1, name="山﨑 花子")
    links = (await client.get(f"/api/v1/registrations/{person.secret}")).json()["links"]

    listed = (await client.get(links["receipts"])).json()
    first = await client.get(listed[0]["pdf"])
    again = await client.get(listed[0]["pdf"])

    assert [(item["number"], item["amount"]) for item in listed] == [("0001", 7000)]
    assert first.status_code == 200 and first.headers["content-type"] == "application/pdf"
    assert "山﨑 花子 様" in page_text(first.content) and "¥7,000-" in page_text(first.content)
    assert "再発行" not in page_text(first.content) and "再発行" in page_text(again.content)


async def test_a_participant_reaches_only_their_own_receipts(client: httpx.AsyncClient) -> None:
    one = await paid_person(1)
    other = await paid_person(2)

    theirs = await client.get(f"/api/v1/registrations/{one.secret}/receipts/0002.pdf")
    nonsense = await client.get(f"/api/v1/registrations/{one.secret}/receipts/..%2Fsecret.pdf")

    assert theirs.status_code == 404, "receipt 0002 is someone else's"
    assert nonsense.status_code == 404
    assert (await client.get(f"/api/v1/registrations/{other.secret}/receipts/0002.pdf")).status_code == 200


async def test_the_payment_answer_names_its_receipt(client: httpx.AsyncClient) -> None:
    event = await make_event(prices=PRICES)
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration
    token = await staff_token(Role.ORGANIZER)

    answer = await client.post(
        f"/api/v1/events/workshop/registrations/{person.code}/payments",
        json={"amount": 3000, "method": "transfer"},
        headers=auth(token),
    )

    receipt = answer.json()["receipt"]
    assert receipt["number"] == "0001" and receipt["pdf"].endswith(f"/registrations/{person.secret}/receipts/0001.pdf")
    assert (await client.get(receipt["pdf"])).status_code == 200


async def test_the_addressee_is_set_once_before_the_receipt(client: httpx.AsyncClient) -> None:
    event = await make_event(prices=PRICES)
    person = (await make_registration(event, 1, ["day1"], category="non_member")).registration

    await receipts.set_addressee(person, "みなと外国人支援センター")
    await ledger.record(person, 3000, "cash")
    with pytest.raises(Conflict):
        await receipts.set_addressee(person, "上様")

    assert (await Receipt.get(registration_id=person.id)).addressee == "みなと外国人支援センター"


async def test_the_issuer_comes_from_the_settings(settings: object) -> None:
    from dataclasses import replace

    issued = make_app(settings, issuer=replace(ISSUER, invoice_number=INVOICE_NUMBER))  # type: ignore[arg-type]
    async with running(issued):
        person = await paid_person(1)
        transport = httpx.ASGITransport(app=issued)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            pdf = await client.get(f"/api/v1/registrations/{person.secret}/receipts/0001.pdf")

    text = page_text(pdf.content)
    assert ISSUER.name in text and "東京都台東区上野1-12-6" in text and INVOICE_NUMBER in text


async def test_a_purge_keeps_amounts_methods_and_dates_and_erases_addressees() -> None:
    person = await paid_person(1, name="Maria Santos")
    event = await person.event

    await purge_event(event)
    receipt = await Receipt.get(registration_id=person.id)

    assert receipt.addressee == "" and receipt.amount == 7000 and receipt.paid_at is not None
    assert receipt.method == "cash"


async def test_door_accounts_never_reach_receipts(client: httpx.AsyncClient, app: Starlette) -> None:
    person = await paid_person(1)
    door = await staff_token(Role.DOOR)

    answer = await client.get(f"/api/v1/events/workshop/registrations/{person.code}/payments", headers=auth(door))

    assert answer.status_code == 403


async def test_the_participant_names_their_receipts_on_their_page_and_then_finds_them_there(
    client: httpx.AsyncClient,
) -> None:
    from tests.conftest import csrf_token

    event = await make_event(prices=PRICES)
    person = (await make_registration(event, 1, ["day1"], category="non_member", language="en")).registration
    page = await client.get(f"/manage/{person.secret}?lang=en")

    empty = await client.post(
        f"/manage/{person.secret}/addressee?lang=en", data={"csrf_token": csrf_token(page.text), "addressee": " "}
    )
    saved = await client.post(
        f"/manage/{person.secret}/addressee",
        data={"csrf_token": csrf_token(page.text), "addressee": "Kalayaan Japan"},
    )
    await ledger.record(person, 3000, "cash")
    after = await client.get(f"/manage/{person.secret}?lang=en")

    assert "Name on your receipts" in page.text
    assert empty.status_code == 422 and 'id="f-addressee-error"' in empty.text
    assert saved.status_code == 303
    assert "Receipt No. 0001" in after.text and "Made out to Kalayaan Japan." in after.text
    assert 'name="addressee"' not in after.text, "the name is fixed once a receipt is issued"


async def test_the_desk_prints_a_copy_from_the_persons_page(client: httpx.AsyncClient) -> None:
    from tests.conftest import sign_in

    person = await paid_person(1)
    await sign_in(client, Role.ORGANIZER)
    page = await client.get(f"/staff/events/workshop/registrations/{person.code}", headers={"Accept-Language": "en"})

    copy = await client.get(f"/staff/events/workshop/registrations/{person.code}/receipts/0001.pdf")

    assert "Receipt No. 0001" in page.text
    assert copy.status_code == 200 and "¥7,000-" in page_text(copy.content)


# One receipt per fee -------------------------------------------------------------------------


async def test_a_person_who_needs_a_receipt_per_fee_gets_one_for_the_participation_and_one_for_the_reception(
    client: httpx.AsyncClient,
) -> None:
    from tests.conftest import csrf_token, sign_in

    event = await make_event(prices=PRICES)
    person = (await make_registration(event, 1, ["day1", "reception"], category="non_member")).registration
    await sign_in(client, Role.ORGANIZER)
    url = f"/staff/events/workshop/registrations/{person.code}"
    page = await client.get(url, headers={"Accept-Language": "en"})
    token = csrf_token(page.text)

    for fee, amount in (("participation", "3000"), ("reception", "4000")):
        tap = {"csrf_token": token, "amount": amount, "method": "cash", "fee": fee, "payment_id": f"split-{fee}"}
        assert (await client.post(f"{url}/payments", data=tap)).status_code == 303
    after = await client.get(url, headers={"Accept-Language": "en"})
    issued = await Receipt.filter(registration_id=person.id).order_by("number")
    reception_pdf = await client.get(f"{url}/receipts/{issued[1].number:04d}.pdf")

    assert "Take the participation fee, ¥3,000, in cash" in page.text
    assert "Take the reception fee, ¥4,000, in cash" in page.text
    assert [(r.amount, r.purpose, r.fee) for r in issued] == [
        (3000, "全国ワークショップ 参加費として", "participation"),
        (4000, "全国ワークショップ 懇親会費として", "reception"),
    ]
    assert "懇親会費として" in page_text(reception_pdf.content)
    assert "Take the reception fee" not in after.text, "paid in full: nothing more to take"


async def test_one_payment_for_both_fees_says_both_on_its_receipt() -> None:
    person = await paid_person(1)

    [receipt] = await Receipt.filter(registration_id=person.id)

    assert receipt.purpose == "全国ワークショップ 参加費・懇親会費として"
