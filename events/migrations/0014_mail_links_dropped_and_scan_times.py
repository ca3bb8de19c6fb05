from tortoise import migrations
from tortoise.migrations import operations as ops
from events.mail.models import MailKind, MailStatus
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0013_event_badge_key")]

    initial = False

    operations = [
        ops.AlterField(
            model_name="OutboxMessage",
            name="kind",
            field=fields.CharEnumField(
                description="REGISTERED: registered\nPROMOTED: promoted\nCANCELLED: cancelled\nREMINDER: reminder\nLINK: link",
                enum_type=MailKind,
                max_length=16,
            ),
        ),
        ops.AlterField(
            model_name="OutboxMessage",
            name="status",
            field=fields.CharEnumField(
                default=MailStatus.QUEUED,
                description="QUEUED: queued\nSENDING: sending\nSENT: sent\nFAILED: failed\nDROPPED: dropped",
                enum_type=MailStatus,
                max_length=16,
            ),
        ),
        ops.AlterField(
            model_name="ScanLog",
            name="scanned_at",
            field=fields.DatetimeField(
                description="The scan's own time: the device's (queued offline) when it can be right, else the server's.",
                auto_now=False,
                auto_now_add=False,
            ),
        ),
    ]
