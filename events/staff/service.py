"""Staff accounts, their passwords (argon2) and their API tokens (stored as SHA-256)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.exceptions import IntegrityError

from events import changes, clock
from events.database import atomic
from events.errors import Conflict, InvalidInput, NotFound
from events.i18n import gettext as _
from events.program.models import Event
from events.staff import sessions
from events.staff.models import ApiToken, Role, StaffAccount
from events.staff.schemas import AccountInput
from events.validation import Email

TOKEN_PREFIX = "tsd_"
_hasher = PasswordHasher()
# Verifying against this keeps a sign-in for an unknown e-mail as slow as one for a known one.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput({"password": f"At least {MIN_PASSWORD_LENGTH} characters."})
    return _hasher.hash(password)


def new_password() -> str:
    return secrets.token_urlsafe(12)


def _check_email(email: str) -> str:
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(Email).validate_python(email).lower()
    except ValidationError:
        raise InvalidInput({"email": f"{email!r} is not a valid e-mail address."}) from None


async def save_staff(
    email: str,
    role: Role,
    *,
    password: str | None = None,
    name: str | None = None,
    takes_payments: bool = False,
) -> StaffAccount:
    """Create the account, or update the role (and password, when given) of an existing one;
    `takes_payments`: a door account that takes money at the desk too."""
    email = _check_email(email)
    password_hash = hash_password(password) if password is not None else None  # a short one refused before any write
    account = await StaffAccount.get_or_none(email=email)
    if account is None:
        try:
            account = await StaffAccount.create(email=email, role=role, name=name or "")
        except IntegrityError:
            account = await StaffAccount.get(email=email)
    account.role = role
    account.is_active = True
    account.takes_payments = takes_payments and role == Role.DOOR
    if name is not None:
        account.name = name
    if password_hash is not None:
        account.password_hash = password_hash
        account.session_version += 1
    await account.save()
    if password is not None:
        await sessions.end_all(account.id)  # browsers signed in with the old password are signed out
    await changes.announce(changes.STAFF, account.id)
    return account


async def keep_to_event(account: StaffAccount, event: Event | None) -> None:
    """Keep the account to one event (None: every event); every worker forgets what it knew of it."""
    account.event = event
    await account.save()
    await changes.announce(changes.STAFF, account.id)


async def authenticate_password(email: str, password: str) -> StaffAccount | None:
    account = await StaffAccount.get_or_none(email=email.strip().lower(), is_active=True)
    stored = account.password_hash if account and account.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or not account.password_hash:
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    account.last_login_at = clock.now()
    await account.save(update_fields=["password_hash", "last_login_at"])
    return account


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def issue_token(account: StaffAccount, label: str = "") -> str:
    """Make a new API token for the account and return it; only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await ApiToken.create(staff=account, token_hash=_token_hash(token), prefix=token[:10], label=label)
    return token


#: Seconds a token's account is remembered in this process at most: a door scanner sends its token
#: with every scan. Revoking a token or changing its account is forgotten in every worker at once
#: (`events.changes`).
TOKEN_MEMORY_SECONDS = 5.0


async def _load_token(digest: str) -> StaffAccount | None:
    row = await ApiToken.get_or_none(token_hash=digest, revoked_at=None).prefetch_related("staff")
    return row.staff if row is not None and row.staff.is_active else None


def _forgets_token(topic: str, key: str, digest: str, account: StaffAccount | None) -> bool:
    """A revoked token, or any token of an account that changed."""
    if topic == changes.TOKEN:
        return key == digest
    return topic == changes.STAFF and account is not None and key == str(account.id)


_recent_tokens = changes.Recent(_load_token, max_age=TOKEN_MEMORY_SECONDS, forgets=_forgets_token, size=10_000)


async def authenticate_token(token: str) -> StaffAccount | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    return await _recent_tokens.get(_token_hash(token))


async def revoke_token(token: str) -> bool:
    digest = _token_hash(token)
    revoked = bool(await ApiToken.filter(token_hash=digest, revoked_at=None).update(revoked_at=clock.now()))
    await changes.announce(changes.TOKEN, digest)
    return revoked


# Organizers manage the accounts in the staff area. There is no e-mail yet, so inviting and
# resetting hand back a one-time password for the organizer to pass on.


class CannotRemove(Conflict):
    code = "cannot_remove"


@dataclass(frozen=True)
class WithPassword:
    """An account and the password just made for it: shown once, never stored in clear."""

    account: StaffAccount
    password: str


