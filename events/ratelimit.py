"""A per-client limit on how often something may happen (public registrations, sign-ins, a kiosk's
look-ups that match nobody).

One process (SQLite) keeps its counts in memory. Several workers on PostgreSQL keep them in the
database, so that every worker sees every hit and the limit is the same whichever one answers.
Either way: a sliding window approximated by two fixed windows, the previous one weighted by how
much of it still overlaps.
"""

from __future__ import annotations

import math
import random
import time
from collections import OrderedDict
from typing import Protocol

from tortoise import fields
from tortoise.models import Model

from events.database import fetch
from events.errors import RateLimited
from events.i18n import gettext as _
from events.settings import RateLimit, Settings

MAX_TRACKED_CLIENTS = 100_000
#: One hit in this many also deletes windows that can no longer count.
CLEAN_EVERY = 500


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

    async def full(self, client: str, now: float | None = None) -> bool:
        """Whether one more hit would be refused, without counting one: for a limit on failures
        only (the kiosk's look-ups that match nobody), checked before the work and hit after a failure."""


def _over(limit: RateLimit, now: float, current: int, previous: int) -> bool:
    """Whether the estimate (the previous window weighted by how much of it still overlaps) passes the limit."""
    elapsed = (now % limit.seconds) / limit.seconds
    return previous * (1 - elapsed) + current > limit.count


def _check(limit: RateLimit, now: float, current: int, previous: int) -> None:
    """Refuse when the estimate, this hit included, passes the limit."""
    if _over(limit, now, current, previous):
        elapsed = (now % limit.seconds) / limit.seconds
        retry_after = max(1, math.ceil(limit.seconds * (1 - elapsed)))
        raise RateLimited(_("Too many requests from your address; please wait a moment."), retry_after)


class MemoryRateLimiter:
    """Counts in this process: right for one process, which SQLite has."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._windows: OrderedDict[str, tuple[int, int, int]] = OrderedDict()

    async def hit(self, client: str, now: float | None = None) -> None:
        if not self.limit.enabled:
            return
        now = time.monotonic() if now is None else now
        window = int(now // self.limit.seconds)
        current_window, current, previous = self._windows.pop(client, (window, 0, 0))
        if current_window != window:
            previous = current if current_window == window - 1 else 0
            current = 0
        self._windows[client] = (window, current, previous)
        while len(self._windows) > MAX_TRACKED_CLIENTS:
            self._windows.popitem(last=False)
        _check(self.limit, now, current + 1, previous)
        self._windows[client] = (window, current + 1, previous)

    async def full(self, client: str, now: float | None = None) -> bool:
        if not self.limit.enabled:
            return False
        now = time.monotonic() if now is None else now
        window = int(now // self.limit.seconds)
        current_window, current, previous = self._windows.get(client, (window, 0, 0))
        if current_window != window:
            previous = current if current_window == window - 1 else 0
            current = 0
        return _over(self.limit, now, current + 1, previous)


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

# The hits of one client in the current and the previous window, counting none.
READ_HITS = """
SELECT "window", "hits" FROM "rate_limit_window" WHERE "scope" = ? AND "client" = ? AND "window" IN (?, ?)
"""


class DatabaseRateLimiter:
    """Counts in the database, shared by every worker (PostgreSQL). Refused hits count too: a
    client that keeps hammering stays refused until it slows down."""

    def __init__(self, scope: str, limit: RateLimit) -> None:
        self.scope = scope
        self.limit = limit

    async def hit(self, client: str, now: float | None = None) -> None:
        if not self.limit.enabled:
            return
        now = time.time() if now is None else now
        window = int(now // self.limit.seconds)
        rows = await fetch(COUNT_HIT, [self.scope, client[:64], window, self.scope, client[:64], window - 1])
        if random.randrange(CLEAN_EVERY) == 0:
            await RateLimitWindow.filter(scope=self.scope, window__lt=window - 1).delete()
        _check(self.limit, now, int(rows[0]["current"]), int(rows[0]["previous"]))

    async def full(self, client: str, now: float | None = None) -> bool:
        if not self.limit.enabled:
            return False
        now = time.time() if now is None else now
        window = int(now // self.limit.seconds)
        rows = await fetch(READ_HITS, [self.scope, client[:64], window, window - 1])
        hits = {int(row["window"]): int(row["hits"]) for row in rows}
        return _over(self.limit, now, hits.get(window, 0) + 1, hits.get(window - 1, 0))


def rate_limiter(scope: str, limit: RateLimit, settings: Settings) -> RateLimiter:
    """In memory for SQLite's one process; in the database for PostgreSQL's several workers."""
    if settings.is_sqlite:
        return MemoryRateLimiter(limit)
    return DatabaseRateLimiter(scope, limit)
