"""The audit trail: every change a staff member makes, and every file they take away.

Recorded in one place, after the answer, from what the request was (its route, its path's event
and target, its status), so no page or API route can forget it. Door scans are not repeated here:
the scan log keeps each of them. Nothing personal is written: who acted (a staff address), what,
where, when.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from events.logs import request_id
from events.program.schemas import SLUG

if TYPE_CHECKING:
    from events.staff.models import StaffAccount

#: Routes whose requests the trail leaves out: the door's scans (the scan log holds them) and the
#: live counts, which a page asks for every few seconds.
UNRECORDED = frozenset(
    {"api_checkins", "api_checkouts", "staff_scan", "staff_scan_search", "staff_scan_guest", "staff_live_json"}
)
#: Path parameters that name what an action was done to.
TARGETS = ("code", "registration_code", "session", "session_code", "id", "message_id", "batch")


class AuditEntry(Model):
    id = fields.IntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    staff: fields.ForeignKeyNullableRelation[StaffAccount] = fields.ForeignKeyField(
        "models.StaffAccount", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    #: Kept as it was when acting, so the trail still reads after the account is removed.
    staff_email = fields.CharField(max_length=254, default="")
    action = fields.CharField(max_length=64)
    method = fields.CharField(max_length=8)
    event_slug = fields.CharField(max_length=64, default="")
    target = fields.CharField(max_length=100, default="")
    status = fields.IntField()
    request_id = fields.CharField(max_length=64, default="")

    class Meta:
        table = "audit_entry"
        ordering = ["-id"]
        indexes = [("event_slug", "at"), ("at",)]


def worth_recording(method: str, route: str, status: int, download: bool) -> bool:
    """A change (anything but GET), or a file taken away; that succeeded; not a door scan."""
    if route in UNRECORDED or status >= 400:
        return False
    return method not in ("GET", "HEAD") or download


async def record(
    account: StaffAccount, route: str, method: str, path_params: dict[str, Any], status: int
) -> AuditEntry:
    target = " ".join(f"{name}={path_params[name]}" for name in TARGETS if name in path_params)
    return await AuditEntry.create(
        staff=account,
        staff_email=account.email,
        action=route[:64],
        method=method[:8],
        event_slug=str(path_params.get("slug", ""))[:64],
        target=target[:100],
        status=status,
        request_id=request_id()[:64],
    )


async def entries(event_slug: str | None = None, limit: int = 500) -> list[AuditEntry]:
    """The newest entries, of one event's when `event_slug` is given (none for a slug no event could
    have: the column holds 64 characters, and the ORM refuses to compare it with more)."""
    if event_slug is not None and not SLUG.fullmatch(event_slug):
        return []
    query = AuditEntry.all()
    if event_slug is not None:
        query = query.filter(event_slug=event_slug)
    return await query.order_by("-id").limit(limit)
