from tortoise import migrations
from events.migrations._checks import add_checks
from events.migrations._state import DescribeField
from tortoise.migrations import operations as ops
from events.checkin.models import Result
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0021_receipt_fee")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Presence",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "registration",
                    fields.ForeignKeyField(
                        "models.Registration",
                        source_field="registration_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="presences",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.Session",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="presences",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("inside", fields.BooleanField(default=True)),
                ("changed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "presence",
                "app": "models",
                "unique_together": (("registration", "session"),),
                "indexes": [Index(fields=["session_id", "inside"])],
                "pk_attr": "id",
                "table_description": "Whether one person is inside one session that counts exits, now. One row per person and",
            },
            bases=["Model"],
        ),
        DescribeField(
            model_name="ScanLog",
            name="result",
            field=fields.CharEnumField(
                description="OK: ok\nALREADY_CHECKED_IN: already_checked_in\nNOT_REGISTERED: not_registered\nWAITLISTED: waitlisted\nCANCELLED: cancelled\nUNKNOWN: unknown\nINVALID: invalid\nUNDONE: undone\nOUT: out\nNOT_INSIDE: not_inside",
                enum_type=Result,
                max_length=24,
            ),
        ),
        ops.AddField(
            model_name="Session",
            name="exits",
            field=fields.BooleanField(
                default=False,
                description="The door scans people out as well as in, so the session knows who is inside now.",
                db_default=False,
            ),
        ),
        ops.AddField(
            model_name="Session",
            name="inside_now",
            field=fields.IntField(
                default=0,
                description="Who is inside now, kept by `events.checkin.presence` in the transaction of each entry and exit.",
                db_default=0,
            ),
        ),
        ops.AddField(
            model_name="Session",
            name="peak_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Session",
            name="peak_inside",
            field=fields.IntField(
                default=0, description="The most inside at once so far, and when that was first reached.", db_default=0
            ),
        ),
        ops.AddField(
            model_name="Session",
            name="room_limit",
            field=fields.IntField(
                null=True,
                description="How many people the room may hold at once (a fire-safety limit), for the door's warning.",
            ),
        ),
        ops.RunPython(add_checks("session", {"session_inside_not_negative": "inside_now >= 0"})),
    ]
