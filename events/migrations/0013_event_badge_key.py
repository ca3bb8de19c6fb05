from tortoise import migrations
from tortoise.migrations import operations as ops
from events.program.models import new_badge_key
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0012_session_version")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Event",
            name="badge_key",
            field=fields.CharField(
                default=new_badge_key,
                description="The key its badges are signed with (TSD2): it moves with the event, so its badges scan anywhere.",
                db_default="",
                max_length=64,
            ),
        ),
    ]
