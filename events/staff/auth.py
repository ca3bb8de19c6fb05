"""Who is asking: a bearer token on the API, a signed session cookie in the staff pages."""

from __future__ import annotations

from starlette.requests import Request

from events.errors import Forbidden, Unauthenticated
from events.i18n import gettext as _
from events.program.models import Event
from events.staff.models import Role, StaffAccount
from events.staff.service import authenticate_token

SESSION_KEY = "staff_id"
VERSION_KEY = "staff_version"


async def bearer_account(request: Request) -> StaffAccount | None:
    """The account of a valid `Authorization: Bearer` token, None without one; 401 for a bad one."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(_("Send a staff token as Authorization: Bearer <token>."))
    account = await authenticate_token(token.strip())
    if account is None:
        raise Unauthenticated(_("This token is not valid or has been revoked."))
    request.scope["staff_account"] = account  # for the audit trail
    return account


async def require_token(request: Request, *roles: Role) -> StaffAccount:
    account = await bearer_account(request)
    if account is None:
        raise Unauthenticated(_("This needs a staff token: Authorization: Bearer <token>."))
    return require_role(account, *roles)


def require_role(account: StaffAccount, *roles: Role) -> StaffAccount:
    if roles and account.role not in roles:
        raise Forbidden(_("Your account may not do this."))
    return account


def require_event_access(account: StaffAccount, event: Event) -> None:
    """A door account limited to one event reaches nothing of another."""
    if account.event_id is not None and account.event_id != event.id:  # type: ignore[attr-defined]
        raise Forbidden(_("Your account may not do this."))


async def session_account(request: Request) -> StaffAccount | None:
    """The signed-in account; None (and the browser signed out) once its password has changed."""
    staff_id = request.session.get(SESSION_KEY)
    if not isinstance(staff_id, int):
        return None
    account = await StaffAccount.get_or_none(id=staff_id, is_active=True)
    if account is None or request.session.get(VERSION_KEY, 0) != account.session_version:
        request.session.clear()
        return None
    request.scope["staff_account"] = account
    return account


def sign_in(request: Request, account: StaffAccount) -> None:
    request.session.clear()
    request.session[SESSION_KEY] = account.id
    request.session[VERSION_KEY] = account.session_version
    request.scope["staff_account"] = account  # the audit trail records the sign-in


def sign_out(request: Request) -> None:
    request.session.clear()
