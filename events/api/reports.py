"""API: the organizers' downloads of an event's figures (spreadsheets and the PDF report)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from events.http.downloads import FILES, download
from events.staff.auth import api_event
from events.staff.models import Role


def _endpoint(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        _account, event = await api_event(request, Role.ORGANIZER)
        return await download(request, event, name)

    endpoint.__name__ = "get_" + name.replace(".", "_")
    return endpoint


ENDPOINTS = {name: _endpoint(name) for name in FILES}
