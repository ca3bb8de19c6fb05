import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from events.i18n import Language
from events.migrations._checks import add_checks
from events.program.models import EventStatus, SessionKind
from events.registrations.models import RegistrationStatus, SeatStatus
from events.staff.models import Role


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Event",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("slug", fields.CharField(unique=True, max_length=64)),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(default="", unique=False)),
                ("starts_on", fields.DateField()),
                ("ends_on", fields.DateField()),
                ("timezone", fields.CharField(default="Asia/Tokyo", max_length=64)),
                ("venue", fields.CharField(default="", max_length=200)),
                ("city", fields.CharField(default="", max_length=100)),
                ("registration_opens_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("registration_closes_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "categories",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=EventStatus.PUBLISHED,
                        description="DRAFT: draft\nPUBLISHED: published\nCLOSED: closed\nCANCELLED: cancelled",
                        enum_type=EventStatus,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "event",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A workshop, forum, symposium or lecture series, held over one or more days in one time zone.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Registration",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="registrations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("code", fields.CharField(unique=True, max_length=8)),
                ("secret", fields.CharField(unique=True, max_length=64)),
                ("name", fields.CharField(max_length=200)),
                ("name_reading", fields.CharField(default="", max_length=200)),
                (
                    "sort_name",
                    fields.CharField(
                        default="",
                        description="The reading when given, else the name, case-folded: what lists of people sort by.",
                        max_length=200,
                    ),
                ),
                ("email", fields.CharField(max_length=254)),
                ("active_email", fields.CharField(null=True, max_length=254)),
                ("organization", fields.CharField(default="", max_length=200)),
                ("category", fields.CharField(max_length=64)),
                (
                    "language",
                    fields.CharEnumField(
                        default=Language.JA,
                        description="JA: ja\nEN: en\nKO: ko\nTL: tl",
                        enum_type=Language,
                        max_length=2,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        description="CONFIRMED: confirmed\nWAITLISTED: waitlisted\nCANCELLED: cancelled",
                        enum_type=RegistrationStatus,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ("cancelled_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "registration",
                "app": "models",
                "unique_together": (("event", "active_email"),),
                "indexes": [Index(fields=["event_id", "sort_name"]), Index(fields=["event_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "One person registered for one event.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Session",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sessions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("code", fields.CharField(max_length=32)),
                ("title", fields.CharField(max_length=200)),
                ("description", fields.TextField(default="", unique=False)),
                (
                    "kind",
                    fields.CharEnumField(
                        default=SessionKind.OTHER,
                        description="DAY: day\nPLENARY: plenary\nWORKSHOP: workshop\nLECTURE: lecture\nSYMPOSIUM: symposium\nRECEPTION: reception\nOTHER: other",
                        enum_type=SessionKind,
                        max_length=16,
                    ),
                ),
                ("starts_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("location", fields.CharField(default="", max_length=200)),
                ("capacity", fields.IntField(null=True)),
                ("confirmed_count", fields.IntField(default=0)),
                ("position", fields.IntField(default=0)),
            ],
            options={
                "table": "session",
                "app": "models",
                "unique_together": (("event", "code"),),
                "pk_attr": "id",
                "table_description": "One part of an event people hold a seat in: a day, a lecture, a workshop, a reception.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Seat",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "registration",
                    fields.ForeignKeyField(
                        "models.Registration",
                        source_field="registration_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="seats",
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
                        related_name="seats",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        description="CONFIRMED: confirmed\nWAITLISTED: waitlisted\nCANCELLED: cancelled",
                        enum_type=SeatStatus,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ("promoted_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "seat",
                "app": "models",
                "unique_together": (("registration", "session"),),
                "indexes": [Index(fields=["session_id", "status"])],
                "pk_attr": "id",
                "table_description": "A registration's place in one session: confirmed, waiting, or given up.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="StaffAccount",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("email", fields.CharField(unique=True, max_length=254)),
                ("name", fields.CharField(default="", max_length=200)),
                (
                    "role",
                    fields.CharEnumField(description="ORGANIZER: organizer\nDOOR: door", enum_type=Role, max_length=16),
                ),
                ("password_hash", fields.CharField(null=True, max_length=255)),
                ("is_active", fields.BooleanField(default=True)),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.Event",
                        source_field="event_id",
                        null=True,
                        description="A door account may be limited to one event (NULL: every event).",
                        db_constraint=True,
                        to_field="id",
                        related_name="staff",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("last_login_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "staff_account",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A person who runs events: an organizer sees everything, a door account only checks people in.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiToken",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "models.StaffAccount",
                        source_field="staff_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("prefix", fields.CharField(max_length=16)),
                ("label", fields.CharField(default="", max_length=100)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("last_used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A bearer token for the API, stored only as its SHA-256 (with a short prefix to tell tokens apart).",
            },
            bases=["Model"],
        ),
    ]

    operations += [
        ops.RunPython(
            add_checks(
                "event",
                {"event_ends_after_start": "ends_on >= starts_on"},
            )
        ),
        ops.RunPython(
            add_checks(
                "session",
                {
                    "session_ends_after_start": "ends_at > starts_at",
                    "session_capacity_not_negative": "capacity IS NULL OR capacity >= 0",
                    "session_not_overbooked": "confirmed_count >= 0 AND (capacity IS NULL OR confirmed_count <= capacity)",
                },
            )
        ),
        ops.RunPython(
            add_checks(
                "seat",
                {"seat_status_known": "status IN ('confirmed', 'waitlisted', 'cancelled')"},
            )
        ),
    ]
