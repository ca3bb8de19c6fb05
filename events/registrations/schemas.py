"""What a participant sends to register."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, WithJsonSchema, field_validator

from events.i18n import Language
from events.questions.schemas import MAX_ANSWERS, answers_schema
from events.validation import Email, Input, OptionalText, RequiredText


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
    reduced_fee: bool = Field(
        default=False, description="(extension) Pay the event's reduced price where it has one; no reason is asked."
    )
    member_number: str = Field(
        default="",
        max_length=32,
        description="(extension) In a member category: the member number, if the person knows it (else the "
        "roster is matched by e-mail address).",
    )
    #: Whether required questions must be answered.
    answers_required: ClassVar[bool] = True
    #: Whether a staff-only category may be chosen (staff register people at the desk; the public may not).
    staff_categories: ClassVar[bool] = False

    @field_validator("sessions")
    @classmethod
    def _distinct(cls, sessions: list[str]) -> list[str]:
        return list(dict.fromkeys(code.strip() for code in sessions))


class WalkInInput(RegistrationInput):
    """Someone registered at the desk on the day: the e-mail address may be left out."""

    email: Email | Literal[""] = ""
    #: The desk form does not ask the questions: a walk-in is not held up by a required one.
    answers_required: ClassVar[bool] = False
    staff_categories: ClassVar[bool] = True
