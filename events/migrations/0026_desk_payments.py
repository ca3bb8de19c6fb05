from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0025_kiosk")]

    initial = False

    operations = [
        ops.AddField(
            model_name="StaffAccount",
            name="takes_payments",
            field=fields.BooleanField(
                default=False,
                description="A door account that may also take money at the desk, and print its receipts.",
                db_default=False,
            ),
        ),
    ]
