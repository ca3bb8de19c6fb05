from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0003_guests")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Session",
            name="sequence",
            field=fields.IntField(
                default=0,
                description="Raised whenever the time, place or title changes, so calendars replace their copy (RFC 5545 SEQUENCE).",
                db_default=0,
            ),
        ),
    ]
