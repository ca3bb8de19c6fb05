"""API: badge PDFs, the participant's own and the organizers' batches."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from events.badges import service
from events.http.badges import batch_response
from events.http.common import NO_STORE, settings_of
from events.registrations import service as registrations
from events.staff.auth import api_event
from events.staff.models import Role


async def participant_badge(request: Request) -> Response:
    registration = await registrations.by_secret(request.path_params["secret"])
    pdf = await service.participant_badge(registration, settings_of(request).secret_key)
    headers = {**NO_STORE, "Content-Disposition": f'inline; filename="badge-{registration.code}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


async def event_badges(request: Request) -> Response:
    _account, event = await api_event(request, Role.ORGANIZER)
    return await batch_response(request, event)
