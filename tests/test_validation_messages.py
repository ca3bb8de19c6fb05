"""No message of the validation library ever reaches a page or an API answer: every problem is said
in the reader's language, for every kind of problem pydantic knows and every wrong input a form or
the API can be sent."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from pydantic_core._pydantic_core import list_all_errors
from starlette.applications import Starlette

from events import i18n
from events.validation import _message
from tests.conftest import csrf_token
from tests.factories import make_event

#: Kinds whose message is our own validator's, passed through (already in the reader's language).
OWN = {"value_error", "assertion_error"}
LIBRARY_KINDS = [kind for kind in list_all_errors() if kind["type"] not in OWN]


def _fixed_parts(template: str) -> list[str]:
    """The phrases of a pydantic message template between its placeholders (what would show through)."""
    parts = [part.strip(" .,:'") for part in re.split(r"\{\w+\}", template)]
    return [part for part in parts if len(part) >= 12 and " " in part]


PYDANTIC_WORDS = sorted({part for kind in list_all_errors() for part in _fixed_parts(kind["message_template_python"])})


@pytest.mark.parametrize("kind", LIBRARY_KINDS, ids=[kind["type"] for kind in LIBRARY_KINDS])
def test_every_kind_of_problem_is_said_in_our_words_and_translated(kind: dict[str, Any]) -> None:
    error = {"type": kind["type"], "ctx": kind["example_context"], "msg": kind["example_message_python"]}

    with i18n.language("en"):
        english = _message(error)
    said = {}
    for language in ("ja", "ko", "tl"):
        with i18n.language(language):
            said[language] = _message(error)

    assert english != kind["example_message_python"], "our own words, not the library's"
    assert all(message != english for message in said.values()), f"translated: {english!r} → {said}"


def _leaks(text: str) -> list[str]:
    return [words for words in PYDANTIC_WORDS if words in text]


@pytest.fixture
async def workshop(app: Starlette) -> None:
    await make_event(capacity=5)


WRONG_FORMS: dict[str, dict[str, Any]] = {
    "nothing at all": {},
    "no session ticked": {"name": "Ana", "email": "ana@example.org"},
    "a bad address": {"name": "Ana", "email": "ana@", "sessions": "day1"},
    "a name too long": {"name": "あ" * 201, "email": "ana@example.org", "sessions": "day1"},
    "an unknown category": {"name": "Ana", "email": "ana@example.org", "sessions": "day1", "category": "x" * 65},
    "an unknown session": {"name": "Ana", "email": "ana@example.org", "sessions": "nope"},
    "a control character": {"name": "A\x07na", "email": "ana@example.org", "sessions": "day1"},
}


@pytest.mark.usefixtures("workshop")
@pytest.mark.parametrize("language", i18n.LANGUAGES)
async def test_every_wrong_form_is_answered_in_the_readers_language(client: httpx.AsyncClient, language: str) -> None:
    page = await client.get(f"/events/workshop?lang={language}")
    token = csrf_token(page.text)

    answers = {
        name: await client.post("/events/workshop", data={"csrf_token": token, **form})
        for name, form in WRONG_FORMS.items()
    }

    for name, answer in answers.items():
        assert answer.status_code == 422, f"{name}: {answer.status_code}"
        assert _leaks(answer.text) == [], f"{name} in {language} shows the validation library's words"
    if language != "en":
        assert "at least" not in answers["no session ticked"].text.lower()


WRONG_BODIES: dict[str, Any] = {
    "no session": {"name": "Ana", "email": "ana@example.org", "sessions": []},
    "sessions not a list": {"name": "Ana", "email": "ana@example.org", "sessions": "day1"},
    "a number for a name": {"name": 12, "email": "ana@example.org", "sessions": ["day1"]},
    "an unknown language": {"name": "Ana", "email": "ana@example.org", "sessions": ["day1"], "language": "fr"},
    "too many sessions": {"name": "Ana", "email": "ana@example.org", "sessions": [f"s{n}" for n in range(101)]},
    "answers not an object": {"name": "Ana", "email": "ana@example.org", "sessions": ["day1"], "answers": []},
}


@pytest.mark.usefixtures("workshop")
@pytest.mark.parametrize("language", i18n.LANGUAGES)
async def test_every_wrong_api_body_is_answered_in_the_readers_language(
    client: httpx.AsyncClient, language: str
) -> None:
    headers = {"Accept-Language": language}

    answers = {
        name: await client.post("/api/v1/events/workshop/registrations", json=body, headers=headers)
        for name, body in WRONG_BODIES.items()
    }

    for name, answer in answers.items():
        assert answer.status_code == 422, f"{name}: {answer.status_code} {answer.text}"
        fields = answer.json()["fields"]
        assert fields, f"{name}: the field is named"
        assert _leaks(" ".join(fields.values())) == [], f"{name} in {language}: {fields}"
