"""The site's own address, and every link to a participant's own pages and files, built here only.

Two addresses, set for each request by the Edge middleware:
- `site_url()`, for links answered to the request itself (a page, the API's `links`):
  TSUDOI_BASE_URL, else the origin the request came to, whose host the Edge has checked;
- `mail_url()`, for links that leave the request (e-mails, queued with it and sent later):
  TSUDOI_BASE_URL, else the address the server listens on (`Settings.mail_origin`). It never
  follows the request's `Host`: whoever forges that must not choose where a participant's secret
  link points.
A background task or a command sets `mail_url` from its settings before it queues anything.
"""

from __future__ import annotations

from contextvars import ContextVar

from events.settings import FALLBACK_ORIGIN

_site_url: ContextVar[str | None] = ContextVar("tsudoi_site_url", default=None)
_mail_url: ContextVar[str | None] = ContextVar("tsudoi_mail_url", default=None)


def set_site_url(url: str) -> None:
    _site_url.set(url.rstrip("/"))


def site_url() -> str:
    return _site_url.get() or FALLBACK_ORIGIN


def set_mail_url(url: str) -> None:
    _mail_url.set(url.rstrip("/"))


def mail_url() -> str:
    return _mail_url.get() or FALLBACK_ORIGIN


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
