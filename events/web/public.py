"""Public pages: upcoming events, an event with its registration form, the participant's own page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from events import i18n
from events.badges.service import badge_qr
from events.calendars import Entry, calendar
from events.certificates import service as certificates
from events.checkin.models import CheckIn
from events.errors import Conflict, InvalidInput, RateLimited
from events.http.common import NO_STORE, base_url, client_address, settings_of
from events.http.receipts import receipt_json
from events.i18n import gettext as _
from events.links import event_calendar_links, participant_links
from events.money import cancellation, receipts, transfers
from events.program import service as program
from events.program.models import Event, Session
from events.questions.models import Question, QuestionKind
from events.questions.service import answers_of, questions_of, validate_answers
from events.registrations import privacy, service
from events.registrations.models import Registration
from events.registrations.schemas import RegistrationInput
from events.registrations.seats import waitlist_positions
from events.validation import Input, RequiredText, parse
from events.web import csrf
from events.web.pages import render
from events.web.routing import route

FORM_FIELDS = ("name", "name_reading", "email", "organization", "category", "member_number")
#: A yes/no question's radio buttons, as the service takes the answer (anything else is refused there).
YES_NO: dict[str, bool | None] = {"yes": True, "no": False, "": None}


async def index(request: Request) -> Response:
    events = await program.upcoming_events()
    return render(request, "index.html", {"events": events})


def _event_page(
    request: Request,
    event: Event,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problem: str | None = None,
    status_code: int = 200,
    *,
    questions: Sequence[Question] = (),
    problem_code: str = "",
    headers: Mapping[str, str] | None = None,
) -> Response:
    # A question tied to a session is asked under that session's box; the others after the person's details.
    tied: dict[int, list[Question]] = defaultdict(list)
    for question in questions:
        if question.session_id is not None:  # type: ignore[attr-defined]
            tied[question.session_id].append(question)  # type: ignore[attr-defined]
    context = {
        "event": event,
        "registration_open": program.registration_open(event),
        "window": program.registration_window(event),
        "values": values or {"sessions": [], "category": "participant", "answers": {}},
        "errors": errors or {},
        "problem": problem,
        "problem_code": problem_code,
        "questions": [question for question in questions if question.session_id is None],  # type: ignore[attr-defined]
        "session_questions": tied,
        "fees": session_fees(event),
        "reduced_offered": any("reduced" in price for price in event.prices),
        "calendar": event_calendar_links(base_url(request), event.slug),
        "link_sent": request.query_params.get("link") == "sent",
    }
    return render(request, "event.html", context, status_code=status_code, headers=headers)


@dataclass(frozen=True)
class SessionFee:
    """What a session costs, shown beside it before anyone registers: by category, and reduced."""

    by_category: list[tuple[str, int]]
    reduced: int | None


def session_fees(event: Event) -> dict[int, SessionFee]:
    """The fee of each session that has one, for the categories anyone may choose."""
    fees: dict[int, SessionFee] = {}
    for session in event.sessions:
        prices = [
            (category, price)
            for category in event.public_categories
            for price in event.prices
            if price["category"] == category["code"] and price["session"] == session.code
        ]
        if any(price["amount"] for _category, price in prices):
            reduced = [price["reduced"] for _category, price in prices if "reduced" in price]
            by_category = [(event.category_label(category["code"]), price["amount"]) for category, price in prices]
            fees[session.id] = SessionFee(by_category, min(reduced) if reduced else None)
    return fees


async def event_page(request: Request) -> Response:
    event = await program.get_event(request.path_params["slug"])
    return _event_page(request, event, questions=await questions_of(event))


async def register(request: Request) -> Response:
    event = await program.get_event(request.path_params["slug"])
    form = await request.form()
    csrf.check(request, form)
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in FORM_FIELDS}
    values["sessions"] = [str(code) for code in form.getlist("sessions")]
    values["reduced_fee"] = form.get("reduced_fee") == "1"
    questions = await questions_of(event)
    values["answers"], answers = _form_answers(form, questions)
    try:
        await request.app.state.registration_limiter.hit(client_address(request))
        data = parse(
            RegistrationInput,
            {
                **values,
                "language": i18n.current_language(),
                "category": values["category"] or None,
                "answers": answers,
            },
        )
        result = await service.register(event, data)
    except InvalidInput as exc:
        fields = exc.fields
        if not any(key.startswith("answers.") for key in fields):
            # The details were wrong before the answers were looked at: say what is wrong with both at once.
            fields = {**fields, **await _answer_errors(event, values["sessions"], answers)}
        problem = _("Please check the fields marked below.")
        return _event_page(request, event, values, _form_errors(fields), problem, status_code=422, questions=questions)
    except (Conflict, RateLimited) as exc:
        headers = exc.headers if isinstance(exc, RateLimited) else None
        return _event_page(
            request,
            event,
            values,
            {},
            exc.message,
            exc.status_code,
            questions=questions,
            problem_code=exc.code,
            headers=headers,
        )
    target = request.url_for("manage", secret=result.registration.secret)
    response = RedirectResponse(f"{target}?registered=1", status_code=303)
    response.headers.update(NO_STORE)
    return response


async def send_link(request: Request) -> Response:
    """ "Send me my link again": answered the same whether or not the address is registered."""
    event = await program.get_event(request.path_params["slug"])
    form = await request.form()
    csrf.check(request, form)
    try:
        await request.app.state.link_limiter.hit(client_address(request))
    except RateLimited as exc:
        return _event_page(request, event, problem=exc.message, status_code=exc.status_code, headers=exc.headers)
    await service.send_link_again(event, str(form.get("email") or "")[:254])
    target = request.url_for("event", slug=event.slug)
    return RedirectResponse(f"{target}?link=sent#lost-link", status_code=303, headers=NO_STORE)


def _form_errors(fields: dict[str, str]) -> dict[str, str]:
    """Field errors keyed by form field (`sessions.0` belongs to `sessions`; `answers.diet` is its own field)."""
    errors: dict[str, str] = {}
    for key, message in fields.items():
        errors.setdefault(key if key.startswith("answers.") else key.split(".")[0], message)
    return errors


def _form_answers(form: FormData, questions: Sequence[Question]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answers as typed (to show again) and as the service checks them (yes/no as true/false)."""
    typed: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    for question in questions:
        name = f"answers.{question.code}"
        if question.kind == QuestionKind.SEVERAL_CHOICES:
            typed[question.code] = answers[question.code] = [str(value) for value in form.getlist(name)]
            continue
        text = typed[question.code] = str(form.get(name) or "")
        answers[question.code] = YES_NO.get(text, text) if question.kind == QuestionKind.YES_NO else text
    return typed, answers


