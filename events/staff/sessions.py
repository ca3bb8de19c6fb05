"""Sign-ins to the staff pages, kept in the database so that they can be ended.

A signed cookie alone cannot be taken back: a copy of it stayed valid after signing out. Each
sign-in (a password, a one-time device link) is now a `StaffSession` row, and the cookie carries
only its random id. Every staff page looks the row up with its account, in one query; signing out
ends that row alone, so the other phones of a shared door account stay signed in; a new password,
the account's removal, or an organizer's "sign out everywhere" end all of an account's rows.

A sign-in lasts `lifetime` (`Settings.staff_session_seconds`, 12 hours) after the browser was last
used, as the cookie does: the row's end is moved on at most every `REFRESH`, not on every scan.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from tortoise.expressions import Q

from events import clock
from events.database import fetch
from events.staff.models import StaffAccount, StaffSession

#: A sign-in in use has its end moved on when it is older than this: one write every few minutes
#: for a phone scanning all day, none for each scan.
REFRESH = timedelta(minutes=5)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start(account: StaffAccount, lifetime: timedelta) -> str:
    """A new sign-in for the account; the random id for its cookie (only its hash is kept).

    Ended and expired sign-ins are deleted here, so that they do not pile up: signing in is the
    only way rows are made."""
    now = clock.now()
    await StaffSession.filter(Q(ended_at__isnull=False) | Q(expires_at__lte=now)).delete()
    token = secrets.token_urlsafe(32)
    await StaffSession.create(staff=account, token_hash=_hash(token), expires_at=now + lifetime)
    return token


@cache
def _find() -> str:
    """The sign-in and its account in one statement, written once (the account's columns are known
    once the ORM has started): building it with the ORM cost more than running it."""
    columns = ", ".join(f'a."{column}"' for column in sorted(StaffAccount._meta.db_fields))
    return (
        f'SELECT {columns}, s."id" AS "sign_in_id", s."expires_at" AS "sign_in_expires" '
        'FROM "staff_session" s JOIN "staff_account" a ON a."id" = s."staff_id" '
        'WHERE s."token_hash" = ? AND s."ended_at" IS NULL AND s."expires_at" > ? AND a."is_active"'
    )


async def account_of(token: str, lifetime: timedelta) -> StaffAccount | None:
    """The active account of a sign-in that has not ended or expired; None otherwise. One query
    (the sign-in and its account together): the door's scanner page asks on every scan."""
    if len(token) > 100:
        return None
    now = clock.now()
    rows = await fetch(_find(), [_hash(token), now])
    if not rows:
        return None
    row = rows[0]
    if clock.stored(row["sign_in_expires"]) - now < lifetime - REFRESH:
        await _move_on(row["sign_in_id"], now + lifetime)
    return StaffAccount._init_from_db(**row)


async def _move_on(session_id: int, expires_at: datetime) -> None:
    await StaffSession.filter(id=session_id, ended_at=None).update(expires_at=expires_at)


async def end(token: str) -> None:
    """Sign this one browser out."""
    await StaffSession.filter(token_hash=_hash(token), ended_at=None).update(ended_at=clock.now())


async def end_all(account_id: int, *, keep: str | None = None) -> int:
    """Sign the account out of every browser (but the one whose id is `keep`); how many were ended."""
    query = StaffSession.filter(staff_id=account_id, ended_at=None)
    if keep is not None:
        query = query.exclude(token_hash=_hash(keep))
    return int(await query.update(ended_at=clock.now()))


async def signed_in_count(account_id: int) -> int:
    """How many browsers are signed in as the account now."""
    return await StaffSession.filter(staff_id=account_id, ended_at=None, expires_at__gt=clock.now()).count()