async def list_accounts() -> list[StaffAccount]:
    """Every account with its event: active ones first, organizers before door accounts, then by e-mail."""
    accounts = await StaffAccount.all().prefetch_related("event")
    return sorted(accounts, key=lambda account: (not account.is_active, account.role != Role.ORGANIZER, account.email))


async def account_by_id(account_id: int) -> StaffAccount:
    account = await StaffAccount.get_or_none(id=account_id).prefetch_related("event")
    if account is None:
        raise NotFound(_("There is no such staff account."))
    return account


async def invite(data: AccountInput) -> WithPassword:
    """Create an account with a generated password; the e-mail of a removed account is invited afresh."""
    email = data.email.lower()
    event = None
    if data.event is not None:
        event = await Event.get_or_none(slug=data.event)
        if event is None:
            raise InvalidInput({"event": _("There is no event %(slug)r.") % {"slug": data.event}})
    password = new_password()
    password_hash = hash_password(password)  # slow on purpose: outside the transaction
    taken = InvalidInput({"email": _("There is already an account for this e-mail address.")})

    async def work() -> StaffAccount:
        account = await StaffAccount.filter(email=email).select_for_update().first()
        if account is None:
            return await StaffAccount.create(
                email=email,
                name=data.name,
                role=data.role,
                event=event,
                password_hash=password_hash,
                takes_payments=data.takes_payments and data.role == Role.DOOR,
            )
        if account.is_active:
            raise taken
        account.name, account.role, account.event = data.name, data.role, event
        account.takes_payments = data.takes_payments and data.role == Role.DOOR
        account.password_hash, account.is_active = password_hash, True
        account.session_version += 1
        await account.save()
        await sessions.end_all(account.id)
        return account

    try:
        account = await atomic(work)
    except IntegrityError:
        raise taken from None
    await changes.announce(changes.STAFF, account.id)
    return WithPassword(await account_by_id(account.id), password)


async def deactivate(account_id: int, *, by: StaffAccount) -> StaffAccount:
    """Remove an account: it cannot sign in, and its tokens stop working (in every worker at once).

    Nobody removes themselves, and the last active organizer who reaches every event stays: without
    one, nobody could manage the accounts any more.
    """
    if account_id == by.id:
        raise CannotRemove(_("You cannot remove your own account."))

    async def work() -> StaffAccount:
        # Lock the organizers in id order first, so two organizers removing each other at once
        # cannot both succeed (PostgreSQL re-reads a row it waited for; SQLite writes one at a time).
        managers = await (
            StaffAccount.filter(role=Role.ORGANIZER, is_active=True, event_id=None).order_by("id").select_for_update()
        )
        account = await StaffAccount.filter(id=account_id).select_for_update().first()
        if account is None:
            raise NotFound(_("There is no such staff account."))
        if account.is_active and account.id in {manager.id for manager in managers} and len(managers) == 1:
            raise CannotRemove(
                _("This is the last organizer who can manage every event. Invite another one before removing it.")
            )
        account.is_active = False
        await account.save(update_fields=["is_active"])
        await ApiToken.filter(staff_id=account.id, revoked_at=None).update(revoked_at=clock.now())
        # Ended, not only refused while the account is inactive: inviting it again lets nobody back in.
        await sessions.end_all(account.id)
        return account

    account = await atomic(work)
    await changes.announce(changes.STAFF, account.id)
    return account


async def reset_password(account_id: int) -> WithPassword:
    """Give an active account a new generated password; the old one stops working."""
    account = await account_by_id(account_id)
    if not account.is_active:
        raise Conflict(_("This account has been removed. Invite the person again instead."), code="account_removed")
    password = new_password()
    account.password_hash = hash_password(password)
    account.session_version += 1

    async def work() -> None:
        await account.save(update_fields=["password_hash", "session_version"])
        await sessions.end_all(account.id)  # browsers signed in with the old password are signed out

    await atomic(work)
    await changes.announce(changes.STAFF, account.id)
    return WithPassword(account, password)


async def sign_out_everywhere(account_id: int, *, keep: str | None = None) -> StaffAccount:
    """Sign an account out of every browser (a lost door phone, say), but the one whose sign-in is
    `keep` (the organizer's own, when it is their account). Its API tokens are not touched."""
    account = await account_by_id(account_id)
    await sessions.end_all(account.id, keep=keep)
    return account
