"""What an organizer sends to add or change a registration question, and the limits on answers."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, Field, PlainSerializer, ValidationInfo, WithJsonSchema, field_validator

from events.i18n import Language
from events.i18n import gettext as _
from events.program.schemas import plain_translations
from events.questions.models import QuestionKind
from events.text import clean_line, forbidden_character
from events.validation import Input, OptionalText, RequiredText, character_error

CODE = re.compile(r"^[a-z0-9_-]{1,32}$")
CHOICE_KINDS = frozenset({QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES})
TEXT_KINDS = frozenset({QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT})
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 2000
HELP_TEXT_MAX = 1000
CHOICE_MAX = 100
MAX_CHOICES = 50
#: An event asks at most this many questions; a registration body answers at most as many.
MAX_ANSWERS = 100
#: Exports put several choices in one cell, separated by this: a choice may not contain it.
CHOICE_SEPARATOR = "; "

#: An answer as stored and as the API shows it: text, one choice, several choices, or yes/no.
AnswerValue = str | list[str] | bool


def clean_paragraphs(text: str) -> str:
    """Several lines of text (a long answer, a help text): NFC, Unix line ends, trimmed.

    Line breaks and tabs are what set it apart from a single line; every other control
    character, and the bidirectional overrides, are refused as they are in names.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    bad = forbidden_character(text.replace("\n", "").replace("\t", ""))
    if bad is not None:
        raise ValueError(character_error(bad))
    return text.strip()


def _code(value: str) -> str:
    value = value.strip()
    if not CODE.match(value):
        raise ValueError(
            _("Use 1 to 32 lower-case letters, digits, - or _ (the code heads the question's column in exports).")
        )
    return value


def _help_text(value: str) -> str:
    value = clean_paragraphs(value)
    if len(value) > HELP_TEXT_MAX:
        raise ValueError(_("At most %(count)s characters.") % {"count": HELP_TEXT_MAX})
    return value


QuestionCode = Annotated[
    str, AfterValidator(_code), WithJsonSchema({"type": "string", "pattern": CODE.pattern, "maxLength": 32})
]
HelpText = Annotated[str, AfterValidator(_help_text), WithJsonSchema({"type": "string", "maxLength": HELP_TEXT_MAX})]


def _choice(choice: str) -> str:
    """One choice as written: a single line, without what the exports cannot hold."""
    bad = forbidden_character(choice)
    if bad is not None:
        raise ValueError(character_error(bad))
    choice = clean_line(choice)
    if len(choice) > CHOICE_MAX:
        raise ValueError(_("A choice has at most %(count)s characters.") % {"count": CHOICE_MAX})
    return choice


class QuestionWording(Input):
    """A question in one more language. `choices` maps a choice as written to its translation; the
    answer kept is the choice as written, so translating never changes what people answered."""

    label: OptionalText = ""
    help_text: HelpText = ""
    choices: dict[str, str] = Field(default_factory=dict, max_length=MAX_CHOICES)

    @field_validator("choices")
    @classmethod
    def _translated_choices(cls, choices: dict[str, str]) -> dict[str, str]:
        kept: dict[str, str] = {}
        for choice, text in choices.items():
            if text := _choice(text):
                kept[_choice(choice)] = text
        return kept


QuestionTranslations = Annotated[
    dict[Language, QuestionWording],
    AfterValidator(plain_translations),
    PlainSerializer(lambda value: value, return_type=dict[str, dict[str, Any]]),
]


class QuestionInput(Input):
    """A question as the organizer sets it up; `session` is the code of the one session it is tied to."""

    code: QuestionCode
    label: RequiredText
    help_text: HelpText = ""
    kind: QuestionKind
    required: bool = False
    choices: list[str] = Field(default_factory=list, max_length=MAX_CHOICES)
    session: str | None = Field(default=None, max_length=32)
    translations: QuestionTranslations = Field(
        default_factory=dict, description="Label, help text and choices in other languages."
    )

    @field_validator("choices")
    @classmethod
    def _choices(cls, choices: list[str], info: ValidationInfo) -> list[str]:
        """A choice question needs two different choices or more; other kinds keep none."""
        kind = info.data.get("kind")
        if kind is None:
            return choices  # the kind itself is wrong: that is the error to show
        if kind not in CHOICE_KINDS:
            return []
        cleaned: list[str] = []
        for choice in map(_choice, choices):
            if not choice:
                continue
            if CHOICE_SEPARATOR.strip() in choice:
                raise ValueError(_("A choice cannot contain “;”: the exports separate several choices with it."))
            if choice.casefold() in (other.casefold() for other in cleaned):
                raise ValueError(_("“%(choice)s” is listed twice; give each choice once.") % {"choice": choice})
            cleaned.append(choice)
        if len(cleaned) < 2:
            raise ValueError(_("Give at least two different choices, one per line."))
        return cleaned

    @field_validator("session")
    @classmethod
    def _session(cls, session: str | None) -> str | None:
        return (session or "").strip() or None

    @field_validator("translations")
    @classmethod
    def _choices_translated_exist(
        cls, translations: dict[str, dict[str, Any]], info: ValidationInfo
    ) -> dict[str, dict[str, Any]]:
        """A translated choice must be one of the choices (a choice renamed leaves its translation
        behind); a question that has no choices keeps no translated ones."""
        choices = info.data.get("choices")
        if choices is None:
            return translations  # the choices themselves are wrong: that is the error to show
        if not choices:
            plain = {
                language: {k: v for k, v in texts.items() if k != "choices"} for language, texts in translations.items()
            }
            return {language: texts for language, texts in plain.items() if texts}
        for texts in translations.values():
            unknown = [choice for choice in texts.get("choices", {}) if choice not in choices]
            if unknown:
                raise ValueError(
                    _("“%(choice)s” is not one of the choices, so it cannot be translated.") % {"choice": unknown[0]}
                )
        return translations


def answers_schema() -> dict[str, Any]:
    """How `answers` looks in a registration body (for the OpenAPI document)."""
    return {
        "type": "object",
        "description": (
            "Answers keyed by question code: text for short_text/long_text and one_choice, a list of "
            "choices for several_choices, true/false for yes_no. Answers to questions tied to a session "
            "not chosen, and to unknown codes, are ignored."
        ),
        "maxProperties": MAX_ANSWERS,
        "additionalProperties": {
            "anyOf": [
                {"type": "string", "maxLength": LONG_TEXT_MAX},
                {"type": "array", "items": {"type": "string"}, "maxItems": MAX_CHOICES},
                {"type": "boolean"},
                {"type": "null"},
            ]
        },
    }
