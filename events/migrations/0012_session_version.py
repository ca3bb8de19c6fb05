from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0011_audit_trail")]

    initial = False

    operations = [
        ops.AddField(
            model_name="StaffAccount",
            name="session_version",
            field=fields.IntField(
                default=0,
                description="Raised when the password changes: every browser signed in before then is signed out.",
                db_default=0,
            ),
        ),
    ]
