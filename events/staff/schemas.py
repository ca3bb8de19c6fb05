"""What an organizer sends to invite a staff account."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from events.errors import InvalidInput
from events.i18n import gettext as _
from events.staff.models import Role
from events.validation import Email, Input, OptionalText


class AccountInput(Input):
    """A new door or organizer account; `event` (a slug) limits it to that one event."""

    email: Email
    name: OptionalText = ""
    role: Role
    event: str | None = Field(default=None, max_length=64)
    #: A door account that takes money at the desk too (ignored for other roles).
    takes_payments: bool = False

    @field_validator("event", mode="before")
    @classmethod
    def _blank_is_every_event(cls, value: Any) -> Any:
        return (value.strip() or None) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _kiosk_kept_to_one_event(self) -> AccountInput:
        if self.role == Role.KIOSK and not self.event:
            raise InvalidInput({"event": _("A kiosk serves one event: choose it.")})
        return self
