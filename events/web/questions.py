"""The staff pages where organizers set up an event's registration questions (organizers only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events.errors import InvalidInput
from events.i18n import LANGUAGE_NAMES, LANGUAGES
from events.i18n import gettext as _
from events.program.models import Event
from events.questions import service
from events.questions.models import Question, QuestionKind
from events.questions.schemas import QuestionInput
from events.staff.models import StaffAccount
from events.validation import parse
from events.web import csrf
from events.web.pages import render
from events.web.routing import route
from events.web.staff import organizer_event, signed_in

KIND_LABELS: dict[QuestionKind, Callable[[], str]] = {
    QuestionKind.SHORT_TEXT: lambda: _("Short text (one line)"),
    QuestionKind.LONG_TEXT: lambda: _("Long text (several lines)"),
    QuestionKind.ONE_CHOICE: lambda: _("One choice"),
    QuestionKind.SEVERAL_CHOICES: lambda: _("Several choices"),
    QuestionKind.YES_NO: lambda: _("Yes or no"),
}
TEXT_FIELDS = ("code", "label", "help_text", "kind", "session", "choices")
#: What an organizer may write in each language, as form fields `translations.<language>.<field>`.
WORDED = ("label", "help_text", "choices")
NEW_QUESTION: dict[str, Any] = {
    **dict.fromkeys(TEXT_FIELDS, ""),
    **{f"translations.{language}.{field}": "" for language in LANGUAGES for field in WORDED},
    "kind": QuestionKind.SHORT_TEXT.value,
    "required": False,
}


def _kinds() -> dict[str, str]:
    return {kind.value: label() for kind, label in KIND_LABELS.items()}


def _asked_of(event: Event) -> dict[str, str]:
    """The choices of "Asked of": everyone, or the people of one session."""
    only = {
        session.code: _("Only people who attend %(session)s") % {"session": session.title} for session in event.sessions
    }
    return {"": _("Everyone"), **only}


def _list_url(request: Request, event: Event, **query: str) -> str:
    return str(request.url_for("staff_questions", slug=event.slug).include_query_params(**query))


@signed_in
async def question_list(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    context = {
        "event": event,
        "questions": await service.questions_of(event),
        "kinds": _kinds(),
        "sessions": {session.id: session for session in event.sessions},
        "saved": request.query_params.get("saved"),
        "removed": request.query_params.get("removed"),
    }
    return render(request, "staff/questions.html", context)


def _form_page(
    request: Request,
    event: Event,
    values: dict[str, Any],
    *,
    question: Question | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    context = {
        "event": event,
        "question": question,
        "values": values,
        "errors": errors or {},
        "kinds": _kinds(),
        "asked_of": _asked_of(event),
        "content_languages": dict(LANGUAGE_NAMES),
    }
    return render(request, "staff/question_form.html", context, status_code=422 if errors else 200)


def _translation_fields() -> list[str]:
    return [f"translations.{language}.{field}" for language in LANGUAGES for field in WORDED]


def _typed(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in (*TEXT_FIELDS, *_translation_fields())}
    values["required"] = form.get("required") == "1"
    return values


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def _question_input(values: dict[str, Any]) -> QuestionInput:
    """The form as the service takes it: one choice per line, no session for "every participant",
    and each language's choices matched to the choices above line by line."""
    choices = [line for line in _lines(values["choices"]) if line]
    translations: dict[str, dict[str, Any]] = {}
    for language in LANGUAGES:
        field = f"translations.{language}."
        translated = _lines(values[field + "choices"])
        while translated and not translated[-1]:
            translated.pop()
        if len(translated) > len(choices):
            raise InvalidInput({field + "choices": _("Give one line per choice above, in the same order.")})
        translations[language] = {
            "label": values[field + "label"],
            "help_text": values[field + "help_text"],
            "choices": {choice: text for choice, text in zip(choices, translated, strict=False) if text},
        }
    data = {**values, "choices": choices, "session": values["session"] or None, "translations": translations}
    return parse(QuestionInput, data)


