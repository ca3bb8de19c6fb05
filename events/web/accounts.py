"""Staff accounts in the staff area: organizers invite, remove and reset door and organizer accounts.

There is no e-mail sending yet, so inviting and resetting show a one-time password on the page,
once, for the organizer to hand to the person. A door phone or kiosk tablet is signed in by
scanning a one-time link's QR code from the organizer's screen instead (`events.staff.links`).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.badges.render import qr_svg
from events.errors import Conflict, InvalidInput, NotFound
from events.http.common import settings_of
from events.i18n import gettext as _
from events.program.models import Event
from events.staff import links, sessions
from events.staff import service as staff
from events.staff.auth import current_sign_in
from events.staff.models import StaffAccount
from events.staff.schemas import AccountInput
from events.validation import parse
from events.web import csrf
from events.web.pages import render
from events.web.routing import route
from events.web.staff import network_organizer, signed_in

FIELDS = ("email", "name", "role", "event", "takes_payments")


def _account_id(request: Request) -> int:
    raw = str(request.path_params["id"])
    if not raw.isdecimal() or len(raw) > 12:
        raise NotFound(_("There is no such staff account."))
    return int(raw)


@signed_in
async def accounts_page(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    accounts = await staff.list_accounts()
    removed = next((a for a in accounts if str(a.id) == request.query_params.get("removed") and not a.is_active), None)
    signed_out = next((a for a in accounts if str(a.id) == request.query_params.get("signed_out")), None)
    context = {
        "accounts": accounts,
        "account": account,
        "removed": removed,
        "signed_out": signed_out,
        "timezone": settings_of(request).timezone,
    }
    return render(request, "staff/accounts.html", context)


async def _invite_page(
    request: Request, values: dict[str, str], errors: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    events = await Event.all().order_by("-starts_on", "-id")
    context = {"values": values, "errors": errors or {}, "events": events}
    return render(request, "staff/account_form.html", context, status_code)


@signed_in
async def invite_form(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    return await _invite_page(request, {"email": "", "name": "", "role": "door", "event": "", "takes_payments": ""})


@signed_in
async def invite(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    form = await request.form()
    csrf.check(request, form)
    values = {name: str(form.get(name) or "")[:300] for name in FIELDS}
    try:
        invited = await staff.invite(
            parse(AccountInput, {**values, "takes_payments": values["takes_payments"] == "yes"})
        )
    except InvalidInput as exc:
        errors: dict[str, str] = {}
        for key, message in exc.fields.items():
            errors.setdefault(key.split(".")[0], message)
        return await _invite_page(request, values, errors, 422)
    return render(request, "staff/account_password.html", {"shown": invited, "invited": True})


def _confirm_page(
    request: Request, target: StaffAccount, action: str, problem: str | None = None, signed_in: int = 0
) -> Response:
    context: dict[str, Any] = {"target": target, "action": action, "problem": problem, "signed_in": signed_in}
    return render(request, "staff/account_confirm.html", context, 409 if problem else 200)


@signed_in
async def remove_form(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    return _confirm_page(request, await staff.account_by_id(_account_id(request)), "remove")


@signed_in
async def remove(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    csrf.check(request, await request.form())
    account_id = _account_id(request)
    try:
        removed = await staff.deactivate(account_id, by=account)
    except Conflict as exc:
        return _confirm_page(request, await staff.account_by_id(account_id), "remove", exc.message)
    target = request.url_for("staff_accounts").include_query_params(removed=removed.id)
    return RedirectResponse(target, status_code=303)


@signed_in
async def password_form(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    return _confirm_page(request, await staff.account_by_id(_account_id(request)), "password")


@signed_in
async def reset_password(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    csrf.check(request, await request.form())
    account_id = _account_id(request)
    try:
        shown = await staff.reset_password(account_id)
    except Conflict as exc:
        return _confirm_page(request, await staff.account_by_id(account_id), "password", exc.message)
    return render(request, "staff/account_password.html", {"shown": shown, "invited": False})


@signed_in
async def sign_out_form(request: Request, account: StaffAccount) -> Response:
    network_organizer(account)
    target = await staff.account_by_id(_account_id(request))
    return _confirm_page(request, target, "sign_out", signed_in=await sessions.signed_in_count(target.id))


@signed_in
async def sign_out_everywhere(request: Request, account: StaffAccount) -> Response:
    """Sign an account out of every browser (a lost door phone), this organizer's own excepted."""
    network_organizer(account)
    csrf.check(request, await request.form())
    keep = current_sign_in(request) if _account_id(request) == account.id else None
    target = await staff.sign_out_everywhere(_account_id(request), keep=keep)
    return RedirectResponse(request.url_for("staff_accounts").include_query_params(signed_out=target.id), 303)


@signed_in
async def sign_in_link(request: Request, account: StaffAccount) -> Response:
    """A one-time link, and its QR code, that signs a door phone or kiosk tablet in as this account."""
    network_organizer(account)
    csrf.check(request, await request.form())
    issued = await links.issue(await staff.account_by_id(_account_id(request)))
    url = str(request.url_for("staff_sign_in_link", token=issued.token))
    context = {
        "issued": issued,
        "url": url,
        "qr": Markup(qr_svg(url, _("The sign-in link's QR code"))),
        "timezone": settings_of(request).timezone,
    }
    return render(request, "staff/account_link.html", context)


ROUTES = [
    route("/accounts", name="staff_accounts", get=accounts_page),
    route("/accounts/new", name="staff_account_new", get=invite_form, post=invite),
    route("/accounts/{id}/remove", name="staff_account_remove", get=remove_form, post=remove),
    route("/accounts/{id}/password", name="staff_account_password", get=password_form, post=reset_password),
    route("/accounts/{id}/link", name="staff_account_link", post=sign_in_link),
    route("/accounts/{id}/sign-out", name="staff_account_sign_out", get=sign_out_form, post=sign_out_everywhere),
]
