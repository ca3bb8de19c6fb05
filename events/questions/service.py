"""Registration questions: setting them up, checking and keeping the answers, and counting them.

An answer is checked against its question when the person registers (`validate_answers`) and
written in the registration's own transaction (`save_answers`), so a registration never exists
without the answers it was accepted with. Questions tied to a session are asked only of people
who choose that session; an answer to one of them from anybody else is ignored, not refused.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from tortoise.exceptions import IntegrityError
from tortoise.fields import JSONField

from events.database import atomic, execute_many, fetch
from events.errors import InvalidInput, NotFound
from events.i18n import gettext as _
from events.i18n import ngettext
from events.program.announce import event_changed
from events.program.models import Event, Session
from events.questions.models import Answer, Question, QuestionKind
from events.questions.schemas import (
    CHOICE_KINDS,
    CHOICE_SEPARATOR,
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    TEXT_KINDS,
    AnswerValue,
    QuestionInput,
    clean_paragraphs,
)
from events.registrations.models import Registration, RegistrationStatus
from events.text import clean_line, forbidden_character, has_visible
from events.validation import character_error

#: The kinds the report counts: each answer is one of a few known options.
COUNTED_KINDS = (QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES, QuestionKind.YES_NO)

# One row per question and distinct answer among active registrations. Several choices are grouped
# by the whole list (stored in choice order, so equal picks are equal lists): a handful of rows,
# split into single choices afterwards, the same SQL on SQLite and PostgreSQL.
COUNTS = (
    'SELECT a."question_id", CAST(a."value" AS TEXT) AS "value", COUNT(*) AS "people" FROM "answer" a '
    'JOIN "question" q ON q."id" = a."question_id" JOIN "registration" r ON r."id" = a."registration_id" '
    'WHERE q."event_id" = ? AND q."kind" IN (?, ?, ?) AND r."status" <> ? GROUP BY a."question_id", a."value"'
)
CHOSEN = (
    'SELECT CAST("value" AS TEXT) AS "value", COUNT(*) AS "people" FROM "answer" WHERE "question_id" = ? '
    'GROUP BY "value"'
)
INSERT_ANSWER = 'INSERT INTO "answer" ("registration_id", "question_id", "value") VALUES (?, ?, ?)'
EVENT_ANSWERS = (
    'SELECT a."registration_id", a."question_id", CAST(a."value" AS TEXT) AS "value" FROM "answer" a '
    'JOIN "question" q ON q."id" = a."question_id" WHERE q."event_id" = ?'
)


# Setting questions up ----------------------------------------------------------------------


async def questions_of(event: Event) -> list[Question]:
    """The event's questions in the order the form asks them (from the event when it was read with them)."""
    if getattr(event.questions, "_fetched", False):  # type: ignore[attr-defined]
        return sorted(event.questions, key=lambda question: (question.position, question.id))  # type: ignore[attr-defined]
    return await Question.filter(event_id=event.id).order_by("position", "id")


async def get_question(event: Event, code: str) -> Question:
    question = await Question.get_or_none(event_id=event.id, code=code)
    if question is None:
        raise NotFound(_("This event has no question of that code."))
    return question


async def _sessions(event: Event) -> list[Session]:
    if getattr(event.sessions, "_fetched", False):
        return list(event.sessions)
    return await Session.filter(event_id=event.id)


async def session_codes(event: Event) -> dict[int, str]:
    """Session id → code, to say which session a question is tied to."""
    return {session.id: session.code for session in await _sessions(event)}


async def _session_id(event: Event, code: str | None) -> int | None:
    if code is None:
        return None
    for session in await _sessions(event):
        if session.code == code:
            return session.id
    raise InvalidInput({"session": _("No such session in this event: %(codes)s.") % {"codes": code}})


def _code_taken(code: str) -> InvalidInput:
    return InvalidInput({"code": _("This event already has a question with the code %(code)r.") % {"code": code}})


