from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0014_mail_links_dropped_and_scan_times")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Question",
            name="translations",
            field=fields.JSONField(
                null=True,
                description='The label, help text and choices in other languages: `{"en": {"label": …, "choices": {"肉": "Meat"}}}`.',
                encoder=functools.partial(dumps, separators=(",", ":")),
                decoder=loads,
            ),
        ),
    ]
