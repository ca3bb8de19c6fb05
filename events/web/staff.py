"""The staff area: signing in, the events, and badges (an event's registrations: `events.web.registrations`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.badges.render import LAYOUTS
from events.errors import Forbidden, NotFound, RateLimited
from events.http.badges import batch_response
from events.http.common import NO_STORE, base_url, client_address
from events.i18n import gettext as _
from events.links import participant_links
from events.program.models import Event, EventStatus
from events.registrations import admin
from events.registrations import service as registrations
from events.registrations.models import Registration, RegistrationStatus
from events.staff import links
from events.staff.attempts import SignInAttempts
from events.staff.auth import event_for, require_network, require_role, session_account, sign_in, sign_out
from events.staff.models import Role, StaffAccount
from events.web import csrf
from events.web.pages import render
from events.web.routing import route

Endpoint = Callable[[Request], Awaitable[Response]]


def signed_in(endpoint: Callable[[Request, StaffAccount], Awaitable[Response]], *, kiosk: bool = False) -> Endpoint:
    """Send people who are not signed in to the sign-in page, and back here afterwards. A kiosk
    account reaches only the pages made for it (`kiosk=True`): any other sends it back to its kiosk."""

    @wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        account = await session_account(request)
        if account is None:
            return RedirectResponse(request.url_for("staff_login").include_query_params(next=request.url.path), 303)
        if account.role == Role.KIOSK and not kiosk:
            if request.method != "GET":
                raise Forbidden(_("A kiosk only checks people in."))
            return RedirectResponse(await kiosk_home(request, account), 303)
        response = await endpoint(request, account)
        response.headers.update(NO_STORE)
        return response

    return wrapper


def kiosk_signed_in(endpoint: Callable[[Request, StaffAccount], Awaitable[Response]]) -> Endpoint:
    """A page a kiosk account may use (its kiosk screen)."""
    return signed_in(endpoint, kiosk=True)


async def kiosk_home(request: Request, account: StaffAccount) -> str:
    """Where a kiosk account belongs: its event's kiosk screen."""
    event = await Event.get_or_none(id=account.event_id)  # type: ignore[attr-defined]
    if event is None:
        raise Forbidden(_("This kiosk account is kept to no event: an organizer must set one."))
    return str(request.url_for("staff_kiosk", slug=event.slug))


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return "/staff/"


async def login_form(request: Request) -> Response:
    context = {"next": _safe_next(request.query_params.get("next")), "email": "", "problem": None}
    return render(request, "staff/login.html", context)


async def login(request: Request) -> Response:
    form = await request.form()
    csrf.check(request, form)
    email = str(form.get("email") or "")[:254]
    password = str(form.get("password") or "")[:1000]
    target = _safe_next(str(form.get("next") or ""))
    try:
        account = await sign_ins(request).password(client_address(request), email, password)
    except RateLimited as exc:
        context = {"next": target, "email": email, "problem": exc.message}
        return render(request, "staff/login.html", context, status_code=429, headers=exc.headers)
    if account is None:
        context = {"next": target, "email": email, "problem": _("Wrong e-mail address or password.")}
        return render(request, "staff/login.html", context, status_code=401)
    await sign_in(request, account)
    if account.role == Role.KIOSK:
        target = await kiosk_home(request, account)
    return RedirectResponse(target, status_code=303)


def sign_ins(request: Request) -> SignInAttempts:
    """The app's limits on failed sign-ins."""
    attempts: SignInAttempts = request.app.state.sign_ins
    return attempts


async def link_form(request: Request) -> Response:
    """A one-time sign-in link opened on a device: asks before using it, since opening a link (a
    preview, a prefetch) must not use it up. A link that is not one counts as a failed sign-in."""
    token = request.path_params["token"][:100]
    try:
        target = await sign_ins(request).link(client_address(request), lambda: links.account_of(token))
    except RateLimited as exc:
        return _link_refused(request, exc)
    return render(request, "staff/sign_in_link.html", {"target": target}, status_code=200 if target else 410)


def _link_refused(request: Request, exc: RateLimited) -> Response:
    context = {"target": None, "problem": exc.message}
    return render(request, "staff/sign_in_link.html", context, status_code=429, headers=exc.headers)


