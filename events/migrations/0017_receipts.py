from tortoise import migrations
from tortoise.migrations import operations as ops
from events.money.models import Method
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0016_money_ledger")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Receipt",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="receipts",
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
                        related_name="receipts",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "entry",
                    fields.ForeignKeyField(
                        "models.LedgerEntry",
                        source_field="entry_id",
                        unique=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="receipts",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("number", fields.IntField()),
                ("amount", fields.IntField()),
                (
                    "method",
                    fields.CharEnumField(
                        description="CASH: cash\nTRANSFER: transfer\nNONE: none", enum_type=Method, max_length=16
                    ),
                ),
                ("paid_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("issued_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "addressee",
                    fields.CharField(
                        description="宛名: erased with the person's other data (the amount, method and dates stay).",
                        max_length=200,
                    ),
                ),
                ("purpose", fields.CharField(description="但し書き, in Japanese as issued.", max_length=300)),
                ("printed", fields.IntField(default=0)),
            ],
            options={
                "table": "receipt",
                "app": "models",
                "unique_together": (("event", "number"),),
                "indexes": [Index(fields=["registration_id"])],
                "pk_attr": "id",
                "table_description": "A receipt (領収書) for one payment, numbered consecutively within its event, never reused.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReceiptSeries",
            fields=[
                ("event_id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("last_number", fields.IntField(default=0)),
            ],
            options={
                "table": "receipt_series",
                "app": "models",
                "pk_attr": "event_id",
                "table_description": "The last receipt number of one event: bumped in the transaction that issues the next.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Registration",
            name="receipt_addressee",
            field=fields.CharField(
                default="",
                description="宛名: the name their receipts are made out to (their organization, say), else their own name.",
                db_default="",
                max_length=200,
            ),
        ),
    ]
