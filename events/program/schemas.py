"""What an organizer sends to create or change an event and its sessions."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator

from events.program.models import SessionKind
from events.validation import Input, OptionalText, RequiredText

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("Give the time with its offset, like 2026-06-14T10:00:00+09:00.")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone such as Asia/Tokyo.") from None
    return value


def _category(value: Any) -> dict[str, str]:
    """A category is a code, or `{"code", "label"}`."""
    if isinstance(value, str):
        value = {"code": value}
    if not isinstance(value, dict) or not isinstance(value.get("code"), str):
        raise ValueError('A category is a code like "guest" or an object {"code", "label"}.')
    code = value["code"].strip()
    if not CODE.match(code):
        raise ValueError(f"{code!r} is not a category code: letters, digits, - and _, at most 32.")
    label = value.get("label", code)
    if not isinstance(label, str) or not label.strip() or len(label) > 100:
        raise ValueError(f"The label of {code!r} must be text of 1 to 100 characters.")
    return {"code": code, "label": label.strip()}


Category = Annotated[dict[str, str], BeforeValidator(_category)]


class SessionInput(Input):
    code: str = Field(pattern=CODE.pattern)
    title: RequiredText
    kind: SessionKind = SessionKind.OTHER
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    location: OptionalText = ""
    capacity: int | None = Field(default=None, ge=0, le=1_000_000)
    description: str = Field(default="", max_length=5000)

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, ends_at: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and ends_at <= starts_at:
            raise ValueError("A session must end after it starts.")
        return ends_at


class SessionPatch(Input):
    code: str = Field(pattern=CODE.pattern)
    title: RequiredText | None = None
    kind: SessionKind | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    location: OptionalText | None = None
    capacity: int | None = Field(default=None, ge=0, le=1_000_000)
    description: str | None = Field(default=None, max_length=5000)


class EventInput(Input):
    slug: str = Field(pattern=SLUG.pattern, description="Lower-case letters, digits and dashes; used in URLs.")
    title: RequiredText
    description: str = Field(default="", max_length=20000)
    starts_on: date
    ends_on: date
    timezone: Annotated[str, AfterValidator(_timezone)] = "Asia/Tokyo"
    venue: OptionalText = ""
    city: OptionalText = ""
    registration_opens_at: AwareDatetime | None = None
    registration_closes_at: AwareDatetime | None = None
    categories: list[Category] = Field(default_factory=list, max_length=50)
    sessions: list[SessionInput] = Field(min_length=1, max_length=200)

    @field_validator("sessions")
    @classmethod
    def _codes_unique(cls, sessions: list[SessionInput]) -> list[SessionInput]:
        codes = [session.code for session in sessions]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError("Session codes must differ; repeated: " + ", ".join(duplicates) + ".")
        return sessions

    @field_validator("categories")
    @classmethod
    def _categories_unique(cls, categories: list[dict[str, str]]) -> list[dict[str, str]]:
        codes = [category["code"] for category in categories]
        if len(codes) != len(set(codes)):
            raise ValueError("Category codes must differ.")
        return categories

    @field_validator("ends_on")
    @classmethod
    def _ends_on_or_after_start(cls, ends_on: date, info: ValidationInfo) -> date:
        starts_on = info.data.get("starts_on")
        if starts_on is not None and ends_on < starts_on:
            raise ValueError("The event must end on or after the day it starts.")
        return ends_on

    @field_validator("registration_closes_at")
    @classmethod
    def _closes_after_opening(cls, closes_at: datetime | None, info: ValidationInfo) -> datetime | None:
        opens_at = info.data.get("registration_opens_at")
        if closes_at is not None and opens_at is not None and closes_at <= opens_at:
            raise ValueError("Registration must close after it opens.")
        return closes_at


class EventPatch(Input):
    """Fields to change; sessions are matched by code, and a new code adds a session."""

    title: RequiredText | None = None
    description: str | None = Field(default=None, max_length=20000)
    starts_on: date | None = None
    ends_on: date | None = None
    timezone: Annotated[str, AfterValidator(_timezone)] | None = None
    venue: OptionalText | None = None
    city: OptionalText | None = None
    registration_opens_at: AwareDatetime | None = None
    registration_closes_at: AwareDatetime | None = None
    categories: list[Category] | None = Field(default=None, max_length=50)
    status: str | None = Field(default=None, pattern="^(draft|published|closed|cancelled)$")
    sessions: list[SessionPatch] | None = Field(default=None, max_length=200)
