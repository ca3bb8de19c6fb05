"""Check-ins at a session's door, and the log of every scan, refused ones too."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from events.program.models import Event, Session
    from events.registrations.models import Registration
    from events.staff.models import StaffAccount


class Source(StrEnum):
    """How a check-in was taken, so a report can say how each count was made."""

    SCAN = "scan"
    TYPED = "typed"
    SEARCH = "search"
    PAPER = "paper"
    WALK_IN = "walk_in"
    #: The participant checked themselves in at a kiosk.
    KIOSK = "kiosk"


class Result(StrEnum):
    OK = "ok"
    ALREADY_CHECKED_IN = "already_checked_in"
    NOT_REGISTERED = "not_registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"
    INVALID = "invalid"
    UNDONE = "undone"
    #: Scanned out of a session that counts exits.
    OUT = "out"
    #: Scanned out but not inside (never came in, or left already): refused.
    NOT_INSIDE = "not_inside"
    # The kiosk's own refusals (it sends the person to the desk; see `events.checkin.kiosk`):
    #: Money still to pay.
    AMOUNT_DUE = "amount_due"
    #: No session of theirs running now, nor later today.
    NO_SESSION_NOW = "no_session_now"
    #: A required question not answered yet.
    QUESTION_UNANSWERED = "question_unanswered"
    #: Their badge label was printed at a kiosk today already.
    LABEL_PRINTED = "label_printed"
    #: The kiosk had too many look-ups that matched nobody: it looked nothing up.
    RATE_LIMITED = "rate_limited"


class CheckIn(Model):
    """A person counted at a session's door: at most one per registration and session (a database rule)."""

    id = fields.IntField(primary_key=True)
    registration: fields.ForeignKeyRelation[Registration] = fields.ForeignKeyField(
        "models.Registration", related_name="checkins", on_delete=fields.CASCADE
    )
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="checkins", on_delete=fields.RESTRICT
    )
    checked_in_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)
    device = fields.CharField(max_length=64, default="")
    source = fields.CharEnumField(Source, max_length=16, default=Source.SCAN)
    staff: fields.ForeignKeyNullableRelation[StaffAccount] = fields.ForeignKeyField(
        "models.StaffAccount", related_name="checkins", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "checkin"
        unique_together = (("registration", "session"),)
        # (registration, session, source): the report joins seats to check-ins from the index alone.
        indexes = [("session_id", "checked_in_at"), ("registration_id", "session_id", "source")]


class ScanLog(Model):
    """Every scan and undo, whatever its answer: time, session, device, staff account, result.

    A scan sent with a device-side id (`scan_id`) is recorded once per device: a retry finds this
    row and gets the first answer again (a database rule makes the pair unique).
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="scans", on_delete=fields.CASCADE
    )
    session: fields.ForeignKeyNullableRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="scans", null=True, on_delete=fields.SET_NULL
    )
    registration: fields.ForeignKeyNullableRelation[Registration] = fields.ForeignKeyField(
        "models.Registration", related_name="scans", null=True, on_delete=fields.SET_NULL
    )
    device = fields.CharField(max_length=64, default="")
    scan_id = fields.CharField(max_length=64, null=True)
    staff: fields.ForeignKeyNullableRelation[StaffAccount] = fields.ForeignKeyField(
        "models.StaffAccount", related_name="scans", null=True, on_delete=fields.SET_NULL
    )
    result = fields.CharEnumField(Result, max_length=24)
    #: The scan's own time: the device's (queued offline) when it can be right, else the server's.
    scanned_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)
    #: The first characters of what was scanned when it matched nobody (never a name or an e-mail).
    text = fields.CharField(max_length=40, default="")

    class Meta:
        table = "scan_log"
        unique_together = (("event", "device", "scan_id"),)
        indexes = [("session_id", "created_at")]


class GuestEntry(Model):
    """Someone let in to an open session (a public lecture, the reception) who never registered."""

    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="guests", on_delete=fields.RESTRICT
    )
    device = fields.CharField(max_length=64, default="")
    staff: fields.ForeignKeyNullableRelation[StaffAccount] = fields.ForeignKeyField(
        "models.StaffAccount", related_name="guest_entries", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "guest_entry"
        indexes = [("session_id", "created_at")]


class Presence(Model):
    """Whether one person is inside one session that counts exits, now. One row per person and
    session (the database keeps the pair unique), turned on at each entry and off at each exit by
    conditional statements, so a person is counted in or out once however many scans race."""

    id = fields.IntField(primary_key=True)
    registration: fields.ForeignKeyRelation[Registration] = fields.ForeignKeyField(
        "models.Registration", related_name="presences", on_delete=fields.CASCADE
    )
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="presences", on_delete=fields.CASCADE
    )
    inside = fields.BooleanField(default=True)
    changed_at = fields.DatetimeField()

    class Meta:
        table = "presence"
        unique_together = (("registration", "session"),)
        indexes = [("session_id", "inside")]
