"""API: live attendance figures for door staff and organizers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from events.program import service as program
from events.reports.attendance import attendance as figures
from events.staff.auth import require_event_access, require_token
from events.staff.models import Role
from events.web.http import json_response


async def attendance(request: Request) -> JSONResponse:
    account = await require_token(request, Role.ORGANIZER, Role.DOOR)
    event = await program.get_event(request.path_params["slug"], include_hidden=True)
    require_event_access(account, event)
    return json_response(await figures(event), private=True)
