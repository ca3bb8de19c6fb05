"""The organizers' badge batch as an answer: the API's and the staff pages' alike."""

from __future__ import annotations

import os

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from events.badges import service
from events.errors import InvalidInput
from events.http.common import NO_STORE, settings_of
from events.i18n import gettext as _
from events.program.models import Event
from events.registrations.codes import normalize_code


def _start(text: str | None) -> int:
    try:
        return int(text or "1")
    except ValueError:
        raise InvalidInput({"start": _("A whole number.")}) from None


def _codes(text: str) -> list[str] | None:
    """The registration codes asked for (comma- or space-separated, as typed); None for all."""
    typed = text.replace(",", " ").split()
    codes = [normalize_code(code) for code in typed]
    wrong = [code for code, normal in zip(typed, codes, strict=True) if normal is None]
    if wrong:
        shown = ", ".join(code[:20] for code in wrong[:5])
        raise InvalidInput({"codes": _("Not a registration code: %(codes)s") % {"codes": shown}})
    return [code for code in codes if code] or None


async def batch_response(request: Request, event: Event) -> Response:
    """The batch PDF for the query's layout, session, sort and start (shared with the staff pages)."""
    params = request.query_params
    layout = service.layout_named(params.get("layout", "a4-8up"))
    codes = _codes(params.get("codes", ""))
    path, _count = await service.batch_badges(
        event,
        settings_of(request).secret_key,
        layout=layout,
        session_code=params.get("session") or None,
        sort=params.get("sort", "name"),
        start=_start(params.get("start")),
        codes=codes,
    )
    filename = f"badges-{event.slug}-{layout.name}.pdf"
    headers = {**NO_STORE, "Content-Disposition": f'inline; filename="{filename}"'}
    return FileResponse(path, media_type="application/pdf", headers=headers, background=BackgroundTask(os.unlink, path))
