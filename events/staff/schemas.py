"""What an organizer sends to invite a staff account."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from events.staff.models import Role
from events.validation import Email, Input, OptionalText


class AccountInput(Input):
    """A new door or organizer account; `event` (a slug) limits it to that one event."""

    email: Email
    name: OptionalText = ""
    role: Role
    event: str | None = Field(default=None, max_length=64)

    @field_validator("event", mode="before")
    @classmethod
    def _blank_is_every_event(cls, value: Any) -> Any:
        return (value.strip() or None) if isinstance(value, str) else value