async def add_question(event: Event, data: QuestionInput) -> Question:
    """A new question, asked after the event's other questions."""
    session_id = await _session_id(event, data.session)

    async def work() -> Question:
        if await Question.exists(event_id=event.id, code=data.code):
            raise _code_taken(data.code)
        last = await Question.filter(event_id=event.id).order_by("-position").first()
        return await Question.create(
            event_id=event.id,
            position=0 if last is None else last.position + 1,
            session_id=session_id,
            **data.model_dump(exclude={"session"}),
        )

    try:
        question = await atomic(work)
    except IntegrityError:
        raise _code_taken(data.code) from None
    await event_changed(event)
    return question


async def edit_question(event: Event, code: str, data: QuestionInput) -> Question:
    """Change a question. What people have answered stays meaningful: a question with answers keeps
    its kind (short and long text aside), and a choice somebody chose stays among the choices."""
    session_id = await _session_id(event, data.session)

    async def work() -> Question:
        question = await get_question(event, code)
        if data.code != question.code and await Question.exists(event_id=event.id, code=data.code):
            raise _code_taken(data.code)
        await _check_answers_still_fit(question, data)
        for name, value in data.model_dump(exclude={"session"}).items():
            setattr(question, name, value)
        question.session_id = session_id
        await question.save()
        return question

    try:
        question = await atomic(work)
    except IntegrityError:
        raise _code_taken(data.code) from None
    await event_changed(event)
    return question


async def _check_answers_still_fit(question: Question, data: QuestionInput) -> None:
    changes_kind = data.kind != question.kind and not {data.kind, question.kind} <= TEXT_KINDS
    removed = [choice for choice in question.choices if choice not in data.choices]
    if changes_kind:
        answered = await Answer.filter(question_id=question.id).count()
        if answered:
            message = ngettext(
                "%(num)d person has answered this question; the answer would not fit another kind of question. "
                "Add a new question instead.",
                "%(num)d people have answered this question; their answers would not fit another kind of "
                "question. Add a new question instead.",
                answered,
            )
            raise InvalidInput({"kind": message % {"num": answered}})
    elif question.kind in CHOICE_KINDS and removed:
        chosen = _split(await fetch(CHOSEN, [question.id]))
        kept = [choice for choice in removed if chosen.get(choice)]
        if kept:
            message = _("People have chosen “%(choice)s”, so it stays among the choices (add a new one beside it).")
            raise InvalidInput({"choices": message % {"choice": kept[0]}})


async def move_question(event: Event, code: str, step: int) -> None:
    """Move a question `step` places earlier (negative) or later on the form."""

    async def work() -> None:
        questions = await questions_of(event)
        index = next((index for index, question in enumerate(questions) if question.code == code), None)
        if index is None:
            raise NotFound(_("This event has no question of that code."))
        target = min(max(index + step, 0), len(questions) - 1)
        questions.insert(target, questions.pop(index))
        for position, question in enumerate(questions):
            if question.position != position:
                await Question.filter(id=question.id).update(position=position)

    await atomic(work)
    await event_changed(event)


async def remove_question(event: Event, code: str) -> None:
    """Remove a question and every answer given to it."""
    question = await get_question(event, code)
    await question.delete()
    await event_changed(event)


async def answered_count(question: Question) -> int:
    """How many registrations answered the question (cancelled ones too): what removing it loses."""
    return await Answer.filter(question_id=question.id).count()


# Answers ------------------------------------------------------------------------------------


async def validate_answers(
    event: Event,
    chosen_session_codes: Iterable[str],
    raw_answers: Mapping[str, Any],
    *,
    enforce_required: bool = True,
) -> dict[Question, AnswerValue]:
    """The answers to keep for a person choosing these sessions, keyed by question.

    Raises `InvalidInput` with a message per question (`answers.<code>`). Unanswered optional
    questions, questions tied to a session not chosen, and unknown codes are left out.
    """
    questions = await questions_of(event)
    if not questions:
        return {}
    sessions = await session_codes(event)
    chosen = set(chosen_session_codes)
    asked = [question for question in questions if _tied_to(question) is None or _code_of(question, sessions) in chosen]
    return _checked(asked, raw_answers, enforce_required=enforce_required)


