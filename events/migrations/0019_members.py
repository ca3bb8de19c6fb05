from tortoise import migrations
from tortoise.migrations import operations as ops
from events.members.models import MemberKind
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0018_ledger_device")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Member",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("number", fields.CharField(unique=True, max_length=32)),
                ("name", fields.CharField(max_length=200)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="INDIVIDUAL: individual\nORGANIZATION: organization\nINDIVIDUAL_SUBSCRIBER: individual_subscriber\nORGANIZATION_SUBSCRIBER: organization_subscriber",
                        enum_type=MemberKind,
                        max_length=32,
                    ),
                ),
                (
                    "units",
                    fields.IntField(
                        default=1,
                        description="口数: how many units the member holds (for an organization, how many of its people pay the member price).",
                    ),
                ),
                ("organization", fields.CharField(default="", max_length=200)),
                (
                    "valid_until",
                    fields.DateField(null=True, description="The last day of the membership (none: no end)."),
                ),
                ("imported_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "member",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One entry of the roster. Personal data: door accounts never see it, and the roster is",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MemberAddress",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "member",
                    fields.ForeignKeyField(
                        "models.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="addresses",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("address", fields.CharField(db_index=True, max_length=254)),
            ],
            options={
                "table": "member_address",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An e-mail address of a member, or `@domain` for all of an organization's addresses.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Event",
            name="member_units_lifted",
            field=fields.BooleanField(
                default=False,
                description="Whether an organizational member's people pay the member price beyond its units (口数).",
                db_default=False,
            ),
        ),
        ops.AddField(
            model_name="Registration",
            name="member_number",
            field=fields.CharField(
                default="",
                description="The member number the person registered under (typed, or found by their address in the roster).",
                db_default="",
                max_length=32,
            ),
        ),
        ops.AddField(
            model_name="Registration",
            name="membership",
            field=fields.CharField(
                default="",
                description="In a member category: whether the roster confirmed the membership (`events.members.models.Membership`).",
                db_default="",
                max_length=16,
            ),
        ),
    ]
