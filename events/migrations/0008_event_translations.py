from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0007_outbox")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Event",
            name="language",
            field=fields.CharField(
                default="ja",
                description="The language `title` and `description` are written in: what a page falls back to.",
                db_default="ja",
                max_length=2,
            ),
        ),
        ops.AddField(
            model_name="Event",
            name="translations",
            field=fields.JSONField(
                null=True,
                description='The title and description in other languages: `{"en": {"title": …, "description": …}, …}`.',
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
        ops.AddField(
            model_name="Session",
            name="translations",
            field=fields.JSONField(
                null=True,
                description="The title and description in other languages than the event's own, as for `Event.translations`.",
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
    ]
