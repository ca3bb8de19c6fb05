"""What a participant sends to register."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, WithJsonSchema, field_validator

from events.i18n import gettext as _
from events.questions.schemas import MAX_ANSWERS, answers_schema
from events.registrations.models import Language
from events.validation import Input, OptionalText, RequiredText


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254:
        raise ValueError(_("An e-mail address has at most 254 characters."))
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        # Not the library's reason: it is English only, and the participant may read Tagalog.
        raise ValueError(_("Not a valid e-mail address. Please check it for typing mistakes.")) from None
    return checked.normalized


Email = Annotated[str, AfterValidator(_email), WithJsonSchema({"type": "string", "format": "email", "maxLength": 254})]


class RegistrationInput(Input):
    name: RequiredText
    name_reading: OptionalText = ""
    email: Email
    organization: OptionalText = ""
    category: str | None = Field(default=None, max_length=64)
    language: Language = Language.JA
    sessions: list[Annotated[str, Field(max_length=32)]] = Field(min_length=1, max_length=100)
    #: Keyed by question code; checked against the event's questions by the registration service.
    answers: Annotated[dict[str, Any], WithJsonSchema(answers_schema())] = Field(
        default_factory=dict, max_length=MAX_ANSWERS
    )
    #: Whether required questions must be answered.
    answers_required: ClassVar[bool] = True

    @field_validator("sessions")
    @classmethod
    def _distinct(cls, sessions: list[str]) -> list[str]:
        return list(dict.fromkeys(code.strip() for code in sessions))


class WalkInInput(RegistrationInput):
    """Someone registered at the desk on the day: the e-mail address may be left out."""

    email: Email | Literal[""] = ""
    #: The desk form does not ask the questions: a walk-in is not held up by a required one.
    answers_required: ClassVar[bool] = False
