from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0002_checkin")]

    initial = False

    operations = [
        ops.CreateModel(
            name="GuestEntry",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "session",
                    fields.ForeignKeyField(
                        "models.Session",
                        source_field="session_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="guests",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("device", fields.CharField(default="", max_length=64)),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "models.StaffAccount",
                        source_field="staff_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="guest_entries",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "guest_entry",
                "app": "models",
                "indexes": [Index(fields=["session_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "Someone let in to an open session (a public lecture, the reception) who never registered.",
            },
            bases=["Model"],
        ),
    ]
