"""Registration questions: set up by organizers, asked on the form and the API, counted in the report."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pypdfium2 as pdfium
import pytest
from jsonschema import Draft202012Validator
from starlette.applications import Starlette

from events.errors import InvalidInput
from events.program.models import Event
from events.program.service import get_event
from events.questions import service
from events.questions.models import Answer, Question
from events.questions.schemas import QuestionInput
from events.registrations.schemas import WalkInInput
from events.registrations.service import cancel, register
from events.reports.attendance import arrivals, attendance
from events.reports.pdf import render_report
from events.settings import Settings
from events.staff.models import Role
from events.validation import parse
from tests.conftest import csrf_token, sign_in
from tests.factories import make_event, make_registration, staff_token

INTERPRETATION = {
    "code": "interpretation",
    "label": "Interpretation needed",
    "kind": "one_choice",
    "choices": ["Tagalog", "Portuguese", "Korean"],
}
DIET = {
    "code": "diet",
    "label": "Dietary needs",
    "kind": "several_choices",
    "choices": ["Halal", "Vegetarian", "No pork"],
    "session": "reception",
    "required": True,
}
CHILDCARE = {"code": "childcare", "label": "Do you need childcare?", "kind": "yes_no"}
ACCESS = {"code": "access", "label": "Access needs", "kind": "short_text", "required": True}


async def add(event: Event, **fields: Any) -> Question:
    return await service.add_question(event, QuestionInput.model_validate(fields))


async def event_with_questions() -> Event:
    """The workshop asking for interpretation, childcare and (of reception-goers) dietary needs."""
    event = await make_event()
    for fields in (INTERPRETATION, CHILDCARE, DIET):
        await add(event, **fields)
    return await get_event("workshop")


def problems(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return exc.value.fields


# Setting questions up ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "choices", [[], ["Tagalog"], ["Tagalog", " tagalog "], ["Tagalog", "", "  "]], ids=["none", "one", "twice", "blank"]
)
def test_a_choice_question_needs_two_different_choices(choices: list[str]) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse(QuestionInput, {**INTERPRETATION, "choices": choices})

    assert "choices" in problems(refused), f"{choices!r} is not a choice question's list"


def test_choices_are_trimmed_and_other_kinds_keep_none() -> None:
    choice = parse(QuestionInput, {**INTERPRETATION, "choices": [" Tagalog ", "Korean", ""]})
    text = parse(QuestionInput, {**ACCESS, "choices": ["ignored", "too"]})

    assert choice.choices == ["Tagalog", "Korean"]
    assert text.choices == [], "a text question has no choices"


@pytest.mark.parametrize("code", ["Diet", "diet food", "", "x" * 33, "食事"])
def test_a_question_code_is_lower_case_letters_digits_dash_and_underscore(code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse(QuestionInput, {**ACCESS, "code": code})

    assert "code" in problems(refused)


async def test_a_code_is_unique_within_an_event_only(db: Settings) -> None:
    workshop = await make_event()
    forum = await make_event("forum")
    await add(workshop, **ACCESS)

    with pytest.raises(InvalidInput) as refused:
        await add(workshop, **{**ACCESS, "label": "Another"})
    await add(forum, **ACCESS)

    assert "code" in problems(refused)
    assert await Question.filter(code="access").count() == 2, "the same code in another event is fine"


async def test_a_question_can_only_be_tied_to_a_session_of_its_event(db: Settings) -> None:
    event = await make_event()

    with pytest.raises(InvalidInput) as refused:
        await add(event, **{**DIET, "session": "gala"})

    assert "session" in problems(refused)


async def test_questions_are_asked_in_the_order_the_organizer_sets(db: Settings) -> None:
    event = await event_with_questions()

    await service.move_question(event, "diet", -1)
    after_up = [question.code for question in await service.questions_of(event)]
    await service.move_question(event, "interpretation", 5)
    after_down = [question.code for question in await service.questions_of(event)]

    assert after_up == ["interpretation", "diet", "childcare"]
    assert after_down == ["diet", "childcare", "interpretation"], "moving past the end stops at the end"


async def test_removing_a_question_removes_its_answers(db: Settings) -> None:
    event = await event_with_questions()
    await make_registration(event, 1, answers={"interpretation": "Korean"})

    await service.remove_question(event, "interpretation")

    assert await Answer.all().count() == 0
    assert [question.code for question in await service.questions_of(event)] == ["childcare", "diet"]


async def test_an_answered_question_keeps_its_kind_and_its_chosen_choices(db: Settings) -> None:
    event = await event_with_questions()
    await make_registration(event, 1, answers={"interpretation": "Korean"})

    with pytest.raises(InvalidInput) as new_kind:
        await service.edit_question(
            event, "interpretation", QuestionInput.model_validate({**ACCESS, "code": "interpretation"})
        )
    with pytest.raises(InvalidInput) as chosen_removed:
        await service.edit_question(
            event,
            "interpretation",
            QuestionInput.model_validate({**INTERPRETATION, "choices": ["Tagalog", "Portuguese"]}),
        )
    renamed = await service.edit_question(
        event,
        "interpretation",
        QuestionInput.model_validate(
            {**INTERPRETATION, "label": "Interpreter", "choices": ["Tagalog", "Korean", "Thai"]}
        ),
    )

    assert "kind" in problems(new_kind), "answers given as a choice would not fit a text question"
    assert "Korean" in problems(chosen_removed)["choices"], "somebody chose Korean"
    assert renamed.label == "Interpreter" and renamed.choices == ["Tagalog", "Korean", "Thai"], "unchosen ones may go"


# Checking answers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"interpretation": "Thai"}, "answers.interpretation"),
        ({"interpretation": ["Korean"]}, "answers.interpretation"),
        ({"childcare": "yes"}, "answers.childcare"),
        ({"childcare": 1}, "answers.childcare"),
        ({"diet": ["Halal", "Sushi"]}, "answers.diet"),
        ({"diet": "Halal"}, "answers.diet"),
        ({"diet": []}, "answers.diet"),
        ({"access": "x" * 201}, "answers.access"),
        ({"access": "step\x00free"}, "answers.access"),
        ({"access": "\u202eeerf pets"}, "answers.access"),
        ({"access": "   "}, "answers.access"),
        ({"access": None}, "answers.access"),
    ],
    ids=[
        "not-a-choice",
        "list-for-one-choice",
        "yes-as-text",
        "number-for-yes-no",
        "unknown-among-several",
        "text-for-several",
        "required-none-chosen",
        "too-long",
        "nul",
        "bidi-override",
        "blank-required",
        "required-missing",
    ],
)
async def test_a_wrong_or_missing_answer_is_refused_naming_its_question(
    db: Settings, answers: dict[str, Any], field: str
) -> None:
    event = await event_with_questions()
    await add(event, **ACCESS)
    valid = {"diet": ["Halal"], "access": "Step-free entrance"}

    with pytest.raises(InvalidInput) as refused:
        await service.validate_answers(event, ["day1", "reception"], {**valid, **answers})

    assert list(problems(refused)) == [field]


async def test_answers_are_cleaned_and_kept_in_choice_order(db: Settings) -> None:
    event = await event_with_questions()
    await add(event, code="notes", label="Anything else?", kind="long_text")

    answers = await service.validate_answers(
        event,
        ["reception"],
        {
            "interpretation": " Korean ",
            "childcare": False,
            "diet": ["No pork", "Halal", "Halal"],
            "notes": "Two children,\r\n ages 3 and 5.\t ",
            "unknown": "ignored",
        },
    )

    assert {question.code: value for question, value in answers.items()} == {
        "interpretation": "Korean",
        "childcare": False,
        "diet": ["Halal", "No pork"],
        "notes": "Two children,\n ages 3 and 5.",
    }


async def test_a_session_question_is_ignored_when_that_session_is_not_chosen(db: Settings) -> None:
    event = await event_with_questions()

    answers = await service.validate_answers(event, ["day1"], {"diet": ["Sushi"], "interpretation": "Tagalog"})

    assert [question.code for question in answers] == ["interpretation"], "diet is asked of reception-goers only"


async def test_answers_are_saved_with_the_registration(db: Settings) -> None:
    event = await event_with_questions()

    registered = await make_registration(
        event, 1, ["day1", "reception"], answers={"diet": ["Halal"], "childcare": True}
    )
    answers = await service.answers_of(registered.registration)

    assert {question.code: value for question, value in answers.items()} == {"childcare": True, "diet": ["Halal"]}


async def test_no_registration_is_written_when_an_answer_is_wrong(db: Settings) -> None:
    event = await event_with_questions()

    with pytest.raises(InvalidInput):
        await make_registration(event, 1, ["day1", "reception"], answers={"diet": ["Sushi"]})

    assert (await get_event("workshop")).sessions[0].confirmed_count == 0
    assert await Answer.all().count() == 0


async def test_a_walk_in_at_the_desk_is_not_held_up_by_a_required_question(db: Settings) -> None:
    event = await event_with_questions()
    await add(event, **ACCESS)

    registered = await register(event, WalkInInput.model_validate({"name": "Walk-in", "sessions": ["reception"]}))

    assert registered.registration.status == "confirmed", "the desk form does not ask the questions"


# Counting --------------------------------------------------------------------------------


async def test_answer_counts_count_each_option_among_active_registrations(db: Settings) -> None:
    event = await event_with_questions()
    chosen = ["Tagalog"] * 3 + ["Portuguese"] * 2 + ["Korean"]
    for number, language in enumerate(chosen, start=1):
        answers = {
            "interpretation": language,
            "childcare": number % 2 == 0,
            "diet": ["Halal", "No pork"] if number < 3 else ["Halal"],
        }
        await make_registration(event, number, ["day1", "reception"], answers=answers)
    cancelled = await make_registration(event, 9, ["day1"], answers={"interpretation": "Korean", "childcare": True})
    await cancel(cancelled.registration)
    await make_registration(event, 10, ["day1"])

    counts = {item.code: item for item in await service.answer_counts(event)}

    assert counts["interpretation"].options == [("Tagalog", 3), ("Portuguese", 2), ("Korean", 1)]
    assert counts["interpretation"].summary() == "Tagalog 3, Portuguese 2, Korean 1"
    assert counts["interpretation"].answered == 6, "the cancelled registration and the unanswered one are not counted"
    assert counts["childcare"].options == [("yes", 3), ("no", 3)]
    assert counts["diet"].options == [("Halal", 6), ("No pork", 2), ("Vegetarian", 0)]
    assert counts["diet"].answered == 6, "six people, eight choices"
    assert list(counts) == ["interpretation", "childcare", "diet"], (
        "in the form's order; text questions are not counted"
    )


# Through the app -----------------------------------------------------------------------------


def form(page: httpx.Response, **fields: Any) -> dict[str, Any]:
    return {"csrf_token": csrf_token(page.text), **fields}


async def test_the_form_keeps_answers_and_shows_the_problem_next_to_the_question(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    event = await event_with_questions()
    await add(event, **ACCESS)
    page = await client.get("/events/workshop?lang=en")

    refused = await client.post(
        "/events/workshop?lang=en",
        data=form(
            page,
            name="",
            email="aoki@example.org",
            sessions=["day1", "reception"],
            **{"answers.interpretation": "Korean", "answers.childcare": "yes", "answers.diet": ["Halal", "No pork"]},
        ),
    )

    assert refused.status_code == 422
    html = refused.text
    assert 'id="q-access-error"' in html, "the missing required answer is marked next to its question"
    assert 'id="f-name-error"' in html, "the name's problem is shown at the same time"
    assert 'value="Korean" checked' in html and 'value="yes" checked' in html, "answers given are kept"
    assert 'value="Halal" checked' in html and 'value="No pork" checked' in html
    assert "Only if you attend Reception." in html, "the diet question says whom it is for"
    assert await Answer.all().count() == 0


async def test_the_form_registers_with_answers_and_ignores_a_session_question_not_chosen(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    await event_with_questions()
    page = await client.get("/events/workshop")

    registered = await client.post(
        "/events/workshop",
        data=form(
            page,
            name="Aoki",
            email="aoki@example.org",
            sessions=["day1"],
            **{"answers.interpretation": "Tagalog", "answers.childcare": "no", "answers.diet": "Halal"},
        ),
    )

    assert registered.status_code == 303, "the required diet question is not asked without the reception"
    answers = {answer.question.code: answer.value for answer in await Answer.all().prefetch_related("question")}
    assert answers == {"interpretation": "Tagalog", "childcare": False}


async def test_the_event_json_lists_the_questions(client: httpx.AsyncClient, app: Starlette) -> None:
    await event_with_questions()

    questions = (await client.get("/api/v1/events/workshop")).json()["questions"]

    assert questions[2] == {
        "code": "diet",
        "label": "Dietary needs",
        "help": "",
        "kind": "several_choices",
        "required": True,
        "choices": ["Halal", "Vegetarian", "No pork"],
        "session": "reception",
        "translations": {},
    }
    assert [question["session"] for question in questions] == [None, None, "reception"]


async def test_the_api_registers_with_answers_and_shows_them_to_organizers_only(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    await event_with_questions()
    body = {
        "name": "Aoki",
        "email": "aoki@example.org",
        "sessions": ["day1", "reception"],
        "answers": {"interpretation": "Portuguese", "diet": ["Vegetarian"], "childcare": True},
    }

    created = await client.post("/api/v1/events/workshop/registrations", json=body)
    organizer = await client.get(
        "/api/v1/events/workshop/registrations", headers={"Authorization": f"Bearer {await staff_token()}"}
    )
    door = await client.get(
        "/api/v1/events/workshop/registrations", headers={"Authorization": f"Bearer {await staff_token(Role.DOOR)}"}
    )

    assert created.status_code == 201, created.text
    assert organizer.json()[0]["answers"] == {"interpretation": "Portuguese", "childcare": True, "diet": ["Vegetarian"]}
    assert "answers" not in door.json()[0], "door staff see no answers, as they see no e-mail addresses"


async def test_the_api_answers_422_naming_each_wrong_answer(client: httpx.AsyncClient, app: Starlette) -> None:
    await event_with_questions()
    body = {
        "name": "Aoki",
        "email": "aoki@example.org",
        "sessions": ["reception"],
        "answers": {"interpretation": "Thai", "childcare": "maybe"},
    }

    refused = await client.post("/api/v1/events/workshop/registrations", json=body)
    not_an_object = await client.post("/api/v1/events/workshop/registrations", json={**body, "answers": ["Thai"]})

    assert refused.status_code == 422
    assert refused.json()["error"] == "invalid"
    assert set(refused.json()["fields"]) == {"answers.interpretation", "answers.childcare", "answers.diet"}
    assert not_an_object.status_code == 422 and "answers" in not_an_object.json()["fields"]


async def test_participants_csv_has_a_column_per_question(client: httpx.AsyncClient, app: Starlette) -> None:
    event = await event_with_questions()
    await make_registration(
        event, 1, ["day1", "reception"], name="Aoki", answers={"diet": ["Halal", "No pork"], "childcare": True}
    )
    await make_registration(event, 2, ["day1"], name="Baba", answers={"interpretation": "Korean"})

    response = await client.get(
        "/api/v1/events/workshop/participants.csv?bom=0", headers={"Authorization": f"Bearer {await staff_token()}"}
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))

    assert list(rows[0])[-3:] == ["q:interpretation", "q:childcare", "q:diet"]
    assert [(row["name"], row["q:interpretation"], row["q:childcare"], row["q:diet"]) for row in rows] == [
        ("Aoki", "", "yes", "Halal; No pork"),
        ("Baba", "Korean", "", ""),
    ]


async def test_the_event_and_an_organizers_list_match_the_openapi_document(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    event = await event_with_questions()
    await make_registration(event, 1, ["reception"], answers={"diet": ["Halal"], "childcare": False})
    listing = await client.get(
        "/api/v1/events/workshop/registrations", headers={"Authorization": f"Bearer {await staff_token()}"}
    )

    for path, answer in (
        ("/api/v1/events/{slug}", await client.get("/api/v1/events/workshop")),
        ("/api/v1/events/{slug}/registrations", listing),
    ):
        schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        validator = Draft202012Validator({**schema, "components": document["components"]})
        errors = [error.message for error in validator.iter_errors(answer.json())]
        assert not errors, f"GET {path} breaks its schema: {errors}"


async def test_the_pdf_report_prints_the_answer_counts(db: Settings) -> None:
    event = await event_with_questions()
    for number, language in enumerate(["Tagalog", "Tagalog", "Korean"], start=1):
        await make_registration(event, number, answers={"interpretation": language, "childcare": number == 1})

    pdf = render_report(
        event, await attendance(event), await arrivals(event), language="en", answers=await service.answer_counts(event)
    )
    text = "\n".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(pdf))

    assert "Interpretation needed" in text
    assert "Tagalog 2, Korean 1, Portuguese 0" in text
    assert "Yes 1, No 2" in text


async def test_the_report_page_shows_the_answer_counts(client: httpx.AsyncClient, app: Starlette) -> None:
    event = await event_with_questions()
    for number, language in enumerate(["Tagalog", "Tagalog", "Korean"], start=1):
        await make_registration(event, number, answers={"interpretation": language})
    await sign_in(client)

    page = await client.get("/staff/events/workshop/report?lang=en")

    assert page.status_code == 200
    assert "Interpretation needed" in page.text
    assert "Tagalog <strong>2</strong>" in page.text and "Korean <strong>1</strong>" in page.text


# The staff pages --------------------------------------------------------------------------


async def test_door_staff_may_not_open_the_questions_pages(client: httpx.AsyncClient, app: Starlette) -> None:
    await event_with_questions()
    await sign_in(client, Role.DOOR)

    pages = [
        await client.get("/staff/events/workshop/questions"),
        await client.get("/staff/events/workshop/questions/new"),
        await client.get("/staff/events/workshop/questions/diet/edit"),
        await client.get("/staff/events/workshop/questions/diet/remove"),
    ]

    assert [page.status_code for page in pages] == [403] * 4


async def test_an_organizer_adds_a_question_and_a_mistake_is_shown_next_to_its_field(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    await make_event()
    await sign_in(client)
    page = await client.get("/staff/events/workshop/questions/new?lang=en")
    typed = {"label": "Interpretation needed", "code": "interpretation", "kind": "one_choice", "session": ""}

    refused = await client.post(
        "/staff/events/workshop/questions/new?lang=en", data=form(page, **typed, choices="Tagalog\n\n")
    )
    added = await client.post(
        "/staff/events/workshop/questions/new",
        data=form(page, **typed, choices="Tagalog\r\nPortuguese\r\nKorean", required="1"),
    )
    listing = await client.get(added.headers["location"])

    assert refused.status_code == 422
    assert 'id="f-choices-error"' in refused.text and 'value="Interpretation needed"' in refused.text
    assert added.status_code == 303
    question = await Question.get(code="interpretation")
    assert question.choices == ["Tagalog", "Portuguese", "Korean"] and question.required
    assert "Interpretation needed" in listing.text


async def test_an_organizer_edits_moves_and_removes_questions(client: httpx.AsyncClient, app: Starlette) -> None:
    await event_with_questions()
    await sign_in(client)
    page = await client.get("/staff/events/workshop/questions/diet/edit")

    edited = await client.post(
        "/staff/events/workshop/questions/diet/edit",
        data=form(page, label="Food", code="food", kind="several_choices", choices="Halal\nVegan", session="reception"),
    )
    moved = await client.post("/staff/events/workshop/questions/food/move", data=form(page, direction="up"))
    confirm = await client.get("/staff/events/workshop/questions/childcare/remove")
    removed = await client.post("/staff/events/workshop/questions/childcare/remove", data=form(page))
    forged = await client.post("/staff/events/workshop/questions/food/remove", data={"csrf_token": "forged"})

    assert [edited.status_code, moved.status_code, confirm.status_code, removed.status_code] == [303, 303, 200, 303]
    assert forged.status_code == 403, "a form from elsewhere removes nothing"
    event = await get_event("workshop")
    assert [(question.code, question.label) for question in await service.questions_of(event)] == [
        ("interpretation", "Interpretation needed"),
        ("food", "Food"),
    ]
