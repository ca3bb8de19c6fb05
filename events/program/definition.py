"""An event's whole definition as one YAML file, so an event can be set up from a file kept in version control.

The file holds what an organizer sets up (the event's fields, its sessions and its registration
questions), never registrations. Reading one goes through the same schemas as the API and the
staff area (`EventInput`, `QuestionInput`) and the same services, in one transaction: a file
either applies whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from pydantic import ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from events import clock
from events.database import atomic
from events.errors import InvalidInput
from events.i18n import gettext as _
from events.i18n import ngettext
from events.program import service as program
from events.program.models import Event, EventStatus, Session
from events.program.schemas import EventInput, EventPatch, SessionInput
from events.questions import service as questions
from events.questions.models import Question
from events.questions.schemas import MAX_ANSWERS, QuestionInput
from events.validation import field_errors

_STRICT = ConfigDict(extra="forbid")


class SessionDefinition(SessionInput):
    model_config = _STRICT


class QuestionDefinition(QuestionInput):
    model_config = _STRICT


class EventDefinition(EventInput):
    """The file's content. Unlike the API, a key the schema does not know is an error: in a
    hand-edited file it is almost always a misspelling, which would otherwise be dropped unseen."""

    model_config = _STRICT

    status: Literal["draft", "published", "closed", "cancelled"] = "published"
    sessions: list[SessionDefinition] = Field(min_length=1, max_length=200)  # type: ignore[assignment]
    questions: list[QuestionDefinition] = Field(default_factory=list, max_length=MAX_ANSWERS)

    @field_validator("questions")
    @classmethod
    def _questions_fit(cls, items: list[QuestionDefinition], info: ValidationInfo) -> list[QuestionDefinition]:
        codes = [question.code for question in items]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            raise ValueError(_("Question codes must differ; repeated: %(codes)s.") % {"codes": ", ".join(repeated)})
        if "sessions" not in info.data:
            return items  # the sessions are wrong themselves: that is the error to show
        sessions = {session.code for session in info.data["sessions"]}
        for question in items:
            if question.session is not None and question.session not in sessions:
                message = _("Question %(question)r is tied to %(session)r, which is not among the sessions.")
                raise ValueError(message % {"question": question.code, "session": question.session})
        return items

    def event_input(self) -> EventInput:
        return EventInput.model_validate(self.model_dump(exclude={"status", "questions"}))

    def question_inputs(self) -> list[QuestionInput]:
        return [QuestionInput.model_validate(question.model_dump()) for question in self.questions]


@dataclass
class Applied:
    """What applying a file did, for the command to report."""

    event: Event
    created: bool
    questions: int = 0
    removed_sessions: list[str] = field(default_factory=list)
    removed_questions: list[str] = field(default_factory=list)


# Writing ----------------------------------------------------------------------------------------


async def export(slug: str) -> dict[str, Any]:
    """The event's definition as plain data, times in the event's own zone."""
    event = await program.get_event(slug, include_hidden=True)
    zone = event.timezone
    sessions = sorted(event.sessions, key=lambda session: (session.position, session.starts_at, session.id))
    codes = {session.id: session.code for session in sessions}

    def local(moment: Any) -> Any:
        return None if moment is None else clock.local(moment, zone)

    return {
        "slug": event.slug,
        "title": event.title,
        "description": event.description,
        "language": event.language,
        "translations": event.translations or {},
        "retention_days": event.retention_days,
        "status": str(event.status),
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "timezone": zone,
        "venue": event.venue,
        "city": event.city,
        "registration_opens_at": local(event.registration_opens_at),
        "registration_closes_at": local(event.registration_closes_at),
        "categories": [{**item, "label": item.get("label") or item["code"]} for item in event.categories],
        "sessions": [
            {
                "code": session.code,
                "title": session.title,
                "description": session.description,
                "kind": str(session.kind),
                "starts_at": local(session.starts_at),
                "ends_at": local(session.ends_at),
                "location": session.location,
                "capacity": session.capacity,
                "translations": session.translations or {},
            }
            for session in sessions
        ],
        "questions": [
            {
                "code": question.code,
                "label": question.label,
                "help_text": question.help_text,
                "kind": str(question.kind),
                "required": question.required,
                "choices": list(question.choices),
                "session": codes.get(question.session_id),  # type: ignore[attr-defined]
                "translations": question.translations or {},
            }
            for question in await questions.questions_of(event)
        ],
    }


HEADER = (
    "# Tsudoi event definition: the event, its sessions and its registration questions (no registrations).\n"
    "# Times carry their UTC offset. Apply changes with: tsudoi event import FILE --update\n"
)


class _Dumper(yaml.SafeDumper):
    """Safe YAML, with text of several lines written as a block, so descriptions read as they are typed."""


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_Dumper.add_representer(str, _text)


def to_yaml(data: dict[str, Any]) -> str:
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    return HEADER + body


# Reading ----------------------------------------------------------------------------------------


class DefinitionError(Exception):
    """A file that cannot be applied: each problem with the path of the field it is about."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems.items()))
        self.problems = problems