async def validate_added_answers(
    registration: Registration, added_session_codes: Iterable[str], raw_answers: Mapping[str, Any]
) -> dict[Question, AnswerValue]:
    """The answers to add when a participant takes more sessions: to the questions tied to those
    sessions that they have not answered before (a required one must be). Raises `InvalidInput`
    as `validate_answers` does; answers to any other question are ignored."""
    added = set(added_session_codes)
    if not added:
        return {}
    sessions = await session_codes(registration.event)
    answered = cast(
        list[int], await Answer.filter(registration_id=registration.id).values_list("question_id", flat=True)
    )
    asked = [
        question
        for question in await questions_of(registration.event)
        if _code_of(question, sessions) in added and question.id not in answered
    ]
    return _checked(asked, raw_answers, enforce_required=True)


def _tied_to(question: Question) -> int | None:
    """The id of the session the question is asked for, or None when it is asked of everyone."""
    return cast(int | None, question.session_id)  # type: ignore[attr-defined]


def _code_of(question: Question, sessions: Mapping[int, str]) -> str:
    """The code of the session the question is tied to ("" for a question asked of everyone)."""
    session_id = _tied_to(question)
    return "" if session_id is None else sessions.get(session_id, "")


def _checked(
    questions: Iterable[Question], raw_answers: Mapping[str, Any], *, enforce_required: bool
) -> dict[Question, AnswerValue]:
    """Each question's answer checked; every problem raised at once, one per question."""
    answers: dict[Question, AnswerValue] = {}
    errors: dict[str, str] = {}
    for question in questions:
        field = f"answers.{question.code}"
        try:
            value = check_answer(question, raw_answers.get(question.code))
        except ValueError as exc:
            errors[field] = str(exc)
            continue
        if value is not None:
            answers[question] = value
        elif question.required and enforce_required:
            errors[field] = _("This field is required.")
    if errors:
        raise InvalidInput(errors)
    return answers


def check_answer(question: Question, raw: Any) -> AnswerValue | None:
    """The answer to keep, cleaned like names are; None when there is none. ValueError says what is wrong."""
    if raw is None:
        return None
    kind = question.kind
    if kind in TEXT_KINDS:
        if not isinstance(raw, str):
            raise ValueError(_("Expected text."))
        if kind == QuestionKind.SHORT_TEXT:
            bad = forbidden_character(raw)
            if bad is not None:
                raise ValueError(character_error(bad))
            text, limit = clean_line(raw), SHORT_TEXT_MAX
        else:
            text, limit = clean_paragraphs(raw), LONG_TEXT_MAX
        if len(text) > limit:
            raise ValueError(_("At most %(count)s characters.") % {"count": limit})
        return text if has_visible(text) else None  # zero-width characters alone answer nothing
    if kind == QuestionKind.ONE_CHOICE:
        if not isinstance(raw, str):
            raise ValueError(_("Expected one of the choices, as text."))
        choice = clean_line(raw)
        if choice and choice not in question.choices:
            raise ValueError(_("Choose one of: %(codes)s.") % {"codes": ", ".join(question.choices)})
        return choice or None
    if kind == QuestionKind.SEVERAL_CHOICES:
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise ValueError(_("Expected a list of choices."))
        picked = {clean_line(item) for item in raw} - {""}
        if picked - set(question.choices):
            raise ValueError(_("Choose among: %(choices)s.") % {"choices": ", ".join(question.choices)})
        return [choice for choice in question.choices if choice in picked] or None
    if not isinstance(raw, bool):
        raise ValueError(_("Answer true (yes) or false (no)."))
    return raw


async def save_answers(registration: Registration, answers: Mapping[Question, AnswerValue]) -> None:
    """Keep exactly these answers for the registration, in the caller's transaction.

    Written in SQL, encoded here: Tortoise's JSONField takes a Python string for JSON that is already
    encoded, so a text answer given to the ORM would be refused, or read back as a number ("12").
    """
    await Answer.filter(registration_id=registration.id).delete()
    await add_answers(registration, answers)


async def add_answers(registration: Registration, answers: Mapping[Question, AnswerValue]) -> None:
    """Keep these answers beside the registration's others, in the caller's transaction."""
    if answers:
        await Answer.filter(registration_id=registration.id, question_id__in=[q.id for q in answers]).delete()
        await execute_many(INSERT_ANSWER, [[registration.id, *row] for row in encoded_answers(answers)])


