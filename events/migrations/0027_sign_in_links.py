from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0026_desk_payments")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SignInLink",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "models.StaffAccount",
                        source_field="staff_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="sign_in_links",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "staff_sign_in_link",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A one-time link that signs a door phone or a kiosk tablet in, opened by scanning its QR code",
            },
            bases=["Model"],
        ),
    ]
