from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0005_questions_and_change_log")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="CheckIn",
            index=Index(fields=["registration_id", "session_id", "source"]),
        ),
        ops.AddIndex(
            model_name="Registration",
            index=Index(fields=["id", "category", "status"]),
        ),
        ops.RemoveIndex(
            model_name="Seat",
            name=None,
            fields=["session_id", "status"],
        ),
        ops.AddIndex(
            model_name="Seat",
            index=Index(fields=["session_id", "status", "registration_id"]),
        ),
    ]
