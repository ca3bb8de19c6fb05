"""The application: `create_app(settings)` wires routes, middleware and the database together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from events import database
from events.api import events as events_api
from events.api import openapi
from events.api import registrations as registrations_api
from events.api import tokens as tokens_api
from events.program.service import RecentEvents
from events.settings import Settings, from_environ
from events.web import public, staff, system
from events.web.errors import HANDLERS
from events.web.middleware import BodySizeLimit, LanguageMiddleware, SecurityHeaders
from events.web.ratelimit import RateLimiter
from events.web.templating import Pages

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
SESSION_COOKIE = "tsudoi_session"

API_ROUTES = [
    Route("/api/v1/openapi.json", openapi.document, methods=["GET"], name="openapi"),
    Route("/api/v1/events", events_api.list_events, methods=["GET"], name="api_events"),
    Route("/api/v1/events", events_api.create_event, methods=["POST"], name="api_create_event"),
    Route("/api/v1/events/{slug}", events_api.get_event, methods=["GET"], name="api_event"),
    Route("/api/v1/events/{slug}", events_api.update_event, methods=["PATCH"], name="api_update_event"),
    Route("/api/v1/events/{slug}/registrations", registrations_api.register, methods=["POST"], name="api_register"),
    Route(
        "/api/v1/events/{slug}/registrations",
        registrations_api.list_for_staff,
        methods=["GET"],
        name="api_registrations",
    ),
    Route("/api/v1/registrations/{secret}", registrations_api.show, methods=["GET"], name="api_registration"),
    Route("/api/v1/registrations/{secret}/cancel", registrations_api.cancel, methods=["POST"], name="api_cancel"),
    Route("/api/v1/registrations/{secret}/badge.pdf", registrations_api.badge, methods=["GET"], name="api_badge"),
    Route(
        "/api/v1/registrations/{secret}/calendar.ics",
        registrations_api.calendar,
        methods=["GET"],
        name="api_calendar",
    ),
    Route("/api/v1/tokens", tokens_api.create_token, methods=["POST"], name="api_create_token"),
    Route("/api/v1/tokens/current", tokens_api.revoke_current_token, methods=["DELETE"], name="api_revoke_token"),
]


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the app. Tests pass their own settings (their own database); `tsudoi serve` reads the environment."""
    settings = (settings or from_environ()).with_secret()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await database.connect(settings)
        await database.migrate(settings)
        try:
            yield
        finally:
            await database.disconnect()

    routes = [
        *system.ROUTES,
        *API_ROUTES,
        *public.ROUTES,
        Mount("/staff", routes=staff.ROUTES),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders, hsts=settings.secure_cookies),
        Middleware(BodySizeLimit),
        Middleware(LanguageMiddleware, secure_cookie=settings.secure_cookies),
        Middleware(
            SessionMiddleware,
            secret_key=settings.secret_key,
            session_cookie=SESSION_COOKIE,
            max_age=settings.staff_session_seconds,
            same_site="lax",
            https_only=settings.secure_cookies,
        ),
    ]
    app = Starlette(
        debug=False,
        routes=routes,
        middleware=middleware,
        exception_handlers=HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.pages = Pages()
    app.state.registration_limiter = RateLimiter(settings.registration_rate)
    app.state.login_limiter = RateLimiter(settings.login_rate)
    app.state.recent_events = RecentEvents()
    return app
