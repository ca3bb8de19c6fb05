"""API: the organizers' downloads of an event's figures (spreadsheets and the PDF report)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from events.program import service as program
from events.staff.auth import require_event_access, require_token
from events.staff.models import Role
from events.web.downloads import FILES, download


def _endpoint(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        account = await require_token(request, Role.ORGANIZER)
        event = await program.get_event(request.path_params["slug"], include_hidden=True)
        require_event_access(account, event)
        return await download(request, event, name)

    endpoint.__name__ = "get_" + name.replace(".", "_")
    return endpoint


ENDPOINTS = {name: _endpoint(name) for name in FILES}
