"""A way back for participants: their link sent again, their sessions changed from their own page,
and no message sent whose reason has gone."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from starlette.applications import Starlette

from events import links
from events.errors import Conflict, InvalidInput
from events.mail.delivery import deliver_due
from events.mail.models import MailKind, MailStatus, OutboxMessage
from events.program.models import Event, Session
from events.questions.models import Answer
from events.questions.schemas import QuestionInput
from events.questions.service import add_question
from events.registrations.models import Registration, RegistrationStatus, Seat, SeatStatus
from events.registrations.service import cancel, change_sessions, send_link_again
from events.settings import RateLimit, Settings
from tests.conftest import MailServer, csrf_token, make_app, running
from tests.factories import make_event, make_registration
from tests.test_seats import assert_seats_add_up

SECRET = "test-secret-key"


@pytest.fixture(autouse=True)
def site_address() -> None:
    links.set_mail_url("https://forum.example.org")


@pytest.fixture
async def event(app: Starlette) -> Event:
    return await make_event(capacity=2)


async def seat_statuses(registration: Registration) -> dict[str, SeatStatus]:
    seats = await Seat.filter(registration_id=registration.id).prefetch_related("session")
    return {seat.session.code: seat.status for seat in seats}


async def fresh(registration: Registration, event: Event) -> Registration:
    current = await Registration.get(id=registration.id)
    current.event = event
    return current


# Changing one's sessions


async def test_a_participant_adds_a_session_with_room_and_one_that_is_full(event: Event) -> None:
    await make_registration(event, 1, ["day2"])
    await make_registration(event, 2, ["day2"])
    ana = (await make_registration(event, 3, ["day1"])).registration

    await change_sessions(await fresh(ana, event), ["day1", "lecture", "day2"])

    assert await seat_statuses(ana) == {
        "day1": SeatStatus.CONFIRMED,
        "lecture": SeatStatus.CONFIRMED,
        "day2": SeatStatus.WAITLISTED,
    }, "a seat where there is room, the waiting list where there is none"
    await assert_seats_add_up()


async def test_a_seat_given_up_goes_at_once_to_the_first_person_waiting(event: Event) -> None:
    ana = (await make_registration(event, 1, ["day1", "lecture"])).registration
    await make_registration(event, 2, ["day1"])
    waiting = (await make_registration(event, 3, ["day1"])).registration
    assert waiting.status == RegistrationStatus.WAITLISTED

    promoted = await change_sessions(await fresh(ana, event), ["lecture"])

    assert promoted == [waiting.id]
    assert await seat_statuses(ana) == {"day1": SeatStatus.CANCELLED, "lecture": SeatStatus.CONFIRMED}
    assert (await Registration.get(id=waiting.id)).status == RegistrationStatus.CONFIRMED
    assert await OutboxMessage.exists(registration_id=waiting.id, kind=MailKind.PROMOTED), "they are told"
    await assert_seats_add_up()


async def test_a_session_given_up_and_taken_again_waits_at_the_end_when_full(event: Event) -> None:
    ana = (await make_registration(event, 1, ["day1", "lecture"])).registration
    await change_sessions(await fresh(ana, event), ["lecture"])
    await make_registration(event, 2, ["day1"])
    await make_registration(event, 3, ["day1"])
    fourth = (await make_registration(event, 4, ["day1"])).registration

    await change_sessions(await fresh(ana, event), ["lecture", "day1"])

    queue = await Seat.filter(session__code="day1", status=SeatStatus.WAITLISTED).order_by("id")
    assert [seat.registration_id for seat in queue] == [fourth.id, ana.id], "behind who asked before"  # type: ignore[attr-defined]


async def test_giving_up_every_session_is_cancelling_and_is_refused_here(event: Event) -> None:
    ana = (await make_registration(event, 1, ["day1"])).registration

    with pytest.raises(InvalidInput) as refused:
        await change_sessions(await fresh(ana, event), [])

    assert "sessions" in refused.value.fields
    assert await seat_statuses(ana) == {"day1": SeatStatus.CONFIRMED}


async def test_a_cancelled_registration_cannot_change_its_sessions(event: Event) -> None:
    ana = (await make_registration(event, 1, ["day1"])).registration
    await cancel(ana)

    with pytest.raises(Conflict):
        await change_sessions(await fresh(ana, event), ["lecture"])


async def test_two_people_changing_into_the_last_seat_at_once_get_one_seat(event: Event) -> None:
    """On PostgreSQL each change runs in its own transaction on its own connection; run on both engines."""
    await make_registration(event, 1, ["day1"])
    people = [(await make_registration(event, n, ["lecture"])).registration for n in range(2, 8)]

    current = [await fresh(person, event) for person in people]
    await asyncio.gather(*(change_sessions(person, ["lecture", "day1"]) for person in current))

    day1 = await Session.get(code="day1")
    assert day1.confirmed_count == 2, "one of the six got the last seat"
    assert await Seat.filter(session_id=day1.id, status=SeatStatus.WAITLISTED).count() == 5
    await assert_seats_add_up()


async def test_the_participants_page_changes_sessions_without_javascript(
    client: httpx.AsyncClient, event: Event
) -> None:
    ana = (await make_registration(event, 1, ["day1"])).registration
    page = await client.get(f"/manage/{ana.secret}?lang=en")
    assert "Change my sessions" in page.text and 'name="sessions" value="lecture"' in page.text

    done = await client.post(
        f"/manage/{ana.secret}/sessions", data={"csrf_token": csrf_token(page.text), "sessions": ["lecture", "day2"]}
    )
    shown = await client.get(done.headers["location"])
    empty = await client.post(f"/manage/{ana.secret}/sessions", data={"csrf_token": csrf_token(page.text)})

    assert done.status_code == 303 and "Your sessions are changed." in shown.text
    assert await seat_statuses(ana) == {
        "day1": SeatStatus.CANCELLED,
        "lecture": SeatStatus.CONFIRMED,
        "day2": SeatStatus.CONFIRMED,
    }
    assert empty.status_code == 422 and "cancel instead" in empty.text, "told how to give up every seat"


async def diet_question(event: Event) -> None:
    """A required question asked only of people who come to the reception."""
    diet = {"code": "diet", "label": "Dietary needs", "kind": "several_choices", "required": True}
    await add_question(
        event, QuestionInput.model_validate({**diet, "choices": ["Halal", "No pork"], "session": "reception"})
    )


async def test_adding_a_session_asks_its_required_question_first(event: Event) -> None:
    await diet_question(event)
    ana = (await make_registration(event, 1, ["day1"])).registration

    with pytest.raises(InvalidInput) as refused:
        await change_sessions(await fresh(ana, event), ["day1", "reception"])
    await change_sessions(await fresh(ana, event), ["day1", "reception"], {"diet": ["Halal"]})

    assert set(refused.value.fields) == {"answers.diet"}, "the reception's question must be answered to add it"
    assert await seat_statuses(ana) == {"day1": SeatStatus.CONFIRMED, "reception": SeatStatus.CONFIRMED}
    assert await Answer.filter(registration_id=ana.id).values_list("value", flat=True) == [["Halal"]]


async def test_a_question_answered_before_is_not_asked_again(event: Event) -> None:
    await diet_question(event)
    ana = (await make_registration(event, 1, ["day1"])).registration
    await change_sessions(await fresh(ana, event), ["day1", "reception"], {"diet": ["No pork"]})
    await change_sessions(await fresh(ana, event), ["day1"])

    await change_sessions(await fresh(ana, event), ["day1", "reception"], {"diet": ["Halal"]})

    assert await Answer.filter(registration_id=ana.id).values_list("value", flat=True) == [["No pork"]], (
        "the answer given before stays; the form does not ask again"
    )
    assert (await seat_statuses(ana))["reception"] == SeatStatus.CONFIRMED


async def test_the_participants_page_asks_the_question_of_a_session_being_added(
    client: httpx.AsyncClient, event: Event
) -> None:
    await diet_question(event)
    ana = (await make_registration(event, 1, ["day1"])).registration
    page = await client.get(f"/manage/{ana.secret}?lang=en")
    assert 'name="answers.diet"' in page.text, "the change form asks the reception's question"

    refused = await client.post(
        f"/manage/{ana.secret}/sessions?lang=en",
        data={"csrf_token": csrf_token(page.text), "sessions": ["day1", "reception"]},
    )
    done = await client.post(
        f"/manage/{ana.secret}/sessions?lang=en",
        data={"csrf_token": csrf_token(page.text), "sessions": ["day1", "reception"], "answers.diet": ["Halal"]},
    )
    after = await client.get(f"/manage/{ana.secret}?lang=en")

    assert refused.status_code == 422 and 'id="q-diet-error"' in refused.text, "the problem is next to the question"
    assert re.search(r'value="reception"\s+checked', refused.text), "the session ticked stays ticked"
    assert done.status_code == 303
    assert await seat_statuses(ana) == {"day1": SeatStatus.CONFIRMED, "reception": SeatStatus.CONFIRMED}
    assert 'name="answers.diet"' not in after.text, "a question answered is not asked again"


# The link sent again


async def test_the_link_is_sent_again_only_to_a_registered_address_and_the_answer_is_the_same(
    client: httpx.AsyncClient, event: Event
) -> None:
    ana = (await make_registration(event, 1, ["day1"])).registration
    page = await client.get("/events/workshop?lang=en")
    token = csrf_token(page.text)

    known = await client.post("/events/workshop/link", data={"csrf_token": token, "email": " Person1@Example.org "})
    unknown = await client.post("/events/workshop/link", data={"csrf_token": token, "email": "nobody@example.org"})
    shown = await client.get(known.headers["location"])

    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"], "nothing tells who registered"
    assert "the link to its registration is on its way" in shown.text
    messages = await OutboxMessage.filter(kind=MailKind.LINK)
    assert [message.registration_id for message in messages] == [ana.id]  # type: ignore[attr-defined]


async def test_asking_again_and_again_sends_the_link_once_in_ten_minutes(event: Event, mail_server: MailServer) -> None:
    ana = (await make_registration(event, 1, ["day1"], language="en")).registration
    await deliver_due(mail_server.settings(), SECRET)  # the confirmation
    mail_server.messages.clear()

    for _attempt in range(3):
        await send_link_again(event, "person1@example.org")
    await deliver_due(mail_server.settings(), SECRET)
    await send_link_again(event, "person1@example.org")
    await deliver_due(mail_server.settings(), SECRET)

    (message,) = mail_server.messages
    text = message.get_body(("plain",)).get_content()
    assert f"https://forum.example.org/manage/{ana.secret}" in text
    assert "You asked for the link to your registration" in text, "sent once, however often it was asked for"


async def test_the_link_form_is_rate_limited_like_registering(settings: Settings) -> None:
    app = make_app(settings, registration_rate=RateLimit(3, 60))
    async with running(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await make_event()
        token = csrf_token((await client.get("/events/workshop?lang=en")).text)
        answers = [
            await client.post("/events/workshop/link", data={"csrf_token": token, "email": f"p{n}@example.org"})
            for n in range(4)
        ]

    assert [answer.status_code for answer in answers] == [303, 303, 303, 429]


# A message whose reason has gone


async def test_a_welcome_queued_before_a_cancellation_is_not_sent_after_it(
    event: Event, mail_server: MailServer
) -> None:
    ana = (await make_registration(event, 1, ["day1"], language="en")).registration
    await cancel(ana)

    delivered = await deliver_due(mail_server.settings(), SECRET)

    kinds = sorted(str(message["Subject"]) for message in mail_server.messages)
    assert len(kinds) == 1 and delivered.dropped == 1, f"only the cancellation goes out: {kinds}"
    welcome = await OutboxMessage.get(registration_id=ana.id, kind=MailKind.REGISTERED)
    assert welcome.status == MailStatus.DROPPED
    assert not re.search(r"Thank you for registering", mail_server.messages[0].get_body(("plain",)).get_content())
