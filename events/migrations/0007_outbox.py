from tortoise import migrations
from tortoise.migrations import operations as ops
from events.mail.models import MailKind, MailStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0006_report_indexes")]

    initial = False

    operations = [
        ops.CreateModel(
            name="OutboxMessage",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="mail",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "registration",
                    fields.ForeignKeyField(
                        "models.Registration",
                        source_field="registration_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="mail",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="REGISTERED: registered\nPROMOTED: promoted\nCANCELLED: cancelled\nREMINDER: reminder",
                        enum_type=MailKind,
                        max_length=16,
                    ),
                ),
                ("recipient", fields.CharField(max_length=254)),
                (
                    "session_code",
                    fields.CharField(
                        default="",
                        description="The session a promotion is about (its code), when there is one.",
                        max_length=32,
                    ),
                ),
                (
                    "base_url",
                    fields.CharField(
                        description="The address the participant's links start with, as the site was reached when this was queued.",
                        max_length=300,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=MailStatus.QUEUED,
                        description="QUEUED: queued\nSENDING: sending\nSENT: sent\nFAILED: failed",
                        enum_type=MailStatus,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("claimed_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("subject", fields.CharField(default="", max_length=300)),
                (
                    "last_error",
                    fields.TextField(
                        default="",
                        description="What the mail server last answered (or why it could not be reached).",
                        unique=False,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "outbox_message",
                "app": "models",
                "unique_together": (("registration", "kind", "session_code"),),
                "indexes": [Index(fields=["status", "next_attempt_at"]), Index(fields=["event_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "One e-mail to one participant.",
            },
            bases=["Model"],
        ),
    ]
