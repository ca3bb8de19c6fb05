"""Registration questions an event asks (dietary needs, interpretation, childcare) and the answers given."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from events.program.models import Event, Session, worded
from events.registrations.models import Registration


class QuestionKind(StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    ONE_CHOICE = "one_choice"
    SEVERAL_CHOICES = "several_choices"
    YES_NO = "yes_no"


class Question(Model):
    """One question on an event's registration form, as pretix and Indico have them.

    `choices` lists the options of a choice question, in order. A question tied to a `session` is
    asked only of people who choose that session (dietary needs for the reception).
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="questions", on_delete=fields.CASCADE
    )
    code = fields.CharField(max_length=32, description="Short name: the column heading in exports")
    label = fields.CharField(max_length=300)
    help_text = fields.TextField(default="")
    kind = fields.CharEnumField(QuestionKind, max_length=16)
    required = fields.BooleanField(default=False)
    choices: list[str] = fields.JSONField(default=list)
    session: fields.ForeignKeyNullableRelation[Session] = fields.ForeignKeyField(
        "models.Session", related_name="questions", null=True, on_delete=fields.CASCADE
    )
    position = fields.IntField(default=0)
    # Answers keep each choice as written, whatever translation the reader saw.
    #: The label, help text and choices in other languages: `{"en": {"label": …, "choices": {"肉": "Meat"}}}`.
    translations: dict[str, dict[str, Any]] | None = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "question"
        ordering = ["position", "id"]
        unique_together = (("event", "code"),)

    def __str__(self) -> str:
        return self.code

    def text(self, field: str, language: str) -> str:
        """`label` or `help_text` in `language` when the organizer wrote it so, else as written."""
        return worded(self.translations, field, language) or str(getattr(self, field))

    def choice_label(self, choice: str, language: str) -> str:
        """One choice as a reader of `language` sees it (the answer stored is always `choice`)."""
        translated = ((self.translations or {}).get(language) or {}).get("choices") or {}
        return str(translated.get(choice) or choice)

    def choice_options(self, language: str) -> list[tuple[str, str]]:
        """The choices as (value sent, label shown) in `language`."""
        return [(choice, self.choice_label(choice, language)) for choice in self.choices]


class Answer(Model):
    """A registration's answer to one question: text, a choice, several choices (a list) or yes/no."""

    id = fields.IntField(primary_key=True)
    registration: fields.ForeignKeyRelation[Registration] = fields.ForeignKeyField(
        "models.Registration", related_name="answers", on_delete=fields.CASCADE
    )
    question: fields.ForeignKeyRelation[Question] = fields.ForeignKeyField(
        "models.Question", related_name="answers", on_delete=fields.CASCADE
    )
    value: str | list[str] | bool = fields.JSONField()

    class Meta:
        table = "answer"
        ordering = ["id"]
        unique_together = (("registration", "question"),)
