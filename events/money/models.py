"""The ledger: every charge, payment, refund and waiver of a registration, never changed afterwards."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from events.program.models import Event, Session
    from events.registrations.models import Registration
    from events.staff.models import StaffAccount


class EntryKind(StrEnum):
    #: What a confirmed seat costs, or (negative) what a seat given up no longer costs.
    CHARGE = "charge"
    PAYMENT = "payment"
    #: Money given back: the person is owed less credit, so it raises what is due.
    REFUND = "refund"
    #: What the organizers let the person off.
    WAIVER = "waiver"


class Method(StrEnum):
    CASH = "cash"
    TRANSFER = "transfer"
    #: Charges and waivers move no money.
    NONE = "none"


class Fee(StrEnum):
    """What a receipt may be for alone, when a person needs one per fee to be reimbursed."""

    #: 参加費: every session but the reception.
    PARTICIPATION = "participation"
    #: 懇親会費: the reception sessions.
    RECEPTION = "reception"


class LedgerEntry(Model):
    """One line of a registration's account. `amount` is signed as it changes what is due (a charge
    adds, a payment or waiver takes away, a refund adds back), so the balance is the sum; a
    correction is one more line, and no line is ever updated or deleted.

    `payment_id` is the client's key for a payment it may send twice (a retry after a lost answer):
    the database keeps it unique per event, so a retry records nothing new.
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="ledger_entries", on_delete=fields.RESTRICT
    )
    registration: fields.ForeignKeyRelation[Registration] = fields.ForeignKeyField(
        "models.Registration", related_name="ledger_entries", on_delete=fields.RESTRICT
    )
    kind = fields.CharEnumField(EntryKind, max_length=16)
    method = fields.CharEnumField(Method, max_length=16, default=Method.NONE)
    amount = fields.IntField()
    #: The session a charge is for (null for payments, refunds and waivers).
    session: fields.ForeignKeyNullableRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="ledger_entries", null=True, on_delete=fields.RESTRICT
    )
    at = fields.DatetimeField()
    staff: fields.ForeignKeyNullableRelation[StaffAccount] = fields.ForeignKeyField(
        "models.StaffAccount", related_name="ledger_entries", null=True, on_delete=fields.SET_NULL
    )
    #: Kept as it was, so the ledger still says who took the money after the account is removed.
    staff_email = fields.CharField(max_length=254, default="")
    note = fields.CharField(max_length=200, default="")
    payment_id = fields.CharField(max_length=64, null=True)
    #: The desk (device) that took or gave back the money, for the day's count of each cash box.
    device = fields.CharField(max_length=64, default="", db_default="")

    class Meta:
        table = "ledger_entry"
        ordering = ["id"]
        unique_together = (("event", "payment_id"),)
        indexes = [("registration_id", "kind", "session_id"), ("event_id", "at")]


class ReceiptSeries(Model):
    """The last receipt number of one event: bumped in the transaction that issues the next."""

    event_id = fields.IntField(primary_key=True)
    last_number = fields.IntField(default=0)

    class Meta:
        table = "receipt_series"


class Receipt(Model):
    """A receipt (領収書) for one payment, numbered consecutively within its event, never reused.

    What it says is kept as it was issued (amount, method, date, addressee, purpose); `printed`
    counts the copies made, so every copy after the first is marked 再発行.
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="receipts", on_delete=fields.RESTRICT
    )
    registration: fields.ForeignKeyRelation[Registration] = fields.ForeignKeyField(
        "models.Registration", related_name="receipts", on_delete=fields.RESTRICT
    )
    entry: fields.ForeignKeyRelation[LedgerEntry] = fields.ForeignKeyField(
        "models.LedgerEntry", related_name="receipts", on_delete=fields.RESTRICT, unique=True
    )
    number = fields.IntField()
    amount = fields.IntField()
    method = fields.CharEnumField(Method, max_length=16)
    paid_at = fields.DatetimeField()
    issued_at = fields.DatetimeField(auto_now_add=True)
    #: 宛名: erased with the person's other data (the amount, method and dates stay).
    addressee = fields.CharField(max_length=200)
    #: 但し書き, in Japanese as issued.
    purpose = fields.CharField(max_length=300)
    printed = fields.IntField(default=0)
    #: The fee it is for when the person asked for one receipt per fee (`Fee`), else empty: all of them.
    fee = fields.CharField(max_length=16, default="", db_default="")

    class Meta:
        table = "receipt"
        ordering = ["event_id", "number"]
        unique_together = (("event", "number"),)
        indexes = [("registration_id",)]
