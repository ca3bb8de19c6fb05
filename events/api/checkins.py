"""API: the door's check-ins and their undo."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from events.checkin import service
from events.errors import NotFound
from events.http.common import JSONAnswer
from events.http.scans import answer_json, scan_request
from events.i18n import gettext as _
from events.program.models import Event
from events.staff.auth import api_event
from events.staff.models import Role


async def _event_for_door(request: Request) -> tuple[Event, Any]:
    load = request.app.state.recent_events.get
    account, event = await api_event(request, Role.ORGANIZER, Role.DOOR, load=load)
    return event, account


async def check_in(request: Request) -> JSONResponse:
    event, account = await _event_for_door(request)
    answer = await scan_request(request, event, account)
    if isinstance(answer, JSONResponse):
        return answer
    return JSONAnswer(answer_json(event, answer), answer.status_code, headers={"Cache-Control": "no-store"})


async def check_out(request: Request) -> JSONResponse:
    """The way out of a session that counts exits: `out` (201) or `not_inside` (409)."""
    event, account = await _event_for_door(request)
    answer = await scan_request(request, event, account, out=True)
    if isinstance(answer, JSONResponse):
        return answer
    body = answer_json(event, answer)
    return JSONAnswer(body, answer.status_code, headers={"Cache-Control": "no-store"})


async def undo(request: Request) -> Response:
    event, account = await _event_for_door(request)
    device = request.query_params.get("device", "")[:64]
    params = request.path_params
    if not await service.undo(event, params["registration_code"], params["session_code"], device=device, staff=account):
        raise NotFound(_("There is no such check-in to undo."))
    return Response(status_code=204)
