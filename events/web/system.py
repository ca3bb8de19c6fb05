"""Health checks for load balancers and process managers."""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import JSONResponse

from events import changes, database
from events.http.common import settings_of
from events.web.routing import route


async def healthz(request: Request) -> JSONResponse:
    """The process is up; `worker` says which of several worker processes answered."""
    return JSONResponse({"status": "ok", "worker": os.getpid()})


async def readyz(request: Request) -> JSONResponse:
    """200 when the database answers and every migration is applied, else 503.

    `changes` says whether this worker hears other workers' changes (`events.changes`); while it
    does not, it still answers correctly, reading the database for every request.
    """
    try:
        pending = await database.pending_migrations(settings_of(request))
    except Exception:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    if pending:
        return JSONResponse({"status": "unavailable", "pending_migrations": pending}, status_code=503)
    return JSONResponse({"status": "ok", "changes": changes.state()})


ROUTES = [
    route("/healthz", name="healthz", get=healthz),
    route("/readyz", name="readyz", get=readyz),
]
