"""A registration: one person for one event, holding a seat in each session they chose."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from events.i18n import Language

if TYPE_CHECKING:
    from events.program.models import Event, Session
    from events.staff.models import StaffAccount


class RegistrationStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class SeatStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Registration(Model):
    """One person registered for one event.

    `code` is the short code printed on the badge and typed at the door; `secret` is the
    capability in the participant's links and is never derived from the code.
    `active_email` is the trimmed, lower-cased e-mail while the registration is active and
    NULL once cancelled, so the unique constraint on (event, active_email) lets the database
    itself refuse a second active registration for the same address.
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="registrations", on_delete=fields.RESTRICT
    )
    code = fields.CharField(max_length=8, unique=True)
    secret = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200)
    name_reading = fields.CharField(max_length=200, default="")
    #: The reading when given, else the name, case-folded: what lists of people sort by.
    sort_name = fields.CharField(max_length=200, default="")
    email = fields.CharField(max_length=254)
    active_email = fields.CharField(max_length=254, null=True)
    organization = fields.CharField(max_length=200, default="")
    category = fields.CharField(max_length=64)
    language = fields.CharEnumField(Language, max_length=2, default=Language.JA)
    status = fields.CharEnumField(RegistrationStatus, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    cancelled_at = fields.DatetimeField(null=True)
    #: When the data of the person was erased (at their request, or when the retention of the event ended): name,
    #: address, organization and free-text answers are gone; seats and check-ins still count.
    erased_at = fields.DatetimeField(null=True)
    #: 宛名: the name their receipts are made out to (their organization, say), else their own name.
    receipt_addressee = fields.CharField(max_length=200, default="", db_default="")
    #: The person chose the reduced price (no reason asked, none kept).
    reduced_fee = fields.BooleanField(default=False, db_default=False)
    #: What is still to pay: the sum of the registration's ledger entries, kept in step with them
    #: in the ledger's own transactions so the door reads it with the registration.
    amount_due = fields.IntField(default=0, db_default=0)
    #: The member number the person registered under (typed, or found by their address in the roster).
    member_number = fields.CharField(max_length=32, default="", db_default="")
    #: In a member category: whether the roster confirmed the membership (`events.members.models.Membership`).
    membership = fields.CharField(max_length=16, default="", db_default="")

    seats: fields.ReverseRelation[Seat]

    class Meta:
        table = "registration"
        ordering = ["id"]
        unique_together = (("event", "active_email"),)
        # (id, category, status): lets the attendance report read a person's category from the index alone.
        indexes = [("event_id", "sort_name"), ("event_id", "created_at"), ("id", "category", "status")]

    def __str__(self) -> str:
        return self.code


class Seat(Model):
    """A registration's place in one session: confirmed, waiting, or given up.

    The waiting list of a session is its waitlisted seats in `id` order: the first to ask is the
    first promoted when a confirmed seat is freed.
    """

    id = fields.IntField(primary_key=True)
    registration: fields.ForeignKeyRelation[Registration] = fields.ForeignKeyField(
        "models.Registration", related_name="seats", on_delete=fields.CASCADE
    )
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="seats", on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(SeatStatus, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    promoted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "seat"
        ordering = ["id"]
        unique_together = (("registration", "session"),)
        # Covers the waiting list and the report's count of seats per session without reading the rows.
        indexes = [("session_id", "status", "registration_id")]


class RegistrationChange(Model):
    """One change to a registration made by staff (or an import), kept for the detail page's log.

    `details` says what changed, e.g. `{"name": ["old", "new"]}` or `{"session": "day1", "to": "waitlisted"}`.
    """

    id = fields.IntField(primary_key=True)
    registration: fields.ForeignKeyRelation[Registration] = fields.ForeignKeyField(
        "models.Registration", related_name="changes", on_delete=fields.CASCADE
    )
    staff: fields.ForeignKeyNullableRelation[StaffAccount] = fields.ForeignKeyField(
        "models.StaffAccount", related_name="registration_changes", null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=32)
    details: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "registration_change"
        ordering = ["id"]
        indexes = [("registration_id", "created_at")]
