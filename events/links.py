"""The site's own address, and every link to a participant's own pages and files, built here only.

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


def participant_links(base_url: str, secret: str) -> dict[str, str]:
    """A registration's capability links: its page, its API resource, its badge and its calendar."""
    api = f"{base_url}/api/v1/registrations/{secret}"
    return {
        "manage": f"{base_url}/manage/{secret}",
        "api": api,
        "badge": f"{api}/badge.pdf",
        "calendar": f"{api}/calendar.ics",
        "receipts": f"{api}/receipts",
    }


def event_calendar_links(base_url: str, slug: str) -> dict[str, str]:
    """The event's feed to download once, and the same address as `webcal://`, the scheme that makes
    calendar apps subscribe, so they fetch it again and follow changed times."""
    feed = f"{base_url}/events/{slug}/calendar.ics"
    return {"download": feed, "subscribe": "webcal://" + feed.split("://", 1)[1]}
