"""What organizers write (questions and their choices, category labels, rooms, the venue) reaches
each reader in their own language, with the text as written where no translation is given; the
answers kept are the choices as written, whatever language the person read them in."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import httpx
import icalendar
import pytest
from starlette.applications import Starlette

from events.demo import DEMO_SLUG, create_demo
from events.errors import InvalidInput
from events.mail import compose
from events.mail.models import OutboxMessage
from events.program.models import Event
from events.questions.models import Answer, Question
from events.questions.schemas import QuestionInput
from events.staff.models import Role
from events.validation import parse
from tests.conftest import csrf_token, sign_in
from tests.test_badges import page_text

pytestmark = pytest.mark.usefixtures("app")

DEMO_PAGE = f"/events/{DEMO_SLUG}"


def text_of(html: str) -> str:
    """The page's words, without tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def choices_shown(html: str, question: str) -> dict[str, str]:
    """The choices of a question on the form: the value sent → the words shown."""
    return {
        value: shown.strip()
        for value, shown in re.findall(
            rf'<input type="(?:radio|checkbox)" name="answers\.{question}" value="([^"]+)"[^>]*>\s*([^<]+)</label>',
            html,
        )
    }


async def demo(today: date | None = None) -> Event:
    event, _password = await create_demo(today or date.today())
    return event


async def test_a_korean_reader_sees_the_questions_categories_rooms_and_venue_in_korean(
    client: httpx.AsyncClient,
) -> None:
    await demo()

    page = await client.get(DEMO_PAGE + "?lang=ko")
    words = text_of(page.text)

    assert "통역이 필요합니까?" in words and "通訳が必要ですか" not in words, "the question in Korean"
    assert choices_shown(page.text, "interpretation")["タガログ語"] == "타갈로그어", (
        "a choice is shown in Korean and sent as written"
    )
    assert "교류회 식사에서 배려가 필요한 것을 골라 주세요." in words, "the help text in Korean"
    assert ">개인 회원</option>" in page.text and "個人会員" not in page.text, "the category label in Korean"
    assert "시민활동센터" in words and "市民活動センター" not in words, "the venue in Korean"
    assert "대강당" in words and "레스토랑" in words and "大ホール" not in words, "the rooms in Korean"


async def test_a_japanese_reader_sees_what_the_organizer_wrote(client: httpx.AsyncClient) -> None:
    await demo()

    page = await client.get(DEMO_PAGE + "?lang=ja")
    words = text_of(page.text)

    assert "通訳が必要ですか" in words and choices_shown(page.text, "interpretation")["タガログ語"] == "タガログ語"
    assert ">個人会員</option>" in page.text and "市民活動センター" in words and "大ホール" in words


async def test_a_text_left_untranslated_falls_back_to_what_was_written(client: httpx.AsyncClient) -> None:
    event = await demo()
    question = await Question.get(event_id=event.id, code="interpretation")
    question.translations = {"en": {"choices": {"英語": "English"}}}
    await question.save()

    page = await client.get(DEMO_PAGE + "?lang=en")

    shown = choices_shown(page.text, "interpretation")
    assert shown["英語"] == "English" and shown["タガログ語"] == "タガログ語", "only the translated choice changes"
    assert "通訳が必要ですか" in text_of(page.text), "a label without a translation is shown as written"


async def test_an_answer_chosen_in_tagalog_is_kept_as_the_organizer_wrote_the_choice(
    client: httpx.AsyncClient,
) -> None:
    event = await demo()
    page = await client.get(DEMO_PAGE + "?lang=tl")

    registered = await client.post(
        DEMO_PAGE + "?lang=tl",
        data={
            "csrf_token": csrf_token(page.text),
            "sessions": ["day1", "reception"],
            "name": "Maria dela Cruz",
            "email": "maria.dc@example.org",
            "category": "non_member",
            "answers.interpretation": "タガログ語",
            "answers.diet": ["ハラール", "豚肉なし"],
        },
    )

    assert registered.status_code == 303, registered.text
    answers = {
        answer.question.code: answer.value
        for answer in await Answer.filter(registration__email="maria.dc@example.org").prefetch_related("question")
    }
    assert answers == {"interpretation": "タガログ語", "diet": ["ハラール", "豚肉なし"]}, (
        "the answers are the choices as written, for the organizers' counts"
    )
    assert event.category_label("non_member", "tl") == "Hindi miyembro"


