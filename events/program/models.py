"""An event and its sessions: what people register for."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from events import i18n
from events.i18n import gettext as _

DEFAULT_CATEGORY = "participant"
#: The default category's label as the app makes it (shown translated; an organizer's own label is shown as written).
DEFAULT_CATEGORY_LABEL = "Participant"


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class SessionKind(StrEnum):
    DAY = "day"
    PLENARY = "plenary"
    WORKSHOP = "workshop"
    LECTURE = "lecture"
    SYMPOSIUM = "symposium"
    RECEPTION = "reception"
    OTHER = "other"


def worded(translations: Mapping[str, Mapping[str, Any]] | None, field: str, language: str) -> str | None:
    """The organizer's `field` in `language`, or None when they gave none."""
    text = ((translations or {}).get(language) or {}).get(field)
    return str(text) if text else None


def new_badge_key() -> str:
    return secrets.token_urlsafe(32)


class Event(Model):
    """A workshop, forum, symposium or lecture series, held over one or more days in one time zone.

    `categories` is the ordered list of participant categories, each `{"code", "label"}`, with
    `"staff_only": true` for one the public form does not offer and `"translations": {"en":
    {"label": …}}` for its label in other languages;
    `participant` is always among them so that a registration without a category has one.
    """

    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=64, unique=True)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    timezone = fields.CharField(max_length=64, default="Asia/Tokyo")
    venue = fields.CharField(max_length=200, default="")
    city = fields.CharField(max_length=100, default="")
    registration_opens_at = fields.DatetimeField(null=True)
    registration_closes_at = fields.DatetimeField(null=True)
    categories: list[dict[str, Any]] = fields.JSONField(default=list)
    status = fields.CharEnumField(EventStatus, max_length=16, default=EventStatus.PUBLISHED)
    #: The language `title` and `description` are written in: what a page falls back to.
    language = fields.CharField(max_length=2, default="ja", db_default="ja")
    # The venue too, since organizers could translate it (`{"en": {"venue": …}}`).
    #: The title and description in other languages: `{"en": {"title": …, "description": …}, …}`.
    translations: dict[str, dict[str, str]] | None = fields.JSONField(null=True)
    #: Days after the last day that the personal data of participants is kept (then `tsudoi purge` erases it).
    retention_days = fields.IntField(default=180, db_default=180)
    #: When the personal data of its participants was erased (their counts stay).
    purged_at = fields.DatetimeField(null=True)
    #: The currency of every amount, in its smallest unit (whole yen).
    currency = fields.CharField(max_length=3, default="JPY", db_default="JPY")
    #: What a seat costs: `[{"category", "session", "amount", "reduced"?}]` by category and session
    #: code; a pair not listed is free. `reduced` is the lower amount anyone may choose to pay.
    prices: list[dict[str, Any]] = fields.JSONField(default=list, db_default="[]")
    #: What a late cancellation keeps: `{"from_date", "amount" or "percent"}` (`events.money.cancellation`).
    cancellation_policy: dict[str, Any] | None = fields.JSONField(null=True)
    #: Kiosks print a badge label when a participant checks themselves in (badges made on site).
    kiosk_prints_badges = fields.BooleanField(default=False, db_default=False)
    #: Attendance certificates go to those who attended at least this many of the event's sessions.
    certificate_min_sessions = fields.IntField(null=True)
    #: Or to those who attended every one of these sessions (codes), when the organizers choose a set.
    certificate_sessions: list[str] = fields.JSONField(default=list, db_default="[]")
    #: Whether an organizational member's people pay the member price beyond its units (口数).
    member_units_lifted = fields.BooleanField(default=False, db_default=False)
    # Empty for events made before it existed: their badges are signed with the server's key (TSD1).
    #: The key its badges are signed with (TSD2): it moves with the event, so its badges scan anywhere.
    badge_key = fields.CharField(max_length=64, default=new_badge_key, db_default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    sessions: fields.ReverseRelation[Session]

    class Meta:
        table = "event"
        ordering = ["starts_on", "id"]

    def __str__(self) -> str:
        return self.slug

    @property
    def category_codes(self) -> list[str]:
        return [category["code"] for category in self.categories]

    def text(self, field: str, language: str) -> str:
        """`title`, `description` or `venue` in `language` when the organizer wrote it so, else as written."""
        return worded(self.translations, field, language) or str(getattr(self, field))

    def text_language(self, field: str, language: str) -> str:
        """The language `text(field, language)` is actually in (for the page's `lang` attribute)."""
        return language if worded(self.translations, field, language) else self.language

    @property
    def purge_on(self) -> date:
        """The first day on which `tsudoi purge` erases this event's personal data."""
        return self.ends_on + timedelta(days=self.retention_days)

    def category_label(self, code: str, language: str | None = None) -> str:
        """The category's label in the reader's language: the organizer's translation, else as
        written; the default category, left as it is made, in the app's own words."""
        language = language or i18n.current_language()
        for category in self.categories:
            if category["code"] == code:
                translated = worded(category.get("translations"), "label", language)
                if translated:
                    return translated
                label = str(category.get("label") or code)
                if code == DEFAULT_CATEGORY and label == DEFAULT_CATEGORY_LABEL:
                    with i18n.language(language):
                        return _("Participant")
                return label
        return code

    def price(self, category: str, session_code: str, *, reduced: bool = False) -> int:
        """What a confirmed seat in that session costs a person of that category (0 when no price is set)."""
        for price in self.prices:
            if price["category"] == category and price["session"] == session_code:
                amount = int(price["amount"])
                return min(amount, int(price.get("reduced", amount))) if reduced else amount
        return 0

    @property
    def issues_certificates(self) -> bool:
        return bool(self.certificate_min_sessions or self.certificate_sessions)

    @property
    def member_categories(self) -> list[str]:
        """The codes of the categories whose price is a member's: the roster is checked for them."""
        return [category["code"] for category in self.categories if category.get("member")]

    @property
    def public_categories(self) -> list[dict[str, Any]]:
        """The categories anyone may choose when registering (not the staff-only ones)."""
        return [category for category in self.categories if not category.get("staff_only")]


class Session(Model):
    """One part of an event people hold a seat in: a day, a lecture, a workshop, a reception.

    `confirmed_count` counts the confirmed seats. It changes only inside the registration
    service's transactions, under the session's row lock, and a database check (see the first
    migration) refuses any row where it exceeds `capacity`.
    """

    id = fields.IntField(primary_key=True)
    event: fields.ForeignKeyRelation[Event] = fields.ForeignKeyField(
        "models.Event", related_name="sessions", on_delete=fields.RESTRICT
    )
    code = fields.CharField(max_length=32)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    kind = fields.CharEnumField(SessionKind, max_length=16, default=SessionKind.OTHER)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    location = fields.CharField(max_length=200, default="")
    capacity = fields.IntField(null=True)
    confirmed_count = fields.IntField(default=0)
    #: The door scans people out as well as in, so the session knows who is inside now.
    exits = fields.BooleanField(default=False, db_default=False)
    #: How many people the room may hold at once (a fire-safety limit), for the door's warning.
    room_limit = fields.IntField(null=True)
    #: Who is inside now, kept by `events.checkin.presence` in the transaction of each entry and exit.
    inside_now = fields.IntField(default=0, db_default=0)
    #: The most inside at once so far, and when that was first reached.
    peak_inside = fields.IntField(default=0, db_default=0)
    peak_at = fields.DatetimeField(null=True)
    position = fields.IntField(default=0)
    #: Raised whenever the time, place or title changes, so calendars replace their copy (RFC 5545 SEQUENCE).
    sequence = fields.IntField(default=0, db_default=0)
    # The location (room) too, since organizers could translate it.
    #: The title and description in other languages than the event's own, as for `Event.translations`.
    translations: dict[str, dict[str, str]] | None = fields.JSONField(null=True)

    class Meta:
        table = "session"
        ordering = ["position", "starts_at", "id"]
        unique_together = (("event", "code"),)

    def __str__(self) -> str:
        return self.code

    def text(self, field: str, language: str) -> str:
        """`title`, `description` or `location` in `language` when the organizer wrote it so, else as written."""
        return worded(self.translations, field, language) or str(getattr(self, field))

    @property
    def remaining(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.confirmed_count, 0)
