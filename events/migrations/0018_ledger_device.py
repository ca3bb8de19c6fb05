from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0017_receipts")]

    initial = False

    operations = [
        ops.AddField(
            model_name="LedgerEntry",
            name="device",
            field=fields.CharField(
                default="",
                description="The desk (device) that took or gave back the money, for the day's count of each cash box.",
                db_default="",
                max_length=64,
            ),
        ),
    ]
