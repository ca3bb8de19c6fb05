"""Services announce their own changes: whichever way an event's data changes (a page, the API, the
command line, an import), every worker forgets its copy, and no route calls the announcer itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from events.questions.schemas import QuestionInput
from events.questions.service import add_question
from events.registrations import admin, privacy
from tests.factories import make_event, make_registration

ROOT = Path(__file__).resolve().parents[1]


async def _kept(app: Starlette, slug: str) -> bool:
    """Read the event until this worker keeps a copy. On PostgreSQL the memory is used once the
    listener is up, and the notice of the change made just before may arrive after a first read
    (and rightly forget it): read again until the copy stays."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        await app.state.recent_events.get(slug)
        if slug in app.state.recent_events.values:
            return True
        await asyncio.sleep(0.01)
    return False


async def _cancel_through_the_api(client: httpx.AsyncClient) -> None:
    event = await make_event()
    secret = (await make_registration(event)).registration.secret
    assert (await client.post(f"/api/v1/registrations/{secret}/cancel")).status_code == 200


async def _cancel_by_staff(_client: httpx.AsyncClient) -> None:
    event = await make_event()
    await admin.cancel((await make_registration(event)).registration, staff=None)


async def _erase_own(_client: httpx.AsyncClient) -> None:
    event = await make_event()
    await privacy.erase_own((await make_registration(event)).registration)


async def _add_a_question(_client: httpx.AsyncClient) -> None:
    event = await make_event()
    await add_question(event, QuestionInput(code="diet", label="Dietary needs", kind="short_text"))


WAYS: dict[str, Callable[[httpx.AsyncClient], Awaitable[None]]] = {
    "a participant cancels through the API": _cancel_through_the_api,
    "an organizer cancels someone": _cancel_by_staff,
    "a participant erases their data": _erase_own,
    "an organizer adds a question": _add_a_question,
}


@pytest.mark.parametrize("way", sorted(WAYS))
async def test_every_way_of_changing_an_event_makes_the_workers_forget_it(
    app: Starlette, client: httpx.AsyncClient, way: str
) -> None:
    change = WAYS[way]
    await change(client)  # makes the event "workshop" and changes it once, before it is kept
    assert await _kept(app, "workshop"), "the event is kept in this worker's memory"

    await change_again(way, client)

    assert "workshop" not in app.state.recent_events.values, f"{way}: the kept copy is forgotten"


async def change_again(way: str, client: httpx.AsyncClient) -> None:
    """The same change on the same event, now that a copy of it is kept."""
    from events.program.models import Event

    event = await Event.get(slug="workshop").prefetch_related("sessions")
    if way == "an organizer adds a question":
        await add_question(event, QuestionInput(code="access", label="Access needs", kind="short_text"))
        return
    registered = await make_registration(event, 2)
    if way == "a participant cancels through the API":
        secret = registered.registration.secret
        assert (await client.post(f"/api/v1/registrations/{secret}/cancel")).status_code == 200
    elif way == "an organizer cancels someone":
        await admin.cancel(registered.registration, staff=None)
    else:
        await privacy.erase_own(registered.registration)


def test_no_route_calls_the_announcer() -> None:
    """Routes parse, call a service and answer; announcing a change is the service's business."""
    callers = [
        str(path.relative_to(ROOT))
        for folder in ("events/web", "events/api")
        for path in sorted((ROOT / folder).glob("*.py"))
        if "changes.announce" in path.read_text(encoding="utf-8")
    ]
    assert callers == [], f"routes that announce changes themselves: {callers}"
