"""A per-client limit on how often something may happen (public registrations, sign-ins, a kiosk's
look-ups that match nobody).

One process (SQLite) keeps its counts in memory. Several workers on PostgreSQL keep them in the
database, so that every worker sees every hit and the limit is the same whichever one answers.
Either way: a sliding window approximated by two fixed windows, the previous one weighted by how
much of it still overlaps.

`hit` counts every event. Sign-ins count failures only, and decide before the password is hashed:
`take` counts an attempt (or refuses it, counting nothing), and `give_back` uncounts it once it
has succeeded. Counting first keeps many attempts sent at once from all being let through.
"""

from __future__ import annotations

import math
import random
import time
from collections import OrderedDict
from typing import Protocol

from tortoise import fields
from tortoise.models import Model

from events.database import execute, fetch
from events.errors import RateLimited
from events.i18n import gettext as _
from events.settings import RateLimit, Settings

MAX_TRACKED_CLIENTS = 100_000
#: One hit in this many also deletes windows that can no longer count.
CLEAN_EVERY = 500
#: Floating point's slack: a hit exactly at the limit passes, and a wait of a whole number of
#: seconds is not rounded up to the next one.
EPSILON = 1e-6


class RateLimitWindow(Model):
    """Hits of one client on one limit in one fixed window (PostgreSQL's shared counts)."""

    scope = fields.CharField(max_length=32)
    client = fields.CharField(max_length=64)
    window = fields.BigIntField()
    hits = fields.IntField(default=0)

    class Meta:
        table = "rate_limit_window"
        unique_together = (("scope", "client", "window"),)
        indexes = [("window",)]


class RateLimiter(Protocol):
    limit: RateLimit

    async def hit(self, client: str, now: float | None = None) -> None:
        """Count one event for `client`, or raise `RateLimited` if that would pass the limit."""

    async def take(self, client: str, now: float | None = None) -> int | None:
        """Count one attempt for `client` and return its window, for `give_back`; or raise
        `RateLimited`, counting nothing, if it would pass the limit. None when the limit is off."""

    async def give_back(self, client: str, window: int | None) -> None:
        """Uncount an attempt `take` counted in `window` (it succeeded: only failures count)."""


def _check(limit: RateLimit, now: float, current: int, previous: int, kept: int) -> None:
    """Refuse when the estimate, this hit included (`current`), passes the limit. `kept` is what
    this window keeps counted if it is refused (whether a refused hit counts)."""
    elapsed = (now % limit.seconds) / limit.seconds
    if previous * (1 - elapsed) + current > limit.count + EPSILON:
        retry_after = max(1, math.ceil(_wait(limit, elapsed, previous, kept) - EPSILON))
        raise RateLimited(_("Too many requests from your address; please wait a moment."), retry_after)


def _wait(limit: RateLimit, elapsed: float, previous: int, kept: int) -> float:
    """Seconds until a hit would pass the estimate again, if nothing else is counted meanwhile:
    later in this window, as the previous window's weight fades; or in the next one, as this
    window's `kept` hits fade in turn (the window after always lets one through)."""
    count, seconds = limit.count, limit.seconds
    waits = []
    if previous and kept + 1 <= count:  # again later in this window
        waits.append(max(0.0, 1 - (count - (kept + 1)) / previous - elapsed) * seconds)
    next_window = max(0.0, 1 - (count - 1) / kept) if kept else 0.0
    waits.append((1 - elapsed + next_window) * seconds)
    return min(waits)


class MemoryRateLimiter:
    """Counts in this process: right for one process, which SQLite has."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._windows: OrderedDict[str, tuple[int, int, int]] = OrderedDict()

    async def hit(self, client: str, now: float | None = None) -> None:
        await self.take(client, now)

    async def take(self, client: str, now: float | None = None) -> int | None:
        """A refused hit is not counted, here and by `hit`: this process answers it without work."""
        if not self.limit.enabled:
            return None
        now = time.monotonic() if now is None else now
        window = int(now // self.limit.seconds)
        current_window, current, previous = self._windows.pop(client, (window, 0, 0))
        if current_window != window:
            previous = current if current_window == window - 1 else 0
            current = 0
        self._windows[client] = (window, current, previous)
        while len(self._windows) > MAX_TRACKED_CLIENTS:
            self._windows.popitem(last=False)
        _check(self.limit, now, current + 1, previous, kept=current)
        self._windows[client] = (window, current + 1, previous)
        return window

    async def give_back(self, client: str, window: int | None) -> None:
        counted = self._windows.get(client)
        if window is None or counted is None:
            return
        current_window, current, previous = counted
        if current_window == window:
            self._windows[client] = (current_window, max(0, current - 1), previous)
        elif current_window == window + 1:
            self._windows[client] = (current_window, current, max(0, previous - 1))


# One statement: count this hit in the current window, and read the previous window's count.
COUNT_HIT = """
WITH counted AS (
    INSERT INTO "rate_limit_window" ("scope", "client", "window", "hits") VALUES (?, ?, ?, 1)
    ON CONFLICT ("scope", "client", "window") DO UPDATE SET "hits" = "rate_limit_window"."hits" + 1
    RETURNING "hits"
)
SELECT (SELECT "hits" FROM counted) AS "current",
       COALESCE((SELECT "hits" FROM "rate_limit_window" WHERE "scope" = ? AND "client" = ? AND "window" = ?), 0)
           AS "previous"
"""


GIVE_BACK = (
    'UPDATE "rate_limit_window" SET "hits" = "hits" - 1 '
    'WHERE "scope" = ? AND "client" = ? AND "window" = ? AND "hits" > 0'
)


class DatabaseRateLimiter:
    """Counts in the database, shared by every worker (PostgreSQL). Refused hits count too: a
    client that keeps hammering stays refused until it slows down."""

    def __init__(self, scope: str, limit: RateLimit) -> None:
        self.scope = scope
        self.limit = limit

    async def hit(self, client: str, now: float | None = None) -> None:
        await self._count(client, now, keep_refused=True)

    async def take(self, client: str, now: float | None = None) -> int | None:
        """A refused attempt is uncounted again: the estimate and its Retry-After then hold for a
        client that waits, and a stranger's refused guesses do not prolong an account's wait."""
        return await self._count(client, now, keep_refused=False)

    async def give_back(self, client: str, window: int | None) -> None:
        if window is not None:
            await execute(GIVE_BACK, [self.scope, client[:64], window])

    async def _count(self, client: str, now: float | None, *, keep_refused: bool) -> int | None:
        if not self.limit.enabled:
            return None
        now = time.time() if now is None else now
        window = int(now // self.limit.seconds)
        rows = await fetch(COUNT_HIT, [self.scope, client[:64], window, self.scope, client[:64], window - 1])
        if random.randrange(CLEAN_EVERY) == 0:
            await RateLimitWindow.filter(scope=self.scope, window__lt=window - 1).delete()
        current, previous = int(rows[0]["current"]), int(rows[0]["previous"])
        try:
            _check(self.limit, now, current, previous, kept=current if keep_refused else current - 1)
        except RateLimited:
            if not keep_refused:
                await self.give_back(client, window)
            raise
        return window


def rate_limiter(scope: str, limit: RateLimit, settings: Settings) -> RateLimiter:
    """In memory for SQLite's one process; in the database for PostgreSQL's several workers."""
    if settings.is_sqlite:
        return MemoryRateLimiter(limit)
    return DatabaseRateLimiter(scope, limit)