def encoded_answers(answers: Mapping[Question, AnswerValue]) -> list[list[object]]:
    """Each answer as `INSERT_ANSWER` takes it after the registration's id: the question's id, the
    value as JSON."""
    encode = cast(JSONField[Any], Answer._meta.fields_map["value"]).encoder
    return [[question.id, encode(value)] for question, value in answers.items()]


async def answers_of(registration: Registration) -> dict[Question, AnswerValue]:
    """The registration's answers, in the form's order."""
    rows = (
        await Answer.filter(registration_id=registration.id)
        .select_related("question")
        .order_by("question__position", "question__id")
    )
    return {row.question: row.value for row in rows}


async def answers_by_code(registration_ids: list[int]) -> dict[int, dict[str, AnswerValue]]:
    """For a page of registrations (the staff's API list), each one's answers keyed by question code."""
    found: dict[int, dict[str, AnswerValue]] = defaultdict(dict)
    if registration_ids:
        rows = (
            await Answer.filter(registration_id__in=registration_ids)
            .select_related("question")
            .order_by("question__position", "question__id")
        )
        for row in rows:
            found[row.registration_id][row.question.code] = row.value  # type: ignore[attr-defined]
    return found


async def event_answers(event: Event) -> dict[int, dict[int, AnswerValue]]:
    """Every answer given for the event in one query: registration id → question id → answer (for exports)."""
    found: dict[int, dict[int, AnswerValue]] = defaultdict(dict)
    for row in await fetch(EVENT_ANSWERS, [event.id]):
        found[row["registration_id"]][row["question_id"]] = json.loads(row["value"])
    return found


def answer_text(value: AnswerValue) -> str:
    """An answer as plain text (a spreadsheet cell): several choices joined with "; ", yes/no as `yes`/`no`."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return CHOICE_SEPARATOR.join(value)
    return value


# Counting for the report -------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionCounts:
    """How many active registrations gave each option of one question (cancelled ones not counted).

    `options` pairs each choice (or `yes` / `no`) with its count, most chosen first; `answered` is
    the people who answered at all (with several choices, less than the sum of the counts).
    """

    code: str
    label: str
    kind: QuestionKind
    options: list[tuple[str, int]]
    answered: int

    def option_label(self, option: str) -> str:
        if self.kind == QuestionKind.YES_NO:
            return _("Yes") if option == "yes" else _("No")
        return option

    def summary(self) -> str:
        """`Tagalog 12, Portuguese 7, Korean 3`, with yes and no in the current language."""
        return ", ".join(f"{self.option_label(option)} {people}" for option, people in self.options)


async def answer_counts(event: Event) -> list[QuestionCounts]:
    """For each choice and yes/no question, in the form's order, the people who gave each option."""
    questions = [question for question in await questions_of(event) if question.kind in COUNTED_KINDS]
    if not questions:
        return []
    rows = await fetch(COUNTS, [event.id, *(kind.value for kind in COUNTED_KINDS), RegistrationStatus.CANCELLED.value])
    by_question: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_question[row["question_id"]].append(row)
    return [_counts(question, by_question[question.id]) for question in questions]


def _counts(question: Question, rows: list[dict[str, Any]]) -> QuestionCounts:
    chosen = _split(rows)
    answered = sum(int(row["people"]) for row in rows)
    if question.kind == QuestionKind.YES_NO:
        options = [("yes", chosen.get("yes", 0)), ("no", chosen.get("no", 0))]
    else:
        # Every choice, also those nobody chose (nobody needs Korean: book no interpreter), then any
        # answer no longer among the choices; most chosen first, ties in the form's order.
        names = [*question.choices, *(name for name in chosen if name not in question.choices)]
        options = sorted(((name, chosen.get(name, 0)) for name in names), key=lambda pair: -pair[1])
    return QuestionCounts(question.code, question.label, question.kind, options, answered)


def _split(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Grouped answers (`"Tagalog"`, `["Halal", "Vegan"]`, `true`) → people per single option."""
    chosen: dict[str, int] = defaultdict(int)
    for row in rows:
        value = json.loads(row["value"])
        for option in value if isinstance(value, list) else [value]:
            chosen[answer_text(option)] += int(row["people"])
    return dict(chosen)