def from_yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "file"
        raise DefinitionError({where: _("Not valid YAML: %(problem)s.") % {"problem": exc.problem}}) from None
    except yaml.YAMLError as exc:
        raise DefinitionError({"file": _("Not valid YAML: %(problem)s.") % {"problem": exc}}) from None


def validate(data: Any) -> EventDefinition:
    """The definition, or a `DefinitionError` naming every bad field by its path (`sessions.1.ends_at`)."""
    if not isinstance(data, dict):
        raise DefinitionError({"file": _("Expected the keys of an event (slug, title, sessions, ...) at the top.")})
    try:
        return EventDefinition.model_validate(data)
    except ValidationError as exc:
        problems = field_errors(exc)
        for error in exc.errors(include_url=False):
            if error["type"] == "extra_forbidden":
                path = ".".join(str(part) for part in error["loc"])
                problems[path] = _("Not a field of an event definition (misspelt?).")
        raise DefinitionError({_readable(path, data): message for path, message in problems.items()}) from None


def _readable(path: str, data: dict[str, Any]) -> str:
    """`sessions.1.ends_at` → `sessions.1 (day2).ends_at`: which session, by the code the file gives it."""
    parts = path.split(".")
    if len(parts) >= 2 and parts[0] in ("sessions", "questions") and parts[1].isdigit():
        items = data.get(parts[0])
        index = int(parts[1])
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            code = items[index].get("code")
            if isinstance(code, str) and code:
                parts[1] = f"{parts[1]} ({code})"
    return ".".join(parts)


async def apply(data: Any, *, update: bool = False) -> Applied:
    """Create the event the file defines; with `update`, bring an existing event of that slug in line with it.

    Updating changes what differs through the same rules as the staff area: a capacity is never
    below the seats confirmed, a raised one promotes waiting people, a changed time raises the
    session's calendar SEQUENCE. A session or question left out of the file is removed only when
    nobody holds a seat in it or has answered it; otherwise the file is refused, so that nobody's
    registration changes without the staff area's confirmation.
    """
    definition = validate(data)

    async def work() -> Applied:
        existing = await Event.get_or_none(slug=definition.slug)
        if existing is None:
            event = await program.create_event(definition.event_input(), status=EventStatus(definition.status))
            await _save_questions(event, definition.question_inputs(), existing={})
            return Applied(event, created=True)
        if not update:
            raise program.SlugTaken(
                _("An event with the slug %(slug)r already exists. Use --update to change it.")
                % {"slug": definition.slug}
            )
        return await _update(definition)

    try:
        applied = await atomic(work)
    except InvalidInput as exc:
        raise DefinitionError({_readable(path, data): message for path, message in exc.fields.items()}) from None
    applied.event = await program.get_event(definition.slug, include_hidden=True)
    applied.questions = len(definition.questions)
    return applied


async def _update(definition: EventDefinition) -> Applied:
    slug = definition.slug
    fields = definition.model_dump(exclude={"slug", "questions"})
    await program.update_event(slug, EventPatch.model_validate(fields))
    event = await program.get_event(slug, include_hidden=True)
    applied = Applied(event, created=False)

    wanted = [session.code for session in definition.sessions]
    for session in event.sessions:
        if session.code not in wanted:
            held = await program.seats_held(session)
            if held.people:
                message = ngettext(
                    "Session %(code)r is in the event but not in the file, and %(num)d person holds a seat in it. "
                    "Remove it in the staff area, which asks to confirm, or put it back in the file.",
                    "Session %(code)r is in the event but not in the file, and %(num)d people hold a seat in it. "
                    "Remove it in the staff area, which asks to confirm, or put it back in the file.",
                    held.people,
                )
                raise InvalidInput({"sessions": message % {"code": session.code, "num": held.people}})
            await program.remove_session(slug, session.code)
            applied.removed_sessions.append(session.code)
    for position, code in enumerate(wanted):
        await Session.filter(event_id=event.id, code=code).update(position=position)

    event = await program.get_event(slug, include_hidden=True)
    existing = {question.code: question for question in await questions.questions_of(event)}
    inputs = definition.question_inputs()
    kept = {item.code for item in inputs}
    for code, question in existing.items():
        if code in kept:
            continue
        answered = await questions.answered_count(question)
        if answered:
            message = ngettext(
                "Question %(code)r is in the event but not in the file, and %(num)d person has answered it. "
                "Remove it in the staff area, or put it back in the file.",
                "Question %(code)r is in the event but not in the file, and %(num)d people have answered it. "
                "Remove it in the staff area, or put it back in the file.",
                answered,
            )
            raise InvalidInput({"questions": message % {"code": code, "num": answered}})
        await questions.remove_question(event, code)
        applied.removed_questions.append(code)
    await _save_questions(event, inputs, existing)
    return applied


async def _save_questions(event: Event, inputs: list[QuestionInput], existing: dict[str, Question]) -> None:
    """Add or change each question (the questions service keeps answers meaningful), in the file's order."""
    for index, item in enumerate(inputs):
        try:
            if item.code in existing:
                await questions.edit_question(event, item.code, item)
            else:
                await questions.add_question(event, item)
        except InvalidInput as exc:
            raise InvalidInput({f"questions.{index}.{key}": message for key, message in exc.fields.items()}) from None
        await Question.filter(event_id=event.id, code=item.code).update(position=index)
