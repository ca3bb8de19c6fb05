from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0019_members")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Event",
            name="cancellation_policy",
            field=fields.JSONField(
                null=True,
                description='What a late cancellation keeps: `{"from_date", "amount" or "percent"}` (`events.money.cancellation`).',
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
    ]
