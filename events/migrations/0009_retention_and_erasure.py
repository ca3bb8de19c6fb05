from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0008_event_translations")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Event",
            name="purged_at",
            field=fields.DatetimeField(
                null=True,
                description="When the personal data of its participants was erased (their counts stay).",
                auto_now=False,
                auto_now_add=False,
            ),
        ),
        ops.AddField(
            model_name="Event",
            name="retention_days",
            field=fields.IntField(
                default=180,
                description="Days after the last day that the personal data of participants is kept (then `tsudoi purge` erases it).",
                db_default=180,
            ),
        ),
        ops.AddField(
            model_name="Registration",
            name="erased_at",
            field=fields.DatetimeField(
                null=True,
                description="When the data of the person was erased (at their request, or when the retention of the event ended): name,",
                auto_now=False,
                auto_now_add=False,
            ),
        ),
    ]
