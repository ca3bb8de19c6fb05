"""Turning errors into answers: the contract's JSON on `/api/`, a readable page elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from tortoise.exceptions import ValidationError

from events import logs
from events.database import DatabaseBusy
from events.errors import DomainError, InvalidInput, RateLimited, ServiceUnavailable
from events.http.common import JSONAnswer
from events.i18n import gettext as _
from events.web.pages import render

log = logging.getLogger("tsudoi.errors")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", "")


def _body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return body


def _page(request: Request, status: int, message: str) -> Response:
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    headers = {"Cache-Control": "no-store"}
    if isinstance(exc, RateLimited):
        headers.update(exc.headers)
    if isinstance(exc, ServiceUnavailable):
        headers["Retry-After"] = "2"
    if not _wants_json(request):
        response = _page(request, exc.status_code, exc.message)
        response.headers.update(headers)
        return response
    fields = exc.fields if isinstance(exc, InvalidInput) else None
    return JSONAnswer(_body(exc.code, exc.message, fields), status_code=exc.status_code, headers=headers)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    message = {
        404: _("Not found."),
        405: _("This method is not allowed here."),
    }.get(exc.status_code, str(exc.detail))
    if not _wants_json(request):
        return _page(request, exc.status_code, message)
    return JSONAnswer(_body(code, message), status_code=exc.status_code, headers=exc.headers)


async def busy(request: Request, exc: Exception) -> Response:
    return await domain_error(request, ServiceUnavailable(_("The server is busy; please try again in a moment.")))


async def refused_by_the_orm(request: Request, exc: Exception) -> Response:
    """The ORM refused a value before asking the database (longer than its column, say): input that
    no check of ours caught. A 422, as for any field that fails validation, not a 500; the warning
    names the route and the field, never the value (it may be someone's name), so the missing check
    can be added."""
    field = str(exc).partition(":")[0][:64]
    route = getattr(request.scope.get("route"), "name", "?")
    log.warning("the ORM refused a value of %s on %s %s", field, request.method, route)
    return await domain_error(request, InvalidInput({}, _("This value is not valid.")))


async def server_error(request: Request, exc: Exception) -> Response:
    """A bug, or the database failing: the log says which kind on which route and where it was
    raised, never the error's message, which may quote what was submitted (`logs.without_values`)."""
    route = getattr(request.scope.get("route"), "name", None) or "?"
    logs.log_error(log, exc, "unhandled %s on %s %s", logs.kind(exc), request.method, route)
    message = _("Something went wrong on our side. Nothing was changed; please try again.")
    if request.url.path.startswith("/api/"):
        return JSONAnswer(_body("server_error", message), status_code=500)
    try:
        return _page(request, 500, message)
    except Exception:
        return Response(message, status_code=500, media_type="text/plain; charset=utf-8")


HANDLERS: dict[Any, Any] = {
    DomainError: domain_error,
    HTTPException: http_error,
    DatabaseBusy: busy,
    ValidationError: refused_by_the_orm,
    Exception: server_error,
}
