"""Each registration's account: charges that follow its confirmed seats, and the money taken.

What a person owes is the sum of their ledger entries. Charges are not typed in by anyone: after
any change to seats, categories or prices, `settle_charges` compares what the confirmed seats cost
now with what has been charged for each session and writes the difference as one more charge (a
seat given up is a negative charge). The places that change seats call it in their own transaction
(`seats.settle_statuses`, the waiting list's promotions, a new registration, an import), so the
balance is right the moment they commit.

Payments, refunds and waivers are recorded by `record`, under the registration's lock: two desks
taking the same person's cash at once record one payment, and the second is told nothing is owed.
`Registration.amount_due` is kept equal to the sum in the same transactions, so the door can say
what is to pay without adding up the ledger on every scan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from tortoise.exceptions import IntegrityError

from events import clock
from events.database import atomic, execute, execute_many, fetch, supports_row_locks
from events.errors import Conflict, InvalidInput
from events.i18n import gettext as _
from events.money import receipts
from events.money.models import EntryKind, Fee, LedgerEntry, Method, Receipt
from events.money.words import yen
from events.program.models import Event, Session
from events.registrations.models import Registration, SeatStatus
from events.staff.models import StaffAccount

#: What the payments API takes as `method`: a payment in cash or by transfer, a waiver, or a refund.
PaymentMethod = Literal["cash", "transfer", "waiver", "refund"]

NET_CHARGES = (
    'SELECT "registration_id", "session_id", SUM("amount") AS "charged" FROM "ledger_entry" '
    'WHERE "kind" = ? AND "registration_id" IN ({marks}) GROUP BY "registration_id", "session_id"'
)
SEATS = (
    'SELECT s."registration_id", s."session_id", s."status", x."code", r."category", r."reduced_fee", r."event_id" '
    'FROM "seat" s JOIN "session" x ON x."id" = s."session_id" JOIN "registration" r ON r."id" = s."registration_id" '
    'WHERE s."registration_id" IN ({marks})'
)
INSERT_ENTRY = (
    'INSERT INTO "ledger_entry" ("event_id", "registration_id", "kind", "method", "amount", "session_id", "at", '
    '"staff_id", "staff_email", "note", "payment_id") VALUES (?, ?, ?, ?, ?, ?, ?, NULL, \'\', \'\', NULL)'
)
PAID = (
    'SELECT COALESCE(SUM("amount"), 0) AS "paid" FROM "ledger_entry" WHERE "registration_id" = ? AND "kind" IN (?, ?)'
)
#: What was due right after an entry: the answer a replayed payment gives again.
DUE_AFTER = 'SELECT COALESCE(SUM("amount"), 0) AS "due" FROM "ledger_entry" WHERE "registration_id" = ? AND "id" <= ?'
#: Registrations settled per statement, well under either database's limit on bound values.
CHUNK = 500
ADD_TO_DUE = 'UPDATE "registration" SET "amount_due" = "amount_due" + ? WHERE "id" = ?'


class NothingToPay(Conflict):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="nothing_to_pay")


# Charges ----------------------------------------------------------------------------------------


async def settle_charges(registration_ids: Iterable[int], *, events: Iterable[Event] = ()) -> dict[int, int]:
    """Charge each registration what its confirmed seats cost now, less what it was charged before,
    in the caller's transaction. `events` may hold the registrations' events already loaded (their
    prices); the others are read. Returns how much each registration's amount due changed.

    On PostgreSQL the registrations' rows are locked first: two transactions settling one person
    (two sessions promoting them at once) take turns, and each reads the seats and the charges
    the other committed, never one without the other."""
    ids = sorted(set(registration_ids))
    if not ids:
        return {}
    known = {event.id: event for event in events}
    if known and not any(event.prices for event in known.values()):
        # No price anywhere: only a charge made before prices were removed could need reversing.
        if not await LedgerEntry.filter(registration_id__in=ids, kind=EntryKind.CHARGE).exists():
            return {}
    due: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        due |= await _settle_some(ids[start : start + CHUNK], known)
    return due


Charge = tuple[int, int, str, str, int, int, datetime]  # `INSERT_ENTRY`'s values, the amount fifth


def first_charges(
    event: Event, registration: Registration, seats: Iterable[tuple[Session, SeatStatus]], at: datetime
) -> list[Charge]:
    """A new registration's charges as `INSERT_ENTRY` rows: what each confirmed seat costs. This is
    what `settle_charges` writes for a registration charged nothing yet, without reading anything
    (for a registration written in one trip to the database, `events.registrations.one_step`)."""
    rows: list[Charge] = []
    for session, status in seats:
        if status == SeatStatus.CONFIRMED:
            cost = event.price(registration.category, session.code, reduced=registration.reduced_fee)
            if cost:
                rows.append(
                    (event.id, registration.id, EntryKind.CHARGE.value, Method.NONE.value, cost, session.id, at)
                )
    return rows


async def _settle_some(ids: list[int], known: dict[int, Event]) -> dict[int, int]:
    marks = ", ".join("?" for _ in ids)
    if supports_row_locks():
        await execute(f'SELECT "id" FROM "registration" WHERE "id" IN ({marks}) ORDER BY "id" FOR UPDATE', ids)
    seats = await fetch(SEATS.format(marks=marks), ids)
    charged: dict[tuple[int, int], int] = defaultdict(int)
    for row in await fetch(NET_CHARGES.format(marks=marks), [EntryKind.CHARGE.value, *ids]):
        charged[(int(row["registration_id"]), int(row["session_id"]))] += int(row["charged"])
    missing = {int(row["event_id"]) for row in seats} - set(known)
    for event in await Event.filter(id__in=missing) if missing else []:
        known[event.id] = event
    now = clock.now()
    rows: list[list[object]] = []
    due: dict[int, int] = defaultdict(int)
    for row in seats:
        registration_id, session_id = int(row["registration_id"]), int(row["session_id"])
        event = known[int(row["event_id"])]
        cost = 0
        if row["status"] == SeatStatus.CONFIRMED.value:
            cost = event.price(str(row["category"]), str(row["code"]), reduced=bool(row["reduced_fee"]))
        difference = cost - charged.pop((registration_id, session_id), 0)
        if difference:
            rows.append(
                [
                    event.id,
                    registration_id,
                    EntryKind.CHARGE.value,
                    Method.NONE.value,
                    difference,
                    session_id,
                    now,
                ]
            )
            due[registration_id] += difference
    if rows:
        await execute_many(INSERT_ENTRY, rows)
        await execute_many(ADD_TO_DUE, [[amount, registration_id] for registration_id, amount in due.items()])
    return dict(due)


async def settle_event_charges(event: Event) -> dict[int, int]:
    """After the prices changed: every registration of the event charged as its seats cost now."""
    ids = await Registration.filter(event_id=event.id).values_list("id", flat=True)
    return await settle_charges([int(i) for i in ids], events=[event])  # type: ignore[call-overload]


# Payments ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    entry: LedgerEntry
    amount_due: int
    #: The payment's receipt (none for a waiver or a refund).
    receipt: Receipt | None = None
    #: True when `payment_id` had been recorded already: this is the first answer again.
    replayed: bool = False


async def record(
    registration: Registration,
    amount: int,
    method: PaymentMethod,
    *,
    staff: StaffAccount | None = None,
    note: str = "",
    payment_id: str | None = None,
    refund_via: Method = Method.CASH,
    device: str = "",
    fee: Fee | None = None,
) -> Recorded:
    """A payment, waiver or refund of `amount` (positive, whole yen) for this registration.

    A payment or waiver needs something owed (`NothingToPay`) and no more than that (`InvalidInput`
    on `amount`); a refund needs money paid and no more than that (`NothingToPay`, as the contract
    says). A `payment_id` seen before answers what it answered first and records nothing new. A
    payment for one `fee` gets a receipt for that fee alone (the person needs one per fee to be
    reimbursed).
    """

    async def work() -> Recorded:
        await _lock(registration)
        if payment_id is not None:
            # Looked for under the lock: the same payment sent ten times at once waits here for the
            # first, then finds it (instead of finding nothing left to pay).
            earlier = await _earlier(registration, payment_id)
            if earlier is not None:
                return earlier
        await settle_charges([registration.id])
        current = await Registration.get(id=registration.id)
        due = current.amount_due
        if method == "refund":
            paid = await _paid(registration.id)
            if paid <= 0:
                raise NothingToPay(_("Nothing has been paid, so nothing can be refunded."))
            if amount > paid:
                raise NothingToPay(
                    _("At most %(amount)s was paid, so no more can be refunded.") % {"amount": yen(paid)}
                )
            kind, how, effect = EntryKind.REFUND, refund_via, amount
        else:
            if due <= 0:
                raise NothingToPay(_("Nothing is owed: this registration is paid in full."))
            if amount > due:
                raise InvalidInput({"amount": _("Only %(amount)s is owed.") % {"amount": yen(due)}})
            kind = EntryKind.WAIVER if method == "waiver" else EntryKind.PAYMENT
            how = Method.NONE if method == "waiver" else Method(method)
            effect = -amount
        entry = await LedgerEntry.create(
            event_id=registration.event_id,  # type: ignore[attr-defined]
            registration_id=registration.id,
            kind=kind,
            method=how,
            amount=effect,
            at=clock.now(),
            staff=staff,
            staff_email=staff.email if staff else "",
            note=note,
            payment_id=payment_id,
            device=device,
        )
        await execute(ADD_TO_DUE, [effect, registration.id])
        receipt = None
        if kind == EntryKind.PAYMENT:
            event = await Event.get(id=registration.event_id)  # type: ignore[attr-defined]
            receipt = await receipts.issue(current, entry, event, fee)
        return Recorded(entry, due + effect, receipt)

    try:
        return await atomic(work)
    except IntegrityError:
        # The same payment_id sent twice at once: the other one was recorded; answer as it did.
        earlier = await _earlier(registration, payment_id or "")
        if earlier is None:
            raise
        return earlier


async def _earlier(registration: Registration, payment_id: str) -> Recorded | None:
    entry = await LedgerEntry.get_or_none(event_id=registration.event_id, payment_id=payment_id)  # type: ignore[attr-defined]
    if entry is None:
        return None
    if entry.registration_id != registration.id:  # type: ignore[attr-defined]
        raise Conflict(_("This payment_id was used for another registration."), code="payment_id_used")
    rows = await fetch(DUE_AFTER, [registration.id, entry.id])
    receipt = await Receipt.get_or_none(entry_id=entry.id)
    return Recorded(entry, int(rows[0]["due"]), receipt, replayed=True)


async def _lock(registration: Registration) -> None:
    """The registration's row lock (PostgreSQL); SQLite's write transaction holds the file already."""
    if supports_row_locks():
        await execute('SELECT "id" FROM "registration" WHERE "id" = ? FOR UPDATE', [registration.id])


async def _paid(registration_id: int) -> int:
    """What the person has paid and not had back."""
    rows = await fetch(PAID, [registration_id, EntryKind.PAYMENT.value, EntryKind.REFUND.value])
    return -int(rows[0]["paid"])


async def entries_of(registration: Registration, *, kinds: Iterable[EntryKind] = tuple(EntryKind)) -> list[LedgerEntry]:
    """The registration's entries of these kinds, oldest first."""
    return await LedgerEntry.filter(registration_id=registration.id, kind__in=list(kinds)).order_by("id")


def api_method(entry: LedgerEntry) -> str:
    """The entry's `method` as the payments API names it."""
    if entry.kind == EntryKind.WAIVER:
        return "waiver"
    if entry.kind == EntryKind.REFUND:
        return "refund"
    if entry.kind == EntryKind.CHARGE:
        return "charge"
    return str(entry.method)
