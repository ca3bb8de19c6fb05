"""The JSON shapes of the HTTP contract, built from models. No queries here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from events import clock
from events.program.models import Event, Session
from events.program.service import registration_open
from events.questions.models import Question
from events.questions.schemas import AnswerValue
from events.registrations.models import Registration, Seat


def event_summary(event: Event) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "title": event.title,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "timezone": event.timezone,
        "city": event.city,
        "venue": event.venue,
        "registration_open": registration_open(event),
    }


def session_json(session: Session, timezone: str) -> dict[str, Any]:
    return {
        "code": session.code,
        "title": session.title,
        "kind": str(session.kind),
        "starts_at": clock.isoformat(session.starts_at, timezone),
        "ends_at": clock.isoformat(session.ends_at, timezone),
        "location": session.location,
        "capacity": session.capacity,
        "confirmed": session.confirmed_count,
        "remaining": session.remaining,
        "translations": session.translations or {},
        "exits": session.exits,
        "room_limit": session.room_limit,
    }


def question_json(question: Question, session_codes: Mapping[int, str]) -> dict[str, Any]:
    session_id = question.session_id  # type: ignore[attr-defined]
    return {
        "code": question.code,
        "label": question.label,
        "help": question.help_text,
        "kind": str(question.kind),
        "required": question.required,
        "choices": list(question.choices),
        "session": None if session_id is None else session_codes.get(session_id),
        "translations": question.translations or {},
    }


def event_detail(event: Event, questions: Sequence[Question] = (), *, for_staff: bool = True) -> dict[str, Any]:
    session_codes = {session.id: session.code for session in event.sessions}
    return {
        **event_summary(event),
        "description": event.description,
        "language": event.language,
        "translations": event.translations or {},
        "status": str(event.status),
        "registration_opens_at": clock.isoformat(event.registration_opens_at, event.timezone),
        "registration_closes_at": clock.isoformat(event.registration_closes_at, event.timezone),
        "categories": event.categories if for_staff else event.public_categories,
        "currency": event.currency,
        "prices": event.prices,
        "cancellation_policy": event.cancellation_policy,
        "certificate_min_sessions": event.certificate_min_sessions,
        "certificate_sessions": event.certificate_sessions or [],
        **({"member_units_lifted": event.member_units_lifted} if for_staff else {}),
        **({"kiosk_prints_badges": event.kiosk_prints_badges} if for_staff else {}),
        "sessions": [session_json(session, event.timezone) for session in event.sessions],
        "questions": [question_json(question, session_codes) for question in questions],
    }


def seat_json(seat: Seat, timezone: str, position: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": seat.session.code,
        "title": seat.session.title,
        "status": str(seat.status),
        "checked_in_at": None,
    }
    if position is not None:
        data["waitlist_position"] = position
    return data


def registration_json(
    registration: Registration,
    seats: list[Seat],
    timezone: str,
    *,
    include_email: bool,
    positions: dict[int, int] | None = None,
    answers: Mapping[str, AnswerValue] | None = None,
) -> dict[str, Any]:
    positions = positions or {}
    data: dict[str, Any] = {
        "code": registration.code,
        "name": registration.name,
        "name_reading": registration.name_reading,
        "organization": registration.organization,
        "category": registration.category,
        "language": str(registration.language),
        "status": str(registration.status),
        "created_at": clock.isoformat(registration.created_at, timezone),
        "sessions": [
            seat_json(seat, timezone, positions.get(seat.session_id))  # type: ignore[attr-defined]
            for seat in seats
        ],
    }
    if include_email:
        data["email"] = registration.email
    if answers is not None:
        data["answers"] = dict(answers)
    return data
