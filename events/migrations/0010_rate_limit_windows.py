from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0009_retention_and_erasure")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RateLimitWindow",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("scope", fields.CharField(max_length=32)),
                ("client", fields.CharField(max_length=64)),
                ("window", fields.BigIntField()),
                ("hits", fields.IntField(default=0)),
            ],
            options={
                "table": "rate_limit_window",
                "app": "models",
                "unique_together": (("scope", "client", "window"),),
                "indexes": [Index(fields=["window"])],
                "pk_attr": "id",
                "table_description": "Hits of one client on one limit in one fixed window (PostgreSQL's shared counts).",
            },
            bases=["Model"],
        ),
    ]
