"""API: events and their sessions."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from events.http.common import json_response, read_json
from events.http.presenters import event_detail, event_summary
from events.program import service
from events.program.models import Event
from events.program.schemas import EventInput, EventPatch
from events.questions.service import questions_of
from events.staff.auth import api_event, api_network
from events.staff.models import Role
from events.validation import parse


async def list_events(request: Request) -> JSONResponse:
    return json_response([event_summary(event) for event in await service.published_events()])


async def create_event(request: Request) -> JSONResponse:
    await api_network(request, Role.ORGANIZER)
    data = parse(EventInput, await read_json(request))
    event = await service.create_event(data)
    return json_response(await _detail(event), status_code=201)


async def get_event(request: Request) -> JSONResponse:
    event = await service.get_event(request.path_params["slug"])
    return json_response(await _detail(event, for_staff=False))


async def update_event(request: Request) -> JSONResponse:
    _account, event = await api_event(request, Role.ORGANIZER)
    patch = parse(EventPatch, await read_json(request))
    event = await service.update_event(event.slug, patch)
    return json_response(await _detail(event))


async def _detail(event: Event, *, for_staff: bool = True) -> dict[str, Any]:
    """The event as the API shows it, with the questions its registration form asks (and to the
    public, only the categories it may choose)."""
    return event_detail(event, await questions_of(event), for_staff=for_staff)
