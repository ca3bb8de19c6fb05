"""Telling every worker that an event changed: the services that change one call this themselves,
so no way of changing it (a page, the API, the command line, an import) can forget to."""

from __future__ import annotations

from events import changes
from events.program.models import Event


async def event_changed(event: Event | int) -> None:
    """Every worker forgets what it keeps of the event (its sessions, its questions), at commit."""
    found = event if isinstance(event, Event) else await Event.get_or_none(id=event)
    if found is not None:
        await changes.announce(changes.EVENT, found.slug)
