"""Small builders for test data, going through the real services."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from events.program.models import Event
from events.program.schemas import EventInput
from events.program.service import create_event
from events.registrations.schemas import RegistrationInput
from events.registrations.service import Registered, register
from events.staff.models import Role
from events.staff.service import issue_token, save_staff

TOKYO = ZoneInfo("Asia/Tokyo")


def event_data(
    slug: str = "workshop", *, capacity: int | None = 10, days_ahead: int = 30, **changes: Any
) -> dict[str, Any]:
    first = datetime.now(TOKYO).date() + timedelta(days=days_ahead)  # the events are in Tokyo
    second = first + timedelta(days=1)

    def at(day: date, hour: int) -> str:
        return datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO).isoformat()

    data: dict[str, Any] = {
        "slug": slug,
        "title": "全国ワークショップ",
        "starts_on": first.isoformat(),
        "ends_on": second.isoformat(),
        "timezone": "Asia/Tokyo",
        "venue": "Civic Hall",
        "city": "Nagoya",
        "categories": ["individual_member", "non_member", {"code": "guest", "label": "Guest"}],
        "sessions": [
            {
                "code": "day1",
                "title": "Day 1",
                "kind": "day",
                "starts_at": at(first, 10),
                "ends_at": at(first, 17),
                "capacity": capacity,
            },
            {
                "code": "lecture",
                "title": "Evening lecture",
                "kind": "lecture",
                "starts_at": at(first, 18),
                "ends_at": at(first, 20),
                "capacity": None,
            },
            {
                "code": "reception",
                "title": "Reception",
                "kind": "reception",
                "starts_at": at(first, 20),
                "ends_at": at(first, 22),
                "capacity": capacity,
            },
            {
                "code": "day2",
                "title": "Day 2",
                "kind": "day",
                "starts_at": at(second, 10),
                "ends_at": at(second, 16),
                "capacity": capacity,
            },
        ],
    }
    data.update(changes)
    return data


async def make_event(slug: str = "workshop", **kwargs: Any) -> Event:
    return await create_event(EventInput.model_validate(event_data(slug, **kwargs)))


def person(number: int = 1, sessions: list[str] | None = None, **changes: Any) -> RegistrationInput:
    data: dict[str, Any] = {
        "name": f"Participant {number}",
        "email": f"person{number}@example.org",
        "sessions": sessions or ["day1"],
    }
    data.update(changes)
    return RegistrationInput.model_validate(data)


async def make_registration(
    event: Event, number: int = 1, sessions: list[str] | None = None, **changes: Any
) -> Registered:
    return await register(event, person(number, sessions, **changes))


async def staff_token(role: Role = Role.ORGANIZER, email: str | None = None) -> str:
    account = await save_staff(email or f"{role}@example.org", role)
    return await issue_token(account)