def _field_errors(fields: dict[str, str]) -> dict[str, str]:
    """Errors keyed by form field (`choices.3` is the choices box, `translations.en.choices.…` the
    English choices box)."""
    errors: dict[str, str] = {}
    for key, message in fields.items():
        parts = key.split(".")
        errors.setdefault(".".join(parts[:3] if parts[0] == "translations" else parts[:1]), message)
    return errors


def _translation_values(question: Question) -> dict[str, str]:
    """The question's translations as the form's fields (choices one per line, in the choices' order)."""
    values = dict.fromkeys(_translation_fields(), "")
    for language, texts in (question.translations or {}).items():
        field = f"translations.{language}."
        values[field + "label"] = texts.get("label", "")
        values[field + "help_text"] = texts.get("help_text", "")
        translated = texts.get("choices", {})
        values[field + "choices"] = "\n".join(translated.get(choice, "") for choice in question.choices).rstrip("\n")
    return values


@signed_in
async def new_form(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    return _form_page(request, event, dict(NEW_QUESTION))


@signed_in
async def create(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    form = await request.form()
    csrf.check(request, form)
    values = _typed(form)
    try:
        question = await service.add_question(event, _question_input(values))
    except InvalidInput as exc:
        return _form_page(request, event, values, errors=_field_errors(exc.fields))
    return RedirectResponse(_list_url(request, event, saved=question.code), status_code=303)


@signed_in
async def edit_form(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    question = await service.get_question(event, request.path_params["code"])
    sessions = await service.session_codes(event)
    values = {
        "code": question.code,
        "label": question.label,
        "help_text": question.help_text,
        "kind": question.kind.value,
        "session": sessions.get(question.session_id, ""),  # type: ignore[attr-defined]
        "choices": "\n".join(question.choices),
        "required": question.required,
        **_translation_values(question),
    }
    return _form_page(request, event, values, question=question)


@signed_in
async def save(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    question = await service.get_question(event, request.path_params["code"])
    form = await request.form()
    csrf.check(request, form)
    values = _typed(form)
    try:
        edited = await service.edit_question(event, question.code, _question_input(values))
    except InvalidInput as exc:
        return _form_page(request, event, values, question=question, errors=_field_errors(exc.fields))
    return RedirectResponse(_list_url(request, event, saved=edited.code), status_code=303)


@signed_in
async def move_question(request: Request, account: StaffAccount) -> Response:
    """One place earlier or later on the form: a button per direction, no JavaScript needed."""
    event = await organizer_event(request, account)
    form = await request.form()
    csrf.check(request, form)
    direction = form.get("direction")
    if direction not in ("up", "down"):
        raise InvalidInput({"direction": _("Choose one of: %(codes)s.") % {"codes": "up, down"}})
    code = request.path_params["code"]
    await service.move_question(event, code, -1 if direction == "up" else 1)
    return RedirectResponse(_list_url(request, event) + f"#q-{code}", status_code=303)


@signed_in
async def confirm_remove(request: Request, account: StaffAccount) -> Response:
    """Asks first, saying how many people's answers go with the question."""
    event = await organizer_event(request, account)
    question = await service.get_question(event, request.path_params["code"])
    context = {"event": event, "question": question, "answered": await service.answered_count(question)}
    return render(request, "staff/question_remove.html", context)


@signed_in
async def remove(request: Request, account: StaffAccount) -> Response:
    event = await organizer_event(request, account)
    csrf.check(request, await request.form())
    question = await service.get_question(event, request.path_params["code"])
    await service.remove_question(event, question.code)
    return RedirectResponse(_list_url(request, event, removed=question.code), status_code=303)


ROUTES = [
    route("/events/{slug}/questions", name="staff_questions", get=question_list),
    route("/events/{slug}/questions/new", name="staff_question_new", get=new_form, post=create),
    route("/events/{slug}/questions/{code}/edit", name="staff_question_edit", get=edit_form, post=save),
    route("/events/{slug}/questions/{code}/move", name="staff_question_move", post=move_question),
    route("/events/{slug}/questions/{code}/remove", name="staff_question_remove", get=confirm_remove, post=remove),
]