async def test_an_english_readers_badge_e_mail_and_calendar_use_the_english_words(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    await demo()
    body = {
        "name": "João Pereira",
        "email": "joao.p@example.org",
        "category": "subscriber",
        "language": "en",
        "sessions": ["day1", "reception"],
    }
    links = (await client.post(f"/api/v1/events/{DEMO_SLUG}/registrations", json=body)).json()["links"]

    badge = page_text((await client.get(links["badge"])).content)
    calendar = icalendar.Calendar.from_ical((await client.get(links["calendar"])).content)
    message = await OutboxMessage.filter(registration__email="joao.p@example.org").prefetch_related(
        "registration", "event"
    )
    written = await compose.write(message[0])

    assert "Subscriber" in badge and "購読会員" not in badge, "the badge's category band is in English"
    places = sorted(str(item["location"]) for item in calendar.walk("VEVENT"))
    assert places == [
        "Main hall, Civic Activity Center, 名古屋 / Nagoya",
        "Restaurant, Civic Activity Center, 名古屋 / Nagoya",
    ], "the calendar names the room and the venue in English"
    assert "Civic Activity Center" in written.text and "Main hall" in written.text and "Restaurant" in written.html


async def test_the_api_shows_every_translation_to_clients(client: httpx.AsyncClient) -> None:
    await demo()

    shown = (await client.get(f"/api/v1/events/{DEMO_SLUG}")).json()

    assert shown["translations"]["ko"]["venue"] == "시민활동센터"
    assert shown["sessions"][0]["translations"]["en"]["location"] == "Main hall"
    member = next(category for category in shown["categories"] if category["code"] == "individual_member")
    assert member["translations"]["tl"] == {"label": "Indibidwal na miyembro"}
    interpretation = next(question for question in shown["questions"] if question["code"] == "interpretation")
    assert interpretation["choices"][2] == "タガログ語"
    assert interpretation["translations"]["en"]["choices"]["タガログ語"] == "Tagalog"


QUESTION = {"code": "diet", "label": "食事", "kind": "one_choice", "choices": ["ハラール", "ベジタリアン"]}


@pytest.mark.usefixtures("english")
def test_a_translated_choice_must_be_one_of_the_choices() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse(QuestionInput, {**QUESTION, "translations": {"en": {"choices": {"ハラル": "Halal"}}}})

    assert "“ハラル” is not one of the choices" in refused.value.fields["translations"]


def test_empty_translations_are_not_kept_and_a_text_question_keeps_no_choices() -> None:
    empty = parse(QuestionInput, {**QUESTION, "translations": {"en": {"label": "", "choices": {"ハラール": ""}}}})
    text = parse(
        QuestionInput,
        {"code": "note", "label": "メモ", "kind": "short_text", "translations": {"en": {"choices": {"a": "A"}}}},
    )

    assert empty.translations == {}, "a language with nothing written in it is not stored"
    assert text.translations == {}, "a text question has no choices to translate"


@pytest.mark.parametrize(
    ("category", "problem"),
    [
        ({"code": "guest", "translations": {"fr": {"label": "Invité"}}}, "translations"),
        ({"code": "guest", "translations": {"en": {"label": "x" * 101}}}, "1 to 100 characters"),
        ({"code": "guest", "translations": ["Guest"]}, "translations"),
    ],
)
async def test_a_category_translation_that_makes_no_sense_is_refused(
    client: httpx.AsyncClient, category: dict[str, Any], problem: str
) -> None:
    from tests.factories import event_data, staff_token

    token = await staff_token()
    answer = await client.post(
        "/api/v1/events",
        json=event_data(categories=[category]),
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    )

    assert answer.status_code == 422 and problem in answer.json()["fields"]["categories.0"], answer.text


# Writing the translations in the staff area ------------------------------------------------


async def test_an_organizer_writes_each_translation_in_the_staff_forms(client: httpx.AsyncClient) -> None:
    event = await demo(date.today() + timedelta(days=1))
    await sign_in(client, Role.ORGANIZER)
    setup = f"/staff/events/{DEMO_SLUG}"

    form = await client.get(f"{setup}/edit")
    fields = _fields(form.text)
    fields["translations.en.venue"] = "Citizens' Hall"
    fields["category_label.en"] = ["Member (individual)", *fields["category_label.en"][1:]]
    saved_event = await client.post(f"{setup}/edit", data=fields)

    session_form = await client.get(f"{setup}/sessions/lecture/edit")
    session_fields = _fields(session_form.text)
    session_fields["translations.en.location"] = "Great Hall"
    saved_session = await client.post(f"{setup}/sessions/lecture/edit", data=session_fields)

    question_form = await client.get(f"{setup}/questions/interpretation/edit")
    question_fields = _fields(question_form.text)
    question_fields["translations.en.label"] = "Would you like an interpreter?"
    question_fields["translations.en.choices"] = "None needed\nEnglish"
    saved_question = await client.post(f"{setup}/questions/interpretation/edit", data=question_fields)

    page = await client.get(DEMO_PAGE + "?lang=en")
    words = text_of(page.text)
    assert [saved_event.status_code, saved_session.status_code, saved_question.status_code] == [303] * 3
    assert "Citizens' Hall" in words.replace("&#39;", "'") and "Great Hall" in words
    assert ">Member (individual)</option>" in page.text
    shown = choices_shown(page.text, "interpretation")
    assert "Would you like an interpreter?" in words
    assert (shown["不要"], shown["英語"], shown["タガログ語"]) == ("None needed", "English", "タガログ語"), (
        "choices left out keep the words as written"
    )
    again = _fields((await client.get(f"{setup}/questions/interpretation/edit")).text)
    assert again["translations.en.choices"] == "None needed\nEnglish", "the form shows the translations again"
    assert await Answer.filter(question__event_id=event.id).count() == 0


async def test_more_translated_choices_than_choices_is_a_clear_error_on_that_box(client: httpx.AsyncClient) -> None:
    await demo()
    await sign_in(client, Role.ORGANIZER)
    url = f"/staff/events/{DEMO_SLUG}/questions/diet/edit"
    fields = _fields((await client.get(url)).text)
    fields["translations.ko.choices"] = "할랄\n채식\n돼지고기 없음\n생선 없음"

    answer = await client.post(url, data=fields, headers={"Accept-Language": "en"})

    assert answer.status_code == 422
    assert 'id="f-translations.ko.choices-error"' in answer.text and "one line per choice" in answer.text.lower()


def _fields(html: str) -> dict[str, Any]:
    """A form's fields as a browser would send them (repeated names as lists)."""
    fields: dict[str, Any] = {}

    def add(name: str, value: str) -> None:
        if name in fields:
            existing = fields[name]
            fields[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            fields[name] = [value] if name.startswith("category_") else value

    import html as markup

    form = re.search(r'<form method="post"[^>]*class="setup-form[^"]*"[^>]*>(.*?)</form>', html, re.S)
    assert form, "the page has its set-up form"
    body = form.group(1)
    for tag in re.findall(r"<input[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind.group(1) == "checkbox" and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        add(name.group(1), markup.unescape(value.group(1)) if value else "")
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', body, re.S):
        add(name, markup.unescape(text))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option value="([^"]*)"\s*selected', options) or re.search(
            r'<option value="([^"]*)"', options
        )
        add(name, markup.unescape(chosen.group(1)) if chosen else "")
    return fields
