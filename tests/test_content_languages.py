"""An event's own words in several languages: the organizer writes them, each reader gets theirs."""

from __future__ import annotations

import httpx
import icalendar
import pytest
from starlette.applications import Starlette

from events import links
from events.mail.delivery import deliver_due
from events.program.models import Event
from events.program.schemas import EventInput, EventPatch
from events.program.service import create_event, update_event
from tests.conftest import MailServer
from tests.factories import event_data, make_registration
from tests.test_event_setup import organizer, token_of  # noqa: F401  (the signed-in organizer fixture)
from tests.test_mail import attachments


async def worded_event() -> Event:
    data = event_data(
        language="ja",
        translations={
            "ko": {"title": "전국 워크숍", "description": "이주민 지원 단체의 전국 모임"},
            "en": {"title": "National Workshop"},
        },
    )
    data["sessions"][0]["translations"] = {"ko": {"title": "첫째 날"}, "en": {"title": "Day one"}}
    return await create_event(EventInput.model_validate(data))


async def test_each_reader_sees_the_event_in_their_language_or_the_organizers(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await worded_event()

    korean = (await client.get("/events/workshop?lang=ko")).text
    tagalog = (await client.get("/events/workshop?lang=tl")).text
    english = (await client.get("/events/workshop?lang=en")).text

    assert '<h1 lang="ko">전국 워크숍</h1>' in korean and "이주민 지원 단체의 전국 모임" in korean
    assert "첫째 날" in korean and "Evening lecture" in korean, "a session without Korean keeps its own title"
    assert '<h1 lang="ja">全国ワークショップ</h1>' in tagalog, "no Tagalog given: the event's own language, marked so"
    assert "National Workshop" in english and "Day one" in english
    front = (await client.get("/?lang=ko")).text
    assert "전국 워크숍" in front


@pytest.mark.usefixtures("db")
async def test_a_korean_participants_mail_and_calendar_use_the_korean_titles(mail_server: MailServer) -> None:
    links.set_mail_url("https://forum.example.org")
    event = await worded_event()
    await make_registration(event, 1, ["day1"], language="ko")

    await deliver_due(mail_server.settings(), "test-secret-key")

    (message,) = mail_server.messages
    assert str(message["Subject"]) == "신청 내용: 전국 워크숍"
    assert "첫째 날" in message.get_body(("plain",)).get_content()
    calendar = icalendar.Calendar.from_ical(attachments(message)["workshop.ics"])
    assert [str(item["summary"]) for item in calendar.walk("VEVENT")] == ["첫째 날 · 전국 워크숍"]


@pytest.mark.usefixtures("db")
async def test_changing_and_removing_a_translation_through_the_api_service() -> None:
    await worded_event()

    changed = await update_event(
        "workshop",
        EventPatch.model_validate(
            {"translations": {"tl": {"title": "Pambansang Workshop"}, "ko": {"title": "", "description": ""}}}
        ),
    )

    assert changed.translations == {"tl": {"title": "Pambansang Workshop"}}, "an emptied language is dropped"
    assert changed.text("title", "tl") == "Pambansang Workshop" and changed.text("title", "ko") == "全国ワークショップ"


async def test_the_api_shows_an_events_language_and_translations(app: Starlette, client: httpx.AsyncClient) -> None:
    await worded_event()

    event = (await client.get("/api/v1/events/workshop")).json()

    assert event["language"] == "ja"
    assert event["translations"]["ko"]["title"] == "전국 워크숍"
    assert event["sessions"][0]["translations"]["en"] == {"title": "Day one"}


async def test_an_organizer_writes_the_english_title_on_the_set_up_page(
    organizer: httpx.AsyncClient,  # noqa: F811
) -> None:
    await create_event(EventInput.model_validate(event_data()))
    page = await organizer.get("/staff/events/workshop/edit?lang=en")
    assert 'name="translations.en.title"' in page.text and 'name="translations.ja.title"' not in page.text, (
        "a field for every language but the event's own"
    )
    form = {
        "csrf_token": await token_of(organizer, "/staff/events/workshop/edit"),
        "title": "全国ワークショップ",
        "language": "ja",
        "translations.en.title": "National Workshop",
        "translations.tl.description": "Pambansang pagtitipon",
        "starts_on": event_data()["starts_on"],
        "ends_on": event_data()["ends_on"],
        "timezone": "Asia/Tokyo",
        "status": "published",
        "category_code": ["participant"],
        "category_label": ["Participant"],
    }

    saved = await organizer.post("/staff/events/workshop/edit", data=form)

    assert saved.status_code == 303, saved.text
    public = await organizer.get("/events/workshop?lang=en")
    assert "National Workshop" in public.text
    again = await organizer.get("/staff/events/workshop/edit")
    assert 'value="National Workshop"' in again.text and "Pambansang pagtitipon" in again.text
