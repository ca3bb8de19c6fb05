"""Personal data: erased after the event's retention or on request, with every figure kept; handed over on request."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from tortoise import connections

from events.checkin import service as checkin
from events.mail.models import OutboxMessage
from events.program.models import Event
from events.questions.models import Answer
from events.questions.schemas import QuestionInput
from events.questions.service import add_question
from events.registrations import privacy
from events.registrations.admin import RegistrationEdit, edit_registration
from events.registrations.models import Registration, RegistrationStatus
from events.reports.attendance import attendance
from events.settings import Settings
from events.staff.models import Role
from tests.conftest import csrf_token, sign_in, tsudoi
from tests.factories import make_event, make_registration

KEY = "test-secret-key"


async def every_row() -> dict[str, list[tuple[str, ...]]]:
    """Each table's rows, as text, in a fixed order: two databases with the same contents compare equal."""
    client = connections.get("default")
    if client.capabilities.dialect == "sqlite":
        rows = await client.execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        tables = sorted(row["name"] for row in rows)
    else:
        rows = await client.execute_query_dict("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = sorted(row["tablename"] for row in rows)
    contents = {}
    for table in tables:
        found = await client.execute_query_dict(f'SELECT * FROM "{table}"')
        contents[table] = sorted(tuple(str(value) for value in row.values()) for row in found)
    return contents


async def every_stored_text() -> str:
    """Every value of every table, as text: what anyone with the database would see."""
    return "\n".join(value for rows in (await every_row()).values() for row in rows for value in row)


async def busy_event() -> tuple[Event, list[Registration]]:
    """Twelve people with names, organizations, a written and a chosen answer, check-ins, a staff
    edit in the change log, and e-mails in the outbox."""
    event = await make_event(capacity=10)
    await add_question(event, QuestionInput(code="diet", label="Diet", kind="short_text"))
    await add_question(event, QuestionInput(code="lunch", label="Lunch", kind="one_choice", choices=["yes", "no"]))
    people = []
    for number in range(1, 13):
        result = await make_registration(
            event,
            number,
            ["day1", "lecture"],
            name=f"Rosalinda Dimaculangan {number}",
            organization=f"Samahan ng Migrante {number}",
            answers={"diet": f"no pork, allergy note {number}", "lunch": "yes" if number % 2 else "no"},
        )
        people.append(result.registration)
    await event.fetch_related("sessions")
    for person in people[:7]:
        answer = await checkin.check_in(event, person.code, "day1", secret_key=KEY, device="door-A")
        assert answer.status_code == 201
    await edit_registration(
        people[0],
        RegistrationEdit(name="Rosalinda D. Cruz 1", email=people[0].email, category="participant"),
        staff=None,
    )
    return event, people


@pytest.mark.usefixtures("db")
async def test_purge_keeps_every_figure_and_leaves_no_name_address_or_written_answer() -> None:
    event, people = await busy_event()
    before = await attendance(event)
    assert await OutboxMessage.filter(event=event).exists(), "the outbox holds the people's addresses"

    erased = await privacy.purge_event(event)

    assert erased == 12
    assert await attendance(event) == before, "every figure of the report is as it was"
    stored = await every_stored_text()
    for number in range(1, 13):
        for trace in (
            f"Rosalinda Dimaculangan {number}",
            f"person{number}@example.org",
            f"Samahan ng Migrante {number}",
            f"allergy note {number}",
        ):
            assert trace not in stored, f"{trace!r} is still in the database"
    assert "Rosalinda D. Cruz" not in stored, "nor the values in the staff change log"
    assert (await Event.get(id=event.id)).purged_at is not None


@pytest.mark.usefixtures("db")
async def test_the_chosen_answers_still_count_after_a_purge() -> None:
    event, _people = await busy_event()

    await privacy.purge_event(event)

    kept = sorted(str(answer.value) for answer in await Answer.filter(registration__event_id=event.id))
    assert kept == ["no"] * 6 + ["yes"] * 6, "choices are counts, not personal text: they stay"


@pytest.mark.usefixtures("db")
async def test_only_events_past_their_retention_are_due() -> None:
    event = await make_event(days_ahead=-200)
    recent = await make_event("recent", days_ahead=-30)
    await Event.filter(id=recent.id).update(retention_days=365)

    due = await privacy.events_due(date.today())

    assert [e.slug for e in due] == [event.slug]
    await privacy.purge_event(event)
    assert await privacy.events_due(date.today()) == [], "a purged event is not due again"
    assert event.purge_on == event.ends_on + timedelta(days=180)


async def test_a_participant_erases_their_own_registration_and_the_waiting_list_moves_up(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    event = await make_event(capacity=1)
    mine = await make_registration(event, 1, ["day1"], name="Private Person")
    waiting = await make_registration(event, 2, ["day1"])
    page = await client.get(f"/manage/{mine.registration.secret}/erase")

    answer = await client.post(f"/manage/{mine.registration.secret}/erase", data={"csrf_token": csrf_token(page.text)})

    assert answer.status_code == 303 and answer.headers["location"].endswith("/erased")
    erased = await Registration.get(id=mine.registration.id)
    assert erased.name == privacy.ERASED_NAME and erased.email == "" and erased.erased_at is not None
    assert erased.status == RegistrationStatus.CANCELLED
    assert (await Registration.get(id=waiting.registration.id)).status == RegistrationStatus.CONFIRMED
    gone = await client.get(f"/manage/{mine.registration.secret}", headers={"accept": "text/html"})
    assert gone.status_code == 404, "the old link no longer opens anything"
    assert "Private Person" not in await every_stored_text()


async def test_an_organizer_downloads_everything_kept_about_one_person(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    event, people = await busy_event()
    await sign_in(client)

    answer = await client.get(f"/staff/events/workshop/registrations/{people[1].code}/data.json")

    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    data = json.loads(answer.text)
    assert data["registration"]["name"] == "Rosalinda Dimaculangan 2"
    assert data["registration"]["email"] == "person2@example.org"
    assert data["answers"] == {"diet": "no pork, allergy note 2", "lunch": "no"}
    assert [c["session"] for c in data["check_ins"]] == ["day1"]
    assert [m["kind"] for m in data["e_mails"]] == ["registered"]


async def test_door_staff_cannot_download_a_persons_data(app: Starlette, client: httpx.AsyncClient) -> None:
    _event, people = await busy_event()
    await sign_in(client, Role.DOOR)

    answer = await client.get(f"/staff/events/workshop/registrations/{people[1].code}/data.json")

    assert answer.status_code == 403 and "person2@example.org" not in answer.text


async def test_an_organizer_erases_a_person_at_their_request(app: Starlette, client: httpx.AsyncClient) -> None:
    _event, people = await busy_event()
    await sign_in(client)
    path = f"/staff/events/workshop/registrations/{people[2].code}"
    page = await client.get(path)

    unconfirmed = await client.post(f"{path}/erase", data={"csrf_token": csrf_token(page.text)})
    confirmed = await client.post(f"{path}/erase", data={"csrf_token": csrf_token(page.text), "confirm": "yes"})

    assert unconfirmed.status_code == 422, "nothing is erased without the box ticked"
    assert confirmed.status_code == 303
    assert (await Registration.get(id=people[2].id)).erased_at is not None


async def test_tsudoi_purge_erases_the_events_that_are_due(db: Settings, tmp_path: Path) -> None:
    old = await make_event("old-forum")
    await make_registration(old, 1, name="Long Gone")
    long_ago = date.today() - timedelta(days=400)
    await Event.filter(id=old.id).update(starts_on=long_ago, ends_on=long_ago)  # …and a year goes by
    current = await make_event("this-year")
    await make_registration(current, 2, name="Still Here")
    env = {"DATABASE_URL": db.database_url, "TSUDOI_SECRET_KEY": KEY}

    dry = await asyncio.to_thread(tsudoi, "purge", "--dry-run", cwd=tmp_path, env=env)
    real = await asyncio.to_thread(tsudoi, "purge", cwd=tmp_path, env=env)
    early = await asyncio.to_thread(tsudoi, "purge", "--event", "this-year", cwd=tmp_path, env=env)

    assert dry.returncode == 0 and "would erase the participants of old-forum" in dry.stdout
    assert real.returncode == 0 and "old-forum: 1 participant(s) erased" in real.stdout, real.stderr
    assert early.returncode == 1 and "--now" in early.stderr, "an event still within its retention is kept"
    stored = await every_stored_text()
    assert "Long Gone" not in stored and "Still Here" in stored
