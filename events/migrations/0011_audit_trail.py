from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0010_rate_limit_windows")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AuditEntry",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "models.StaffAccount",
                        source_field="staff_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="audit_entries",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "staff_email",
                    fields.CharField(
                        default="",
                        description="Kept as it was when acting, so the trail still reads after the account is removed.",
                        max_length=254,
                    ),
                ),
                ("action", fields.CharField(max_length=64)),
                ("method", fields.CharField(max_length=8)),
                ("event_slug", fields.CharField(default="", max_length=64)),
                ("target", fields.CharField(default="", max_length=100)),
                ("status", fields.IntField()),
                ("request_id", fields.CharField(default="", max_length=64)),
            ],
            options={
                "table": "audit_entry",
                "app": "models",
                "indexes": [Index(fields=["event_slug", "at"]), Index(fields=["at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
