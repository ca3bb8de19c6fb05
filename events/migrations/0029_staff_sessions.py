from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0028_lone_surrogates")]

    initial = False

    operations = [
        ops.CreateModel(
            name="StaffSession",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "models.StaffAccount",
                        source_field="staff_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sessions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "expires_at",
                    fields.DatetimeField(
                        description="Refused from then on, and moved on while the browser is in use (events.staff.sessions).",
                        auto_now=False,
                        auto_now_add=False,
                    ),
                ),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "staff_session",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A sign-in of one browser to the staff pages, found again by every staff page.",
            },
            bases=["Model"],
        ),
    ]
