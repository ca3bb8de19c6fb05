from tortoise import migrations
from events.migrations._state import DescribeField
from tortoise.migrations import operations as ops
from events.checkin.models import Source
from events.staff.models import Role
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0024_certificates")]

    initial = False

    operations = [
        DescribeField(
            model_name="CheckIn",
            name="source",
            field=fields.CharEnumField(
                default=Source.SCAN,
                description="SCAN: scan\nTYPED: typed\nSEARCH: search\nPAPER: paper\nWALK_IN: walk_in\nKIOSK: kiosk",
                enum_type=Source,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Event",
            name="kiosk_prints_badges",
            field=fields.BooleanField(
                default=False,
                description="Kiosks print a badge label when a participant checks themselves in (badges made on site).",
                db_default=False,
            ),
        ),
        DescribeField(
            model_name="StaffAccount",
            name="role",
            field=fields.CharEnumField(
                description="ORGANIZER: organizer\nDOOR: door\nKIOSK: kiosk", enum_type=Role, max_length=16
            ),
        ),
    ]
