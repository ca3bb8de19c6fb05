"""Staff accounts (organizers and door volunteers) and their API tokens."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from events.program.models import Event


class Role(StrEnum):
    ORGANIZER = "organizer"
    DOOR = "door"
    #: A self check-in kiosk: kept to one event, and to the kiosk's page and check-in alone.
    KIOSK = "kiosk"


class StaffAccount(Model):
    """A person who runs events: an organizer sees everything, a door account only checks people in."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200, default="")
    role = fields.CharEnumField(Role, max_length=16)
    password_hash = fields.CharField(max_length=255, null=True)
    is_active = fields.BooleanField(default=True)
    #: A door account may be limited to one event (NULL: every event).
    event: fields.ForeignKeyNullableRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="staff", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)
    #: A door account that may also take money at the desk, and print its receipts.
    #: Payments only (cash, or a transfer seen): refunds and waivers stay with organizers.
    takes_payments = fields.BooleanField(default=False, db_default=False)
    # Still raised, but no longer what signs browsers out: each sign-in is a row of `StaffSession`,
    # which the same changes end (`events.staff.sessions`).
    #: Raised when the password changes: every browser signed in before then is signed out.
    session_version = fields.IntField(default=0, db_default=0)

    tokens: fields.ReverseRelation[ApiToken]
    sessions: fields.ReverseRelation[StaffSession]

    class Meta:
        table = "staff_account"

    def __str__(self) -> str:
        return self.email


class ApiToken(Model):
    """A bearer token for the API, stored only as its SHA-256 (with a short prefix to tell tokens apart)."""

    id = fields.IntField(primary_key=True)
    staff: fields.ForeignKeyRelation[StaffAccount] = fields.ForeignKeyField(
        "models.StaffAccount", related_name="tokens", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=16)
    label = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class SignInLink(Model):
    """A one-time link that signs a door phone or a kiosk tablet in, opened by scanning its QR code
    on an organizer's screen (as pretixSCAN is set up): no password typed on the device. Good for
    minutes and once; stored only as its SHA-256."""

    id = fields.IntField(primary_key=True)
    staff: fields.ForeignKeyRelation[StaffAccount] = fields.ForeignKeyField(
        "models.StaffAccount", related_name="sign_in_links", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_sign_in_link"


class StaffSession(Model):
    """A sign-in of one browser to the staff pages, found again by every staff page.

    The browser's signed cookie carries a random id, kept here only as its SHA-256. Signing out ends
    this one sign-in on every worker (a copied cookie is refused afterwards), while the other phones
    of a shared door account stay signed in. A new password, the account's removal or an organizer's
    "sign out everywhere" end all of an account's rows."""

    id = fields.IntField(primary_key=True)
    staff: fields.ForeignKeyRelation[StaffAccount] = fields.ForeignKeyField(
        "models.StaffAccount", related_name="sessions", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    #: Refused from then on, and moved on while the browser is in use (events.staff.sessions).
    expires_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_session"
