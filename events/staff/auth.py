"""Who is asking: a bearer token on the API, a signed session cookie in the staff pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from starlette.requests import Request

from events.errors import Forbidden, Unauthenticated
from events.i18n import gettext as _
from events.program import service as program
from events.program.models import Event
from events.staff import sessions
from events.staff.models import Role, StaffAccount
from events.staff.service import authenticate_token

#: The session cookie's key for the sign-in's random id (`events.staff.sessions`).
SESSION_KEY = "staff_session"


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


def takes_payments(account: StaffAccount) -> bool:
    """Organizers take money; so does a door account given the right (the desk's volunteers)."""
    return account.role == Role.ORGANIZER or (account.role == Role.DOOR and account.takes_payments)


def require_payments(account: StaffAccount, method: str) -> None:
    """A payment by this method, for an account that takes money: refunds and waivers are the
    organizers' alone, a desk account taking only what is paid."""
    if not takes_payments(account):
        raise Forbidden(_("Your account may not do this."))
    if account.role != Role.ORGANIZER and method not in ("cash", "transfer"):
        raise Forbidden(_("Refunds and waivers are for organizers: a desk account takes payments only."))


def require_event_access(account: StaffAccount, event: Event) -> None:
    """An account kept to one event (door or organizer) reaches nothing of another."""
    if account.event_id is not None and account.event_id != event.id:  # type: ignore[attr-defined]
        raise Forbidden(_("Your account may not do this."))


def require_network(account: StaffAccount, *roles: Role) -> StaffAccount:
    """What reaches across events (a new event, staff accounts, the network's reports and trail)
    is for accounts of the whole network: never for an account kept to one event."""
    require_role(account, *roles)
    if account.event_id is not None:  # type: ignore[attr-defined]
        raise Forbidden(_("Your account may not do this."))
    return account


async def _any_event(slug: str) -> Event:
    return await program.get_event(slug, include_hidden=True)


async def event_for(
    account: StaffAccount, slug: str, *roles: Role, load: Callable[[str], Awaitable[Event]] = _any_event
) -> Event:
    """The event `slug` (drafts too) for an account with one of `roles` that may reach it: the one
    check every staff route that acts on an event goes through, pages and API alike. The door reads
    the event from the worker's short memory (`load`), the rest from the database."""
    require_role(account, *roles)
    event = await load(slug)
    require_event_access(account, event)
    return event


async def payments_event(account: StaffAccount, slug: str) -> Event:
    """The event `slug`, for an account that takes money there: an organizer, or a door account given
    the right (the desk's volunteers). Which payments it may record is `require_payments`'s."""
    event = await event_for(account, slug, Role.ORGANIZER, Role.DOOR)
    if not takes_payments(account):
        raise Forbidden(_("Your account may not do this."))
    return event


async def api_event(
    request: Request, *roles: Role, load: Callable[[str], Awaitable[Event]] = _any_event
) -> tuple[StaffAccount, Event]:
    """The bearer token's account and the path's event, when that account may act on it."""
    account = await require_token(request)
    return account, await event_for(account, request.path_params["slug"], *roles, load=load)


async def api_network(request: Request, *roles: Role) -> StaffAccount:
    """The bearer token's account, when it may act across events."""
    return require_network(await require_token(request), *roles)


def _lifetime(request: Request) -> timedelta:
    return timedelta(seconds=request.app.state.settings.staff_session_seconds)


async def session_account(request: Request) -> StaffAccount | None:
    """The signed-in account; None (and the browser's cookie emptied) once its sign-in has ended:
    signed out, expired, its password changed, or the account removed."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    account = await sessions.account_of(token, _lifetime(request))
    if account is None:
        request.session.clear()
        return None
    request.scope["staff_account"] = account
    return account


async def sign_in(request: Request, account: StaffAccount) -> None:
    """Sign this browser in as the account: a new sign-in of its own, and a fresh cookie."""
    await sign_out(request)
    request.session[SESSION_KEY] = await sessions.start(account, _lifetime(request))
    request.scope["staff_account"] = account  # the audit trail records the sign-in


async def sign_out(request: Request) -> None:
    """End this browser's sign-in, wherever its cookie is sent from, and empty the cookie."""
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        await sessions.end(token)
    request.session.clear()


def current_sign_in(request: Request) -> str | None:
    """This browser's sign-in id (to keep it when signing an account out everywhere else)."""
    token = request.session.get(SESSION_KEY)
    return token if isinstance(token, str) else None