async def link_sign_in(request: Request) -> Response:
    """Use the link: signed in as its door or kiosk account, and sent where that account works."""
    csrf.check(request, await request.form())
    token = request.path_params["token"][:100]
    try:
        account = await sign_ins(request).link(client_address(request), lambda: links.redeem(token))
    except RateLimited as exc:
        return _link_refused(request, exc)
    if account is None:
        return render(request, "staff/sign_in_link.html", {"target": None}, status_code=410)
    await sign_in(request, account)
    if account.role == Role.KIOSK:
        return RedirectResponse(await kiosk_home(request, account), status_code=303)
    event = await Event.get_or_none(id=account.event_id)  # type: ignore[attr-defined]
    target = request.url_for("staff_scan", slug=event.slug) if event else request.url_for("staff_dashboard")
    return RedirectResponse(str(target), status_code=303)


async def logout(request: Request) -> Response:
    """Sign this browser out: its sign-in ends on the server, so a copy of its cookie is refused too."""
    csrf.check(request, await request.form())
    await sign_out(request)
    return RedirectResponse(request.url_for("staff_login"), status_code=303)


@signed_in
async def dashboard(request: Request, account: StaffAccount) -> Response:
    events = await Event.all().order_by("-starts_on", "-id")
    if account.event_id is not None:  # type: ignore[attr-defined]
        events = [event for event in events if event.id == account.event_id]  # type: ignore[attr-defined]
    states = {
        EventStatus.DRAFT: _("Draft"),
        EventStatus.PUBLISHED: _("Published"),
        EventStatus.CLOSED: _("Closed"),
        EventStatus.CANCELLED: _("Cancelled"),
    }
    return render(request, "staff/dashboard.html", {"events": events, "account": account, "states": states})


def organizer_only(account: StaffAccount) -> None:
    require_role(account, Role.ORGANIZER)


def network_organizer(account: StaffAccount) -> None:
    """Pages that reach across events (new events, accounts, the network's reports): an organizer
    who is not kept to one event."""
    require_network(account, Role.ORGANIZER)


async def organizer_event(request: Request, account: StaffAccount) -> Event:
    """The event of the path, for an organizer who may manage it (403 for anyone else)."""
    return await event_for(account, request.path_params["slug"], Role.ORGANIZER)


@signed_in
async def badges_page(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    confirmed = await Registration.filter(event=event, status=RegistrationStatus.CONFIRMED).count()
    context = {"event": event, "layouts": LAYOUTS, "confirmed": confirmed, "replaced": None, "problem": None}
    return render(request, "staff/badges.html", context)


@signed_in
async def badges_pdf(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    return await batch_response(request, event)


@signed_in
async def replace_secret(request: Request, account: StaffAccount) -> Response:
    """A lost badge: new links and QR code for one person, shown so the organizer can pass them on."""
    form = await request.form()
    csrf.check(request, form)
    event = await organizer_event(request, account)
    confirmed = await Registration.filter(event=event, status=RegistrationStatus.CONFIRMED).count()
    context: dict[str, object] = {"event": event, "layouts": LAYOUTS, "confirmed": confirmed, "problem": None}
    try:
        registration = await registrations.by_code(event, str(form.get("code") or ""))
    except NotFound as exc:
        return render(request, "staff/badges.html", {**context, "replaced": None, "problem": exc.message}, 404)
    await admin.replace_secret(registration, staff=account)
    replaced = {"registration": registration, "links": participant_links(base_url(request), registration.secret)}
    return render(request, "staff/badges.html", {**context, "replaced": replaced})


ROUTES = [
    route("/login", name="staff_login", get=login_form, post=login),
    route("/logout", name="staff_logout", post=logout),
    route("/link/{token}", name="staff_sign_in_link", get=link_form, post=link_sign_in),
    route("/", name="staff_dashboard", get=dashboard),
    route("/events/{slug}/badges", name="staff_badges", get=badges_page),
    route("/events/{slug}/badges.pdf", name="staff_badges_pdf", get=badges_pdf),
    route("/events/{slug}/replace-secret", name="staff_replace_secret", post=replace_secret),
]
