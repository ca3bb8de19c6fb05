from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0020_cancellation_policy")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Receipt",
            name="fee",
            field=fields.CharField(
                default="",
                description="The fee it is for when the person asked for one receipt per fee (`Fee`), else empty: all of them.",
                db_default="",
                max_length=16,
            ),
        ),
    ]
