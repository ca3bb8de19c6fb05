from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from events.questions.models import QuestionKind
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0004_session_sequence")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Question",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="questions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("code", fields.CharField(description="Short name: the column heading in exports", max_length=32)),
                ("label", fields.CharField(max_length=300)),
                ("help_text", fields.TextField(default="", unique=False)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="SHORT_TEXT: short_text\nLONG_TEXT: long_text\nONE_CHOICE: one_choice\nSEVERAL_CHOICES: several_choices\nYES_NO: yes_no",
                        enum_type=QuestionKind,
                        max_length=16,
                    ),
                ),
                ("required", fields.BooleanField(default=False)),
                (
                    "choices",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
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
                        related_name="questions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("position", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "question",
                "app": "models",
                "unique_together": (("event", "code"),),
                "pk_attr": "id",
                "table_description": "One question on an event's registration form, as pretix and Indico have them.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Answer",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "registration",
                    fields.ForeignKeyField(
                        "models.Registration",
                        source_field="registration_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="answers",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "question",
                    fields.ForeignKeyField(
                        "models.Question",
                        source_field="question_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="answers",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("value", fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
            ],
            options={
                "table": "answer",
                "app": "models",
                "unique_together": (("registration", "question"),),
                "pk_attr": "id",
                "table_description": "A registration's answer to one question: text, a choice, several choices (a list) or yes/no.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RegistrationChange",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "registration",
                    fields.ForeignKeyField(
                        "models.Registration",
                        source_field="registration_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="changes",
                        on_delete=OnDelete.CASCADE,
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
                        related_name="registration_changes",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("action", fields.CharField(max_length=32)),
                (
                    "details",
                    fields.JSONField(
                        default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "registration_change",
                "app": "models",
                "indexes": [Index(fields=["registration_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "One change to a registration made by staff (or an import), kept for the detail page's log.",
            },
            bases=["Model"],
        ),
    ]
