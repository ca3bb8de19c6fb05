from tortoise import migrations
from events.migrations._state import DescribeField
from tortoise.migrations import operations as ops
import functools
from events.mail.models import MailKind
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0023_sqlite_lost_indexes")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Certificate",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="certificates",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "registration",
                    fields.ForeignKeyField(
                        "models.Registration",
                        source_field="registration_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="certificates",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("number", fields.IntField()),
                (
                    "sessions",
                    fields.IntField(
                        description="How many of the event's sessions the person attended when it was first issued."
                    ),
                ),
                ("issued_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "certificate",
                "app": "models",
                "unique_together": (("event", "number"), ("event", "registration")),
                "pk_attr": "id",
                "table_description": "One person's certificate for one event, numbered in the order they were first issued. Its",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Event",
            name="certificate_min_sessions",
            field=fields.IntField(
                null=True,
                description="Attendance certificates go to those who attended at least this many of the event's sessions.",
            ),
        ),
        ops.AddField(
            model_name="Event",
            name="certificate_sessions",
            field=fields.JSONField(
                default=list,
                description="Or to those who attended every one of these sessions (codes), when the organizers choose a set.",
                db_default="[]",
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
        DescribeField(
            model_name="OutboxMessage",
            name="kind",
            field=fields.CharEnumField(
                description="REGISTERED: registered\nPROMOTED: promoted\nCANCELLED: cancelled\nREMINDER: reminder\nLINK: link\nCERTIFICATE: certificate",
                enum_type=MailKind,
                max_length=16,
            ),
        ),
    ]