async def _answer_errors(event: Event, session_codes: list[str], answers: dict[str, Any]) -> dict[str, str]:
    try:
        await validate_answers(event, session_codes, answers)
    except InvalidInput as exc:
        return exc.fields
    return {}


async def manage(request: Request) -> Response:
    registration = await service.by_secret(request.path_params["secret"])
    return await _manage_page(request, registration)


async def _manage_page(
    request: Request,
    registration: Registration,
    *,
    problem: str | None = None,
    status_code: int = 200,
    chosen: list[str] | None = None,
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    addressee_problem: str | None = None,
) -> Response:
    """The participant's own page: their seats, badge and calendar, and the forms to change them
    (with what they chose and typed kept when a change was refused)."""
    event = registration.event
    seats = await service.seats_of(registration)
    held = {seat.session.code for seat in seats if seat.status != "cancelled"}
    sessions = await service.sessions_of(event)
    context = {
        "registration": registration,
        "event": event,
        "seats": seats,
        "held": held,
        "chosen": held if chosen is None else set(chosen),
        "sessions": sessions,
        "session_questions": await _questions_for_new_sessions(registration, sessions, held),
        "values": {"answers": typed or {}},
        "errors": errors or {},
        "can_change": program.registration_open(event) and registration.status != "cancelled",
        "problem": problem,
        "just_changed": request.query_params.get("changed") == "1",
        "positions": await waitlist_positions(registration),
        "just_registered": request.query_params.get("registered") == "1",
        "just_cancelled": request.query_params.get("cancelled") == "1",
        "links": participant_links(base_url(request), registration.secret),
        "badge_qr": badge_qr(registration, settings_of(request).secret_key),
        "receipts": [
            receipt_json(receipt, event, participant_links(base_url(request), registration.secret)["receipts"])
            for receipt in await receipts.receipts_of(registration)
        ],
        "addressee_saved": request.query_params.get("addressee") == "saved",
        "bank_account": settings_of(request).issuer.bank_account,
        "transfer_reference": transfers.reference(registration.id),
        "addressee_problem": addressee_problem,
        "policy": cancellation.Policy.of(registration.event),
        "certificate": await _certificate_state(registration, sessions),
    }
    response = render(request, "manage.html", context, status_code=status_code)
    response.headers.update(NO_STORE)
    return response


async def _questions_for_new_sessions(
    registration: Registration, sessions: Sequence[Session], held: set[str]
) -> dict[int, list[Question]]:
    """The questions the change form asks under each session not held yet (those not answered before)."""
    answered = {question.id for question in await answers_of(registration)}
    not_held = {session.id for session in sessions if session.code not in held}
    tied: dict[int, list[Question]] = defaultdict(list)
    for question in await questions_of(registration.event):
        session_id = question.session_id  # type: ignore[attr-defined]
        if session_id in not_held and question.id not in answered:
            tied[session_id].append(question)
    return tied


async def change_sessions(request: Request) -> Response:
    """The participant adds or gives up sessions from their own page (answering the questions of
    a session they add)."""
    registration = await service.by_secret(request.path_params["secret"])
    form = await request.form()
    csrf.check(request, form)
    codes = [str(code)[:32] for code in form.getlist("sessions")][:100]
    typed, answers = _form_answers(form, await questions_of(registration.event))
    try:
        await service.change_sessions(registration, codes, answers)
    except (InvalidInput, Conflict) as exc:
        fields = exc.fields if isinstance(exc, InvalidInput) else {}
        problem = (
            _("Please check the fields marked below.")
            if any(key.startswith("answers.") for key in fields)
            else next(iter(fields.values()), exc.message)
        )
        return await _manage_page(
            request,
            registration,
            problem=problem,
            status_code=exc.status_code,
            chosen=codes,
            typed=typed,
            errors=fields,
        )
    target = request.url_for("manage", secret=registration.secret)
    return RedirectResponse(f"{target}?changed=1", status_code=303, headers=NO_STORE)


