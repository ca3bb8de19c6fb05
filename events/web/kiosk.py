"""The kiosk's pages: the self check-in screen, its scans, the badge label it prints, and leaving it.

A kiosk account (or an organizer trying the screen out) reaches these for its one event; every
other staff page refuses a kiosk account. The label to print is fetched with a short-lived signed
token made for that one check-in, so the screen cannot be turned into a way to print anyone's badge.
Leaving kiosk mode signs the browser out, and needs the kiosk account's password (the staff PIN).
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events import clock
from events.badges import service as badges
from events.checkin import kiosk
from events.errors import InvalidInput, NotFound, RateLimited
from events.http.common import NO_STORE, JSONAnswer, client_address, read_json, settings_of
from events.i18n import gettext as _
from events.program.models import Event
from events.registrations import service as registrations
from events.staff.auth import event_for, sign_out
from events.staff.models import Role, StaffAccount
from events.web import csrf
from events.web.door import _check_csrf_header
from events.web.pages import render
from events.web.routing import route
from events.web.staff import kiosk_signed_in, sign_ins

#: A label token is good for this many minutes (the screen fetches it at once).
LABEL_MINUTES = 2
#: Seconds the answer stays on screen before the kiosk is ready for the next person.
RESET_SECONDS = 6


async def _kiosk_event(request: Request, account: StaffAccount) -> Event:
    load = request.app.state.recent_events.get
    return await event_for(account, request.path_params["slug"], Role.KIOSK, Role.ORGANIZER, load=load)


def _label_token(secret_key: str, event: Event, code: str, minute: int) -> str:
    message = f"kiosk-label:{event.id}:{code}:{minute}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:24]


def _minute() -> int:
    return int(clock.now().timestamp() // 60)


@kiosk_signed_in
async def kiosk_page(request: Request, account: StaffAccount) -> Response:
    event = await _kiosk_event(request, account)
    try:
        reset = min(max(int(request.query_params.get("reset", RESET_SECONDS)), 1), 60)
    except ValueError:
        reset = RESET_SECONDS
    problem = {
        "wrong": _("Wrong PIN: the kiosk stays as it is."),
        "wait": _("Too many wrong PINs: the kiosk stays as it is. Try again in a few minutes."),
    }.get(request.query_params.get("pin", ""))
    context = {"event": event, "csrf": csrf.token(request), "reset": reset, "problem": problem}
    return render(request, "staff/kiosk.html", context)


@kiosk_signed_in
async def kiosk_scan(request: Request, account: StaffAccount) -> Response:
    """One participant's scanned badge or link, or typed code: a welcome, "not found, try again",
    or "please see the desk"."""
    event = await _kiosk_event(request, account)
    _check_csrf_header(request)
    data = await read_json(request)
    typed = data.get("scan") if isinstance(data, dict) else None
    if not isinstance(typed, str) or not typed.strip():
        raise InvalidInput({"scan": _("Scan a badge, or type its code")})
    secret_key = settings_of(request).secret_key
    limiter = request.app.state.kiosk_limiter
    answer = await kiosk.check_in(event, typed, secret_key=secret_key, staff=account, limiter=limiter)
    body: dict[str, object] = {
        "outcome": str(answer.outcome),
        "headline": answer.headline,
        "detail": answer.detail,
        "language": answer.language,
    }
    if answer.print_code:
        token = _label_token(secret_key, event, answer.print_code, _minute())
        body["label"] = str(
            request.url_for("staff_kiosk_label", slug=event.slug, code=answer.print_code, token=f"{token}.pdf")
        )
    return JSONAnswer(body, headers=NO_STORE)


@kiosk_signed_in
async def kiosk_label(request: Request, account: StaffAccount) -> Response:
    """The badge label of the person just checked in (a one-label PDF, printed by the browser)."""
    event = await _kiosk_event(request, account)
    code = request.path_params["code"]
    token = request.path_params["token"].removesuffix(".pdf")
    secret_key = settings_of(request).secret_key
    now = _minute()
    if not any(
        hmac.compare_digest(_label_token(secret_key, event, code, minute), token)
        for minute in range(now - LABEL_MINUTES, now + 1)
    ):
        raise NotFound(_("This label has expired."))
    registration = await registrations.by_code(event, code)
    pdf = await badges.participant_badge(registration, secret_key)
    return Response(pdf, media_type="application/pdf", headers={**NO_STORE, "Content-Disposition": "inline"})


@kiosk_signed_in
async def kiosk_exit(request: Request, account: StaffAccount) -> Response:
    """Leave kiosk mode: the staff PIN (the kiosk account's password) signs this browser out. A PIN
    is a password: wrong ones count as failed sign-ins, from this tablet and against the account."""
    event = await _kiosk_event(request, account)
    form = await request.form()
    csrf.check(request, form)
    pin = str(form.get("pin") or "")[:200]
    try:
        signed_in = await sign_ins(request).password(client_address(request), account.email, pin)
        problem = None if signed_in is not None else "wrong"
    except RateLimited:
        problem = "wait"
    if problem is not None:
        # Back to the kiosk screen, never to an error page a participant could wander from.
        back = request.url_for("staff_kiosk", slug=event.slug).include_query_params(pin=problem)
        return RedirectResponse(str(back), status_code=303)
    await sign_out(request)
    target = request.url_for("staff_login").include_query_params(next=f"/staff/events/{event.slug}/kiosk")
    return RedirectResponse(str(target), status_code=303)


ROUTES = [
    route("/events/{slug}/kiosk", name="staff_kiosk", get=kiosk_page),
    route("/events/{slug}/kiosk/scan", name="staff_kiosk_scan", post=kiosk_scan),
    route("/events/{slug}/kiosk/label/{code}/{token}", name="staff_kiosk_label", get=kiosk_label),
    route("/events/{slug}/kiosk/exit", name="staff_kiosk_exit", post=kiosk_exit),
]
