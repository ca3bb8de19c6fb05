"""Receipts (領収書): one for each payment, numbered without gaps per event, printed as a PDF.

A receipt is issued in the payment's own transaction, so a payment never lacks its receipt and a
number is never used by a payment that did not happen. The number comes from the event's counter
(`receipt_series`), bumped by one statement that holds the counter's row until the transaction
ends: two desks paying at once get consecutive numbers, and the database's unique rule backs it.

The addressee (宛名) is the name the participant chose on their page, else their own name, never
上様 unless they typed it. Each printing after the first is marked 再発行 (reissued).
"""

from __future__ import annotations

from dataclasses import dataclass

from events import clock
from events.database import fetch
from events.errors import Conflict, NotFound
from events.i18n import gettext as _
from events.money.models import EntryKind, Fee, LedgerEntry, Method, Receipt
from events.money.receipt_pdf import ReceiptSheet, japanese_date
from events.program.models import Event, SessionKind
from events.registrations.models import Registration
from events.settings import IssuerSettings

NEXT_NUMBER = (
    'INSERT INTO "receipt_series" ("event_id", "last_number") VALUES (?, 1) '
    'ON CONFLICT ("event_id") DO UPDATE SET "last_number" = "receipt_series"."last_number" + 1 RETURNING "last_number"'
)
CHARGED_BY_KIND = (
    'SELECT x."kind", SUM(l."amount") AS "charged" FROM "ledger_entry" l '
    'LEFT JOIN "session" x ON x."id" = l."session_id" WHERE l."registration_id" = ? AND l."kind" = ? GROUP BY x."kind"'
)
PRINTED = 'UPDATE "receipt" SET "printed" = "printed" + 1 WHERE "id" = ? RETURNING "printed"'
#: The longest addressee a receipt prints.
ADDRESSEE_MAX = 100


async def issue(registration: Registration, entry: LedgerEntry, event: Event, fee: Fee | None = None) -> Receipt:
    """The receipt of this payment (for `fee` alone, when given), in the caller's transaction."""
    charged = await charged_by_fee(registration)
    with_reception = fee is None and charged.get(Fee.RECEPTION, 0) > 0 and charged.get(Fee.PARTICIPATION, 0) > 0
    rows = await fetch(NEXT_NUMBER, [event.id])
    return await Receipt.create(
        event_id=event.id,
        registration_id=registration.id,
        entry_id=entry.id,
        number=int(rows[0]["last_number"]),
        amount=-entry.amount,
        method=entry.method,
        paid_at=entry.at,
        addressee=registration.receipt_addressee or registration.name,
        purpose=purpose_of(event, fee, with_reception=with_reception),
        fee=fee.value if fee else "",
    )


def purpose_of(event: Event, fee: Fee | None = None, *, with_reception: bool = False) -> str:
    """The 但し書き: what the money was for, in Japanese as the receipt keeps it."""
    title = event.text("title", "ja")
    if fee == Fee.RECEPTION:
        return f"{title} 懇親会費として"
    if with_reception:
        return f"{title} 参加費・懇親会費として"
    return f"{title} 参加費として"


def english_purpose(event: Event, receipt: Receipt) -> str:
    title = event.text("title", "en")
    if receipt.fee == Fee.RECEPTION:
        return f"Reception fee, {title}"
    if "懇親会費" in receipt.purpose:
        return f"Participation and reception fees, {title}"
    return f"Participation fee, {title}"


async def charged_by_fee(registration: Registration) -> dict[Fee, int]:
    """What the registration's seats are charged, as participation and as reception (fees kept by a
    cancellation count as participation)."""
    rows = await fetch(CHARGED_BY_KIND, [registration.id, EntryKind.CHARGE.value])
    charged: dict[Fee, int] = {}
    for row in rows:
        fee = Fee.RECEPTION if row["kind"] == SessionKind.RECEPTION.value else Fee.PARTICIPATION
        charged[fee] = charged.get(fee, 0) + int(row["charged"])
    return charged


async def fees_to_take(registration: Registration) -> list[tuple[Fee, int]]:
    """Each fee still to pay on its own receipt, when the person owes both kinds and every payment
    so far was taken per fee (else there is no telling what an earlier payment paid for)."""
    if registration.amount_due <= 0:
        return []
    charged = await charged_by_fee(registration)
    if not (charged.get(Fee.PARTICIPATION, 0) > 0 and charged.get(Fee.RECEPTION, 0) > 0):
        return []
    entries = await LedgerEntry.filter(registration_id=registration.id).exclude(kind=EntryKind.CHARGE).count()
    taken = await Receipt.filter(registration_id=registration.id).values_list("fee", "amount")
    if len(taken) != entries or any(not fee for fee, _amount in taken):
        return []
    paid = {fee: sum(int(amount) for f, amount in taken if f == fee) for fee in Fee}
    owed = [(fee, charged.get(fee, 0) - paid[fee]) for fee in Fee]
    return [(fee, amount) for fee, amount in owed if 0 < amount <= registration.amount_due]


async def receipts_of(registration: Registration) -> list[Receipt]:
    return await Receipt.filter(registration_id=registration.id).order_by("number")


async def receipt_of(registration: Registration, number: int) -> Receipt:
    receipt = await Receipt.get_or_none(registration_id=registration.id, number=number)
    if receipt is None:
        raise NotFound(_("There is no such receipt."))
    return receipt


async def set_addressee(registration: Registration, addressee: str) -> None:
    """The name the participant's receipts are made out to, once, before the first is issued."""
    if await Receipt.exists(registration_id=registration.id):
        raise Conflict(_("A receipt has been issued already, so its addressee cannot change."), code="receipt_issued")
    await Registration.filter(id=registration.id).update(receipt_addressee=addressee)
    registration.receipt_addressee = addressee


@dataclass(frozen=True)
class Printing:
    sheet: ReceiptSheet
    filename: str


async def printing(receipt: Receipt, event: Event, issuer: IssuerSettings, language: str, *, kanji: bool) -> Printing:
    """What to print for one copy of the receipt: the first copy is the original, the others say 再発行."""
    rows = await fetch(PRINTED, [receipt.id])
    reissue = int(rows[0]["printed"]) > 1
    english = language == "en"
    issued, paid = clock.local(receipt.issued_at, event.timezone), clock.local(receipt.paid_at, event.timezone)
    method = METHODS_EN if english else METHODS_JA
    sheet = ReceiptSheet(
        number=number_text(receipt),
        issued_on=issued.strftime("%d %B %Y") if english else japanese_date(issued.date()),
        paid_on=paid.strftime("%d %B %Y") if english else japanese_date(paid.date()),
        addressee=receipt.addressee,
        amount=receipt.amount,
        purpose=english_purpose(event, receipt) if english else receipt.purpose,
        method=method.get(receipt.method, ""),
        issuer_name=issuer.name,
        issuer_address=issuer.address,
        language="en" if english else "ja",
        reissue=reissue,
        kanji=kanji,
        invoice_number=issuer.invoice_number,
        tax_rate=issuer.tax_rate,
        seal_image=issuer.seal_image,
    )
    return Printing(sheet, f"{event.slug}-receipt-{number_text(receipt)}.pdf")


def number_text(receipt: Receipt) -> str:
    """The number as printed: four digits at least (0001), consecutive within the event."""
    return f"{receipt.number:04d}"


METHODS_JA = {Method.CASH: "現金", Method.TRANSFER: "銀行振込"}
METHODS_EN = {Method.CASH: "cash", Method.TRANSFER: "bank transfer"}
