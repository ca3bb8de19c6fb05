"""Writes the audit trail after each staff request that changed something or took a file away,
and shows it to organizers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from events.http.common import settings_of
from events.staff import audit
from events.staff.models import StaffAccount
from events.web.pages import render
from events.web.routing import route
from events.web.staff import organizer_only, signed_in


class AuditTrail:
    """ASGI middleware: after the answer, record it when `audit.worth_recording` says so."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answer: dict[str, object] = {}

        async def noting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["download"] = any(
                    name.lower() == b"content-disposition" for name, _ in message.get("headers", [])
                )
            await send(message)

        await self.app(scope, receive, noting_send)
        account = scope.get("staff_account")
        matched = scope.get("route")
        if account is None or matched is None or "status" not in answer:
            return
        name = getattr(matched, "name", "") or ""
        status = int(answer["status"])  # type: ignore[call-overload]
        if audit.worth_recording(scope["method"], name, status, bool(answer.get("download"))):
            await audit.record(account, name, scope["method"], dict(scope.get("path_params", {})), status)


@signed_in
async def trail_page(request: Request, account: StaffAccount) -> Response:
    """Organizers read the trail: the whole network's, or their one event's."""
    organizer_only(account)
    limited_to = None
    if account.event_id is not None:  # type: ignore[attr-defined]
        await account.fetch_related("event")
        limited_to = account.event.slug  # type: ignore[union-attr]
    slug = limited_to or request.query_params.get("event") or None
    context = {"entries": await audit.entries(slug), "event_slug": slug, "timezone": settings_of(request).timezone}
    return render(request, "staff/audit.html", context)


ROUTES = [route("/audit", name="staff_audit", get=trail_page)]
