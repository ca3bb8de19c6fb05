"""The site's own address, for links that leave it (e-mails).

A page can build links from its request; a message delivered later by a background worker cannot,
so the address the participant used is noted when the message is queued. `TSUDOI_BASE_URL`, when
set, wins (the Edge middleware sets this per request); a command-line run falls back to it too.
"""

from __future__ import annotations

from contextvars import ContextVar

FALLBACK = "http://localhost:8000"

_site_url: ContextVar[str | None] = ContextVar("tsudoi_site_url", default=None)


def set_site_url(url: str) -> None:
    _site_url.set(url.rstrip("/"))


def site_url() -> str:
    return _site_url.get() or FALLBACK
