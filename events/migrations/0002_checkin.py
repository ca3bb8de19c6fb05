from tortoise import migrations
from tortoise.migrations import operations as ops
from events.checkin.models import Result, Source
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CheckIn",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "registration",
                    fields.ForeignKeyField(
                        "models.Registration",
                        source_field="registration_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="checkins",
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
                        related_name="checkins",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("checked_in_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("device", fields.CharField(default="", max_length=64)),
                (
                    "source",
                    fields.CharEnumField(
                        default=Source.SCAN,
                        description="SCAN: scan\nTYPED: typed\nSEARCH: search\nPAPER: paper\nWALK_IN: walk_in",
                        enum_type=Source,
                        max_length=16,
                    ),
                ),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "models.StaffAccount",
                        source_field="staff_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="checkins",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
            ],
            options={
                "table": "checkin",
                "app": "models",
                "unique_together": (("registration", "session"),),
                "indexes": [Index(fields=["session_id", "checked_in_at"])],
                "pk_attr": "id",
                "table_description": "A person counted at a session's door: at most one per registration and session (a database rule).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ScanLog",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="scans",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.Session",
                        source_field="session_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="scans",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "registration",
                    fields.ForeignKeyField(
                        "models.Registration",
                        source_field="registration_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="scans",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("device", fields.CharField(default="", max_length=64)),
                ("scan_id", fields.CharField(null=True, max_length=64)),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "models.StaffAccount",
                        source_field="staff_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="scans",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "result",
                    fields.CharEnumField(
                        description="OK: ok\nALREADY_CHECKED_IN: already_checked_in\nNOT_REGISTERED: not_registered\nWAITLISTED: waitlisted\nCANCELLED: cancelled\nUNKNOWN: unknown\nINVALID: invalid\nUNDONE: undone",
                        enum_type=Result,
                        max_length=24,
                    ),
                ),
                (
                    "scanned_at",
                    fields.DatetimeField(
                        description="The scan's own time: the device's (queued offline), clamped to the event's days.",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "text",
                    fields.CharField(
                        default="",
                        description="The first characters of what was scanned when it matched nobody (never a name or an e-mail).",
                        max_length=40,
                    ),
                ),
            ],
            options={
                "table": "scan_log",
                "app": "models",
                "unique_together": (("event", "device", "scan_id"),),
                "indexes": [Index(fields=["session_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "Every scan and undo, whatever its answer: time, session, device, staff account, result.",
            },
            bases=["Model"],
        ),
    ]
