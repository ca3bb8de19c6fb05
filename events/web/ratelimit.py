"""A per-client limit on how often something may happen (public registrations, sign-ins).

Counts live in this process. With several workers each keeps its own count, so the effective
limit is per worker; moving the counts into the database is left to the scale-out work.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict

from events.errors import RateLimited
from events.i18n import gettext as _
from events.settings import RateLimit

MAX_TRACKED_CLIENTS = 100_000


class RateLimiter:
    """A sliding window approximated by two fixed windows (the previous one weighted by overlap)."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._windows: OrderedDict[str, tuple[int, int, int]] = OrderedDict()

    def hit(self, client: str, now: float | None = None) -> None:
        """Count one event for `client`, or raise `RateLimited` if that would pass the limit."""
        if not self.limit.enabled:
            return
        now = time.monotonic() if now is None else now
        window = int(now // self.limit.seconds)
        current_window, current, previous = self._windows.pop(client, (window, 0, 0))
        if current_window != window:
            previous = current if current_window == window - 1 else 0
            current = 0
        elapsed = (now % self.limit.seconds) / self.limit.seconds
        estimate = previous * (1 - elapsed) + current
        if estimate + 1 > self.limit.count:
            self._windows[client] = (window, current, previous)
            retry_after = max(1, math.ceil(self.limit.seconds * (1 - elapsed)))
            raise RateLimited(_("Too many requests from your address; please wait a moment."), retry_after)
        self._windows[client] = (window, current + 1, previous)
        while len(self._windows) > MAX_TRACKED_CLIENTS:
            self._windows.popitem(last=False)
