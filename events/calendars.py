"""Calendars (RFC 5545): the event's feed, and each participant's own sessions.

Pure: plain data in, `.ics` bytes out. Times carry the event's zone with a VTIMEZONE; UIDs are
stable per session (and per person for their own calendar), and SEQUENCE follows the session's
changes, so calendar apps replace their copy instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from events import clock
from events.program.models import Event, Session
from events.text import scrubbed

PRODID = "-//Tsudoi//Tsudoi event registration//EN"


@dataclass(frozen=True)
class Entry:
    session: Session
    tentative: bool = False


def calendar(
    event: Event, entries: Iterable[Entry], *, event_url: str, uid_scope: str, name: str, language: str = ""
) -> bytes:
    """An .ics with one VEVENT per entry; `uid_scope` keeps one person's UIDs apart from the feed's.
    Titles and descriptions are in `language` where the organizer wrote them so."""
    ics = Calendar()
    ics.add("prodid", PRODID)
    ics.add("version", "2.0")
    ics.add("calscale", "GREGORIAN")
    ics.add("method", "PUBLISH")
    ics.add("x-wr-calname", scrubbed(name))
    ics.add("x-wr-timezone", event.timezone)
    zone = ZoneInfo(event.timezone)
    host = event_url.split("/")[2] if "://" in event_url else "tsudoi"
    for entry in entries:
        session = entry.session
        item = CalendarEvent()
        item.add("uid", f"{uid_scope}-{event.slug}-{session.code}@{host}")
        item.add("dtstamp", clock.now())
        item.add("dtstart", session.starts_at.astimezone(zone))
        item.add("dtend", session.ends_at.astimezone(zone))
        item.add("summary", scrubbed(f"{session.text('title', language)} · {event.text('title', language)}"))
        item.add("sequence", session.sequence)
        where = (session.text("location", language), event.text("venue", language), event.city)
        location = ", ".join(part for part in where if part)
        if location:
            item.add("location", scrubbed(location))
        item.add("url", event_url)
        description = session.text("description", language)
        if description:
            item.add("description", scrubbed(description))
        item.add("status", "TENTATIVE" if entry.tentative else "CONFIRMED")
        ics.add_component(item)
    ics.add_missing_timezones()
    return bytes(ics.to_ical())
