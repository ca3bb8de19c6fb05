"""The application: `create_app(settings)` wires routes, middleware and the database together."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from events import changes, database, offload
from events.api import attendance as attendance_api
from events.api import badges as badges_api
from events.api import checkins as checkins_api
from events.api import events as events_api
from events.api import openapi
from events.api import payments as payments_api
from events.api import registrations as registrations_api
from events.api import reports as reports_api
from events.api import tokens as tokens_api
from events.checkin import presence
from events.mail.worker import MailWorker
from events.program.service import RecentEvents
from events.ratelimit import rate_limiter
from events.settings import Settings, from_environ
from events.staff.attempts import SignInAttempts
from events.web import accounts, audit, door, mail, public, questions, registrations, reports, setup, staff, system
from events.web import cash as cash_pages
from events.web import certificates as certificate_pages
from events.web import desk as desk_pages
from events.web import fees as fee_pages
from events.web import importing as importing_pages
from events.web import kiosk as kiosk_pages
from events.web import members as member_pages
from events.web import transfers as transfer_pages
from events.web.errors import HANDLERS
from events.web.middleware import Edge, PagesOnly
from events.web.pages import Pages
from events.web.routing import route

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
SESSION_COOKIE = "tsudoi_session"

API_ROUTES = [
    route("/api/v1/openapi.json", name="openapi", get=openapi.document),
    route("/api/v1/events", name="api_events", get=events_api.list_events, post=events_api.create_event),
    route("/api/v1/events/{slug}", name="api_event", get=events_api.get_event, patch=events_api.update_event),
    route(
        "/api/v1/events/{slug}/registrations",
        name="api_registrations",
        get=registrations_api.list_for_staff,
        post=registrations_api.register,
    ),
    route("/api/v1/events/{slug}/badges.pdf", name="api_event_badges", get=badges_api.event_badges),
    route("/api/v1/events/{slug}/checkins", name="api_checkins", post=checkins_api.check_in),
    route("/api/v1/events/{slug}/checkouts", name="api_checkouts", post=checkins_api.check_out),
    route("/api/v1/events/{slug}/attendance", name="api_attendance", get=attendance_api.attendance),
    route("/api/v1/events/{slug}/money", name="api_money", get=payments_api.money),
    *(
        route(f"/api/v1/events/{{slug}}/{name}", name=f"api_{name.replace('.', '_')}", get=endpoint)
        for name, endpoint in reports_api.ENDPOINTS.items()
    ),
    route(
        "/api/v1/events/{slug}/checkins/{registration_code}/{session_code}",
        name="api_checkin",
        delete=checkins_api.undo,
    ),
    route(
        "/api/v1/events/{slug}/registrations/{code}/replace-secret",
        name="api_replace_secret",
        post=registrations_api.replace_secret,
    ),
    route(
        "/api/v1/events/{slug}/registrations/{code}/payments",
        name="api_payments",
        get=payments_api.list_payments,
        post=payments_api.record_payment,
    ),
    route(
        "/api/v1/events/{slug}/registrations/{code}/receipts",
        name="api_staff_receipts",
        get=payments_api.receipts_list,
    ),
    route(
        "/api/v1/events/{slug}/registrations/{code}/receipts/{number}",
        name="api_staff_receipt",
        get=payments_api.receipt,
    ),
    route("/api/v1/registrations/{secret}", name="api_registration", get=registrations_api.show),
    route("/api/v1/registrations/{secret}/cancel", name="api_cancel", post=registrations_api.cancel),
    route("/api/v1/registrations/{secret}/badge.pdf", name="api_badge", get=badges_api.participant_badge),
    route(
        "/api/v1/registrations/{secret}/certificate.pdf",
        name="api_certificate",
        get=certificate_pages.own_certificate,
    ),
    route("/api/v1/registrations/{secret}/calendar.ics", name="api_calendar", get=registrations_api.calendar),
    route("/api/v1/registrations/{secret}/receipts", name="api_receipts", get=registrations_api.receipts_list),
    route("/api/v1/registrations/{secret}/receipts/{number}", name="api_receipt", get=registrations_api.receipt),
    route("/api/v1/tokens", name="api_tokens", post=tokens_api.create_token),
    route("/api/v1/tokens/current", name="api_token", delete=tokens_api.revoke_current_token),
]


#: The collector's thresholds while serving. With Python's defaults (700, 10, 10) a busy server runs a
#: full collection every few seconds over every object it holds (fonts, models, catalogues), and those
#: pauses were the door's slowest answers: check-in p99 fell from ~100 ms to ~40 ms with these
#: (docs/benchmarks.md). Young cycles are still collected, just in larger batches.
GC_THRESHOLDS = (20_000, 20, 100)


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the app. Tests pass their own settings (their own database); `tsudoi serve` reads the environment."""
    settings = (settings or from_environ()).with_secret()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        gc.set_threshold(*GC_THRESHOLDS)
        offload.warm()  # a PDF process starts now, beside the migrations: ready for the first badge
        await database.connect(settings)
        await database.migrate(settings)
        listener = changes.Listener()
        listener.start()
        rooms = presence.RoomCloser()
        await rooms.start()
        mail = MailWorker(settings) if settings.mail.configured else None
        if mail is not None:
            mail.start()
        try:
            yield
        finally:
            if mail is not None:
                await mail.stop()
            await rooms.stop()
            await listener.stop()
            await database.disconnect()

    routes = [
        *system.ROUTES,
        *API_ROUTES,
        *public.ROUTES,
        *certificate_pages.PUBLIC_ROUTES,
        Mount(
            "/staff",
            # Set-up first: its /events/new would otherwise be read as an event's page.
            routes=[
                *setup.ROUTES,
                *staff.ROUTES,
                *door.ROUTES,
                *reports.ROUTES,
                *accounts.ROUTES,
                *registrations.ROUTES,
                *questions.ROUTES,
                *importing_pages.ROUTES,
                *transfer_pages.ROUTES,
                *member_pages.ROUTES,
                *fee_pages.ROUTES,
                *certificate_pages.ROUTES,
                *kiosk_pages.ROUTES,
                *cash_pages.ROUTES,
                *desk_pages.ROUTES,
                *mail.ROUTES,
                *audit.ROUTES,
            ],
        ),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = [
        Middleware(
            Edge,
            secure=settings.secure_cookies,
            base_url=settings.base_url,
            hosts=settings.host_patterns,
            mail_url=settings.mail_origin,
        ),
        Middleware(audit.AuditTrail),
        Middleware(
            PagesOnly,
            middleware=SessionMiddleware,
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
    app.state.registration_limiter = rate_limiter("registration", settings.registration_rate, settings)
    app.state.link_limiter = rate_limiter("link", settings.registration_rate, settings)
    app.state.login_limiter = rate_limiter("login", settings.login_rate, settings)
    app.state.kiosk_limiter = rate_limiter("kiosk", settings.kiosk_rate, settings)
    app.state.sign_ins = SignInAttempts(
        by_address=rate_limiter("login", settings.login_rate, settings),
        by_account=rate_limiter("login_account", settings.login_account_rate, settings),
    )
    app.state.recent_events = RecentEvents()
    return app