class AddresseeInput(Input):
    addressee: RequiredText = Field(max_length=receipts.ADDRESSEE_MAX)


async def receipt_addressee(request: Request) -> Response:
    """The name the participant's receipts are made out to (宛名), set before the first is issued."""
    registration = await service.by_secret(request.path_params["secret"])
    form = await request.form()
    csrf.check(request, form)
    try:
        data = parse(AddresseeInput, {"addressee": str(form.get("addressee") or "")})
        await receipts.set_addressee(registration, data.addressee)
    except (InvalidInput, Conflict) as exc:
        problem = next(iter(exc.fields.values()), exc.message) if isinstance(exc, InvalidInput) else exc.message
        return await _manage_page(request, registration, status_code=exc.status_code, addressee_problem=problem)
    target = request.url_for("manage", secret=registration.secret)
    return RedirectResponse(f"{target}?addressee=saved#receipts", status_code=303, headers=NO_STORE)


async def _certificate_state(registration: Registration, sessions: list[Session]) -> dict[str, Any] | None:
    """For an event that issues certificates: whether this person's is ready, and the rule."""
    event = registration.event
    if not event.issues_certificates:
        return None
    rows = {
        checkin.session_id: checkin.checked_in_at  # type: ignore[attr-defined]
        for checkin in await CheckIn.filter(registration_id=registration.id)
    }
    attended = certificates.Attendance([(s, rows[s.id]) for s in sessions if s.id in rows])
    ready = certificates.eligible(event, attended) and registration.status != "cancelled"
    return {"ready": ready, "rule": certificates.rule_text(event, sessions), "attended": len(attended.sessions)}


async def _confirmation(request: Request, template: str) -> Response:
    """A page that asks the participant to confirm a step on their own registration (never cached)."""
    registration = await service.by_secret(request.path_params["secret"])
    context = {"registration": registration, "event": registration.event}
    response = render(request, template, context)
    response.headers.update(NO_STORE)
    return response


async def confirm_cancel(request: Request) -> Response:
    """Asks before cancelling, saying what the event's cancellation policy keeps if it applies now."""
    registration = await service.by_secret(request.path_params["secret"])
    event = registration.event
    context = {
        "registration": registration,
        "event": event,
        "policy": cancellation.Policy.of(event),
        "fee": await cancellation.fee_if_cancelled_now(registration, event),
    }
    response = render(request, "cancel.html", context)
    response.headers.update(NO_STORE)
    return response


async def cancel(request: Request) -> Response:
    registration = await service.by_secret(request.path_params["secret"])
    csrf.check(request, await request.form())
    await service.cancel(registration)
    target = request.url_for("manage", secret=registration.secret)
    return RedirectResponse(f"{target}?cancelled=1", status_code=303, headers=NO_STORE)


async def confirm_erase(request: Request) -> Response:
    return await _confirmation(request, "erase.html")


async def erase(request: Request) -> Response:
    """The participant's own erasure: seats given up, personal data gone, this link dead."""
    registration = await service.by_secret(request.path_params["secret"])
    csrf.check(request, await request.form())
    await privacy.erase_own(registration)
    return RedirectResponse(request.url_for("erased"), status_code=303, headers=NO_STORE)


async def erased(request: Request) -> Response:
    return render(request, "erased.html")


async def event_calendar(request: Request) -> Response:
    """The event's feed: every session, for a calendar app to subscribe to."""
    event = await program.get_event(request.path_params["slug"])
    url = f"{base_url(request)}/events/{event.slug}"
    language = i18n.current_language()
    entries = [Entry(session) for session in event.sessions]
    title = event.text("title", language)
    ics = calendar(event, entries, event_url=url, uid_scope="feed", name=title, language=language)
    headers = {"Content-Disposition": f'inline; filename="{event.slug}.ics"'}
    return Response(ics, media_type="text/calendar; charset=utf-8", headers=headers)


ROUTES = [
    route("/", name="index", get=index),
    route("/events/{slug}", name="event", get=event_page, post=register),
    route("/events/{slug}/calendar.ics", name="event_calendar", get=event_calendar),
    route("/events/{slug}/link", name="send_link", post=send_link),
    route("/manage/{secret}/addressee", name="receipt_addressee", post=receipt_addressee),
    route("/manage/{secret}", name="manage", get=manage),
    route("/manage/{secret}/sessions", name="change_sessions", post=change_sessions),
    route("/manage/{secret}/cancel", name="cancel", get=confirm_cancel, post=cancel),
    route("/manage/{secret}/erase", name="erase", get=confirm_erase, post=erase),
    route("/erased", name="erased", get=erased),
]
