"""The outbox: every e-mail is first a row, written in the same transaction as what caused it."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from events.program.models import Event
    from events.registrations.models import Registration


class MailKind(StrEnum):
    REGISTERED = "registered"
    PROMOTED = "promoted"
    CANCELLED = "cancelled"
    REMINDER = "reminder"
    #: The participant's own link, sent again because they asked for it.
    LINK = "link"
    #: Their attendance certificate is ready (a link to it on their page).
    CERTIFICATE = "certificate"


class MailStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    #: Not sent: what it was about has gone (a welcome or a seat for a registration cancelled since).
    DROPPED = "dropped"


class OutboxMessage(Model):
    """One e-mail to one participant.

    The row says what to tell whom; the text, the badge and the calendar are made when it is
    delivered, in the participant's language, so a registration never waits for them. The
    subject is kept once made, for the organizers' outbox page. `claimed_until` is a lease: a
    worker that dies while sending gives the message back when it runs out.
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="mail", on_delete=fields.CASCADE
    )
    registration: fields.ForeignKeyRelation[Registration] = fields.ForeignKeyField(
        "models.Registration", related_name="mail", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(MailKind, max_length=16)
    recipient = fields.CharField(max_length=254)
    #: The session a promotion is about (its code), when there is one.
    session_code = fields.CharField(max_length=32, default="")
    #: The address the participant's links start with, as the site was reached when this was queued.
    base_url = fields.CharField(max_length=300)
    status = fields.CharEnumField(MailStatus, max_length=16, default=MailStatus.QUEUED)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    subject = fields.CharField(max_length=300, default="")
    #: What the mail server last answered (or why it could not be reached).
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
        # One message of a kind per registration (and session): a second reminder run, or a
        # promotion noticed twice, cannot mail anyone twice. Sending again re-queues the row.
        unique_together = (("registration", "kind", "session_code"),)
        indexes = [("status", "next_attempt_at"), ("event_id", "created_at")]
