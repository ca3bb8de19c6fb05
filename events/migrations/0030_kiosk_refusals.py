from tortoise import migrations
from events.migrations._state import DescribeField
from events.checkin.models import Result
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0029_staff_sessions")]

    initial = False

    operations = [
        # The kiosk's refusals are results of the scan log too: a description only, no statement.
        DescribeField(
            model_name="ScanLog",
            name="result",
            field=fields.CharEnumField(
                description="OK: ok\nALREADY_CHECKED_IN: already_checked_in\nNOT_REGISTERED: not_registered\nWAITLISTED: waitlisted\nCANCELLED: cancelled\nUNKNOWN: unknown\nINVALID: invalid\nUNDONE: undone\nOUT: out\nNOT_INSIDE: not_inside\nAMOUNT_DUE: amount_due\nNO_SESSION_NOW: no_session_now\nQUESTION_UNANSWERED: question_unanswered\nLABEL_PRINTED: label_printed\nRATE_LIMITED: rate_limited",
                enum_type=Result,
                max_length=24,
            ),
        ),
    ]
