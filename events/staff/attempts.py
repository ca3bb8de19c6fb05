"""Sign-in attempts, limited: only failures count, from one address and against one account.

A password (the sign-in form, the API's tokens, a kiosk's PIN) and a one-time device link are
guesses until they succeed. Each attempt is counted before anything is checked, so a client over
its limit never makes the server hash a password (argon2 is slow on purpose), however many
attempts it sends at once; and it is given back when it succeeds, so ten door phones behind one
venue's address sign in as often as they need to.

A password's failures count against its account too, by the e-mail address as typed (normalised
and hashed; an address without an account alike, so a refusal tells nothing), so a password
cannot be guessed from many addresses at once. That limit (TSUDOI_LOGIN_ACCOUNT_RATE, 10
failures in 10 minutes) is a trade: a stranger who knows an organizer's address can keep the
account's password sign-in refused while they keep failing, and for at most about ten minutes
after; meanwhile the organizer's signed-in browsers stay signed in, door and kiosk devices are
signed in by a one-time link, and `tsudoi staff add --password` still works. Ten failures in ten
minutes are at most 1,440 guesses a day: nothing against a password of ten characters or more.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Awaitable, Callable
from typing import TypeVar

from events.errors import RateLimited
from events.i18n import ngettext
from events.ratelimit import RateLimiter
from events.staff.models import StaffAccount
from events.staff.service import authenticate_password

T = TypeVar("T")


def _account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _refused(exc: RateLimited) -> RateLimited:
    minutes = math.ceil(exc.retry_after / 60)
    message = ngettext(
        "Too many failed sign-ins. Please wait %(minutes)d minute and try again.",
        "Too many failed sign-ins. Please wait %(minutes)d minutes and try again.",
        minutes,
    ) % {"minutes": minutes}
    return RateLimited(message, exc.retry_after)


class SignInAttempts:
    """The app's sign-in limits: failures per client address, and a password's per account."""

    def __init__(self, by_address: RateLimiter, by_account: RateLimiter) -> None:
        self.by_address = by_address
        self.by_account = by_account

    async def password(self, address: str, email: str, password: str) -> StaffAccount | None:
        """The account of this e-mail address and password, or None (a failure, counted).

        Raises `RateLimited` before the password is looked at when this address, or this account,
        has failed too often."""
        key = _account_key(email)
        try:
            from_address = await self.by_address.take(address)
            try:
                against_account = await self.by_account.take(key)
            except RateLimited:
                await self.by_address.give_back(address, from_address)
                raise
        except RateLimited as exc:
            raise _refused(exc) from None
        account = await authenticate_password(email, password)
        if account is not None:
            await self.by_address.give_back(address, from_address)
            await self.by_account.give_back(key, against_account)
        return account

    async def link(self, address: str, use: Callable[[], Awaitable[T | None]]) -> T | None:
        """What `use` finds for a one-time link (None: no such link, a failure counted), or
        `RateLimited` before looking when this address has failed too often."""
        try:
            window = await self.by_address.take(address)
        except RateLimited as exc:
            raise _refused(exc) from None
        found = await use()
        if found is not None:
            await self.by_address.give_back(address, window)
        return found
