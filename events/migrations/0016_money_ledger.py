from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from events.money.models import EntryKind, Method
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0015_question_translations")]

    initial = False

    operations = [
        ops.CreateModel(
            name="LedgerEntry",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="ledger_entries",
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
                        related_name="ledger_entries",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        description="CHARGE: charge\nPAYMENT: payment\nREFUND: refund\nWAIVER: waiver",
                        enum_type=EntryKind,
                        max_length=16,
                    ),
                ),
                (
                    "method",
                    fields.CharEnumField(
                        default=Method.NONE,
                        description="CASH: cash\nTRANSFER: transfer\nNONE: none",
                        enum_type=Method,
                        max_length=16,
                    ),
                ),
                ("amount", fields.IntField()),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.Session",
                        source_field="session_id",
                        null=True,
                        description="The session a charge is for (null for payments, refunds and waivers).",
                        db_constraint=True,
                        to_field="id",
                        related_name="ledger_entries",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "models.StaffAccount",
                        source_field="staff_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="ledger_entries",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "staff_email",
                    fields.CharField(
                        default="",
                        description="Kept as it was, so the ledger still says who took the money after the account is removed.",
                        max_length=254,
                    ),
                ),
                ("note", fields.CharField(default="", max_length=200)),
                ("payment_id", fields.CharField(null=True, max_length=64)),
            ],
            options={
                "table": "ledger_entry",
                "app": "models",
                "unique_together": (("event", "payment_id"),),
                "indexes": [Index(fields=["registration_id", "kind", "session_id"]), Index(fields=["event_id", "at"])],
                "pk_attr": "id",
                "table_description": "One line of a registration's account. `amount` is signed as it changes what is due (a charge",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Event",
            name="currency",
            field=fields.CharField(
                default="JPY",
                description="The currency of every amount, in its smallest unit (whole yen).",
                db_default="JPY",
                max_length=3,
            ),
        ),
        ops.AddField(
            model_name="Event",
            name="prices",
            field=fields.JSONField(
                default=list,
                description='What a seat costs: `[{"category", "session", "amount", "reduced"?}]` by category and session',
                db_default="[]",
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
        ops.AddField(
            model_name="Registration",
            name="amount_due",
            field=fields.IntField(
                default=0,
                description="What is still to pay: the sum of the registration's ledger entries, kept in step with them",
                db_default=0,
            ),
        ),
        ops.AddField(
            model_name="Registration",
            name="reduced_fee",
            field=fields.BooleanField(
                default=False,
                description="The person chose the reduced price (no reason asked, none kept).",
                db_default=False,
            ),
        ),
    ]
