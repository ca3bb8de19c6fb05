"""An issued certificate: its number within the event, kept so that it verifies ever after."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from events.program.models import Event
    from events.registrations.models import Registration


class Certificate(Model):
    """One person's certificate for one event, numbered in the order they were first issued. Its
    number and session count stay when the person's data is erased: the link still verifies, without
    the name."""

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="certificates", on_delete=fields.RESTRICT
    )
    registration: fields.ForeignKeyRelation[Registration] = fields.ForeignKeyField(
        "models.Registration", related_name="certificates", on_delete=fields.RESTRICT
    )
    number = fields.IntField()
    #: How many of the event's sessions the person attended when it was first issued.
    sessions = fields.IntField()
    issued_at = fields.DatetimeField()

    class Meta:
        table = "certificate"
        unique_together = (("event", "number"), ("event", "registration"))
