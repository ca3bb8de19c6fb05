"""API: live attendance figures for door staff and organizers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from events.http.common import json_response
from events.reports.attendance import attendance as figures
from events.staff.auth import api_event
from events.staff.models import Role


async def attendance(request: Request) -> JSONResponse:
    _account, event = await api_event(request, Role.ORGANIZER, Role.DOOR)
    return json_response(await figures(event), private=True)
