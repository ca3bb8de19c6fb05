"""What an organizer sends to create or change an event and its sessions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, cast
from zoneinfo import ZoneInfo, available_timezones

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from events.errors import InvalidInput
from events.i18n import LANGUAGES, Language
from events.i18n import gettext as _
from events.program.models import DEFAULT_CATEGORY, SessionKind
from events.validation import Input, OptionalText, RequiredText

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


#: The days an event may fall on: any real one, and far enough from year 1 and 9999 that moving a
#: time to UTC or to the end of its day never leaves the calendar.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def _in_range(day: date) -> date:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(
            _("Give a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()}
        )
    return day


Day = Annotated[date, AfterValidator(_in_range)]


def _aware(value: datetime) -> datetime:
    """Times must say their offset; they are kept in UTC (SQLite compares them as text)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(_("Give the time with its offset, like 2026-06-14T10:00:00+09:00."))
    _in_range(value.date())
    return value.astimezone(UTC)


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


#: Every IANA zone name. A name is looked up here, not opened: ZoneInfo reads a file of that name,
#: and a name too long for a file name failed with OSError (a 500) rather than ZoneInfoNotFoundError.
TIME_ZONES = frozenset(available_timezones())


def _timezone(value: str) -> str:
    if value not in TIME_ZONES:
        raise ValueError(_("%(zone)r is not an IANA time zone such as Asia/Tokyo.") % {"zone": value[:64]})
    return value


def time_zone(name: str) -> ZoneInfo | None:
    """The zone of that name, or None when it is none (whatever the name holds)."""
    return ZoneInfo(name) if name in TIME_ZONES else None


TimeZoneName = Annotated[
    str,
    AfterValidator(_timezone),
    WithJsonSchema({"type": "string", "enum": sorted(TIME_ZONES), "description": "An IANA time zone"}),
]


def _category(value: Any) -> dict[str, Any]:
    """A category is a code, or `{"code", "label", "staff_only"}`: a staff-only category (staff, press,
    speakers) is given at the desk or by the organizers, and never offered on the public form."""
    if isinstance(value, str):
        value = {"code": value}
    if not isinstance(value, dict) or not isinstance(value.get("code"), str):
        raise ValueError(_('A category is a code like "guest" or an object {"code", "label"}.'))
    code = value["code"].strip()
    if not CODE.match(code):
        raise ValueError(_("%(code)r is not a category code: letters, digits, - and _, at most 32.") % {"code": code})
    label = value.get("label", code)
    if not isinstance(label, str) or not label.strip() or len(label) > 100:
        raise ValueError(_("The label of %(code)r must be text of 1 to 100 characters.") % {"code": code})
    staff_only = value.get("staff_only", False)
    if not isinstance(staff_only, bool):
        raise ValueError(_("staff_only is true or false."))
    member = value.get("member", False)
    if not isinstance(member, bool):
        raise ValueError(_("member is true or false."))
    category: dict[str, Any] = {"code": code, "label": label.strip()}
    if staff_only:
        category["staff_only"] = True
    if member:
        category["member"] = True
    translations = _category_translations(code, value.get("translations"))
    if translations:
        category["translations"] = translations
    return category


def _category_translations(code: str, value: Any) -> dict[str, dict[str, str]]:
    """`{"en": {"label": "Member"}, …}`: the label in other languages; empty labels are dropped."""
    if value is None:
        return {}
    problem = _('The translations of %(code)r are an object like {"en": {"label": "Member"}}.') % {"code": code}
    if not isinstance(value, dict):
        raise ValueError(problem)
    kept: dict[str, dict[str, str]] = {}
    for language, texts in value.items():
        if language not in LANGUAGES or not isinstance(texts, dict) or not isinstance(texts.get("label", ""), str):
            raise ValueError(problem)
        label = str(texts.get("label", "")).strip()
        if len(label) > 100:
            raise ValueError(_("The label of %(code)r must be text of 1 to 100 characters.") % {"code": code})
        if label:
            kept[language] = {"label": label}
    return kept


def _checked_categories(categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    codes = [category["code"] for category in categories]
    if len(codes) != len(set(codes)):
        raise ValueError(_("Category codes must differ."))
    if any(category["code"] == DEFAULT_CATEGORY and category.get("staff_only") for category in categories):
        raise ValueError(_("The category participant is everyone's default: it cannot be staff-only."))
    return categories


Category = Annotated[
    dict[str, Any],
    BeforeValidator(_category),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string", "description": "A code; its label is the code"},
                {
                    "type": "object",
                    "required": ["code"],
                    "properties": {
                        "code": {"type": "string", "pattern": CODE.pattern},
                        "label": {"type": "string", "minLength": 1, "maxLength": 100},
                        "staff_only": {
                            "type": "boolean",
                            "default": False,
                            "description": "Given by staff only: never offered on the public form or API",
                        },
                        "member": {
                            "type": "boolean",
                            "default": False,
                            "description": "A member's category: who chooses it is checked against the member "
                            "roster, and marked 'to confirm' at the desk when nothing matches",
                        },
                        "translations": {
                            "type": "object",
                            "description": 'The label in other languages, e.g. {"en": {"label": "Member"}}',
                            "propertyNames": {"enum": ["ja", "en", "ko", "tl"]},
                            "additionalProperties": {
                                "type": "object",
                                "properties": {"label": {"type": "string", "maxLength": 100}},
                            },
                        },
                    },
                },
            ]
        }
    ),
]


class Wording(Input):
    """The title and description in one more language; either may be left empty."""

    title: OptionalText = ""
    description: str = Field(default="", max_length=20000)


class EventWording(Wording):
    """An event's texts in one more language: its title, description and venue."""

    venue: OptionalText = ""


class SessionWording(Wording):
    """A session's texts in one more language: its title, description and room."""

    location: OptionalText = ""


def plain_translations(value: Mapping[Language, Input]) -> dict[str, dict[str, Any]]:
    """Stored as plain JSON, without the languages and fields left empty."""
    plain = {str(language): wording.model_dump(exclude_defaults=True) for language, wording in value.items()}
    return {language: texts for language, texts in plain.items() if texts}


#: Translations are checked as languages and wordings, and kept (and dumped) as the plain JSON stored.
_AS_STORED = PlainSerializer(lambda value: value, return_type=dict[str, dict[str, str]])
EventTranslations = Annotated[dict[Language, EventWording], AfterValidator(plain_translations), _AS_STORED]
SessionTranslations = Annotated[dict[Language, SessionWording], AfterValidator(plain_translations), _AS_STORED]


def keep(**constraints: Any) -> Any:
    """A PATCH field: left out means "keep what is there"; `null` is refused unless the type allows it."""
    return Field(default=None, json_schema_extra=_without_default, **constraints)


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class SessionInput(Input):
    code: str = Field(pattern=CODE.pattern)
    title: RequiredText
    kind: SessionKind = SessionKind.OTHER
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    location: OptionalText = ""
    capacity: int | None = Field(default=None, ge=0, le=1_000_000)
    description: str = Field(default="", max_length=5000)
    translations: SessionTranslations = Field(
        default_factory=dict, description="Title, description and room in other languages."
    )
    exits: bool = Field(default=False, description="(1.1) The door scans people out too: who is inside now")
    room_limit: int | None = Field(
        default=None, ge=1, le=1_000_000, description="(extension) How many the room may hold at once (with exits)"
    )

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, ends_at: datetime, info: ValidationInfo) -> datetime:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and ends_at <= starts_at:
            raise ValueError(_("A session must end after it starts."))
        return ends_at


class SessionPatch(Input):
    """Fields to change in one session, found by code; leave a field out to keep it.

    A code the event does not have yet adds a session, and then needs `title`, `starts_at` and
    `ends_at`. `capacity: null` makes a session unlimited.
    """

    code: str = Field(pattern=CODE.pattern)
    title: RequiredText = keep()
    kind: SessionKind = keep()
    starts_at: AwareDatetime = keep()
    ends_at: AwareDatetime = keep()
    location: OptionalText = keep()
    capacity: int | None = Field(default=None, ge=0, le=1_000_000)
    description: str = keep(max_length=5000)
    translations: SessionTranslations = keep()
    exits: bool = keep()
    room_limit: int | None = Field(default=None, ge=1, le=1_000_000)


#: Slugs the staff area's own paths use (`/staff/events/new`), so no event can take them.
RESERVED_SLUGS = frozenset({"new"})


def _slug_free(slug: str) -> str:
    if slug in RESERVED_SLUGS:
        raise ValueError(_("%(slug)r is a word the staff pages use; choose another slug.") % {"slug": slug})
    return slug


class EventDetails(Input):
    """An event's own fields, without its sessions: what the staff area's event form sends."""

    slug: str = Field(pattern=SLUG.pattern, description="Lower-case letters, digits and dashes; used in URLs.")
    title: RequiredText
    description: str = Field(default="", max_length=20000)
    starts_on: Day
    ends_on: Day
    timezone: TimeZoneName = "Asia/Tokyo"
    venue: OptionalText = ""
    city: OptionalText = ""
    registration_opens_at: AwareDatetime | None = None
    registration_closes_at: AwareDatetime | None = None
    categories: list[Category] = Field(default_factory=list, max_length=50)
    language: Language = Field(default=Language.JA, description="The language title and description are written in.")
    retention_days: int = Field(
        default=180, ge=0, le=3650, description="Days after the last day that participants' personal data is kept."
    )
    kiosk_prints_badges: bool = Field(
        default=False, description="(extension) Self check-in kiosks print a badge label when someone checks in"
    )
    translations: EventTranslations = Field(
        default_factory=dict, description="Title, description and venue in other languages."
    )
    member_units_lifted: bool = Field(
        default=False,
        description="(extension) An organizational member's people all pay the member price, beyond its units.",
    )

    @field_validator("slug")
    @classmethod
    def _slug_not_reserved(cls, slug: str) -> str:
        return _slug_free(slug)

    @field_validator("categories")
    @classmethod
    def _categories_unique(cls, categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _checked_categories(categories)

    @field_validator("ends_on")
    @classmethod
    def _ends_on_or_after_start(cls, ends_on: date, info: ValidationInfo) -> date:
        starts_on = info.data.get("starts_on")
        if starts_on is not None and ends_on < starts_on:
            raise ValueError(_("The event must end on or after the day it starts."))
        return ends_on

    @field_validator("registration_closes_at")
    @classmethod
    def _closes_after_opening(cls, closes_at: datetime | None, info: ValidationInfo) -> datetime | None:
        opens_at = info.data.get("registration_opens_at")
        if closes_at is not None and opens_at is not None and closes_at <= opens_at:
            raise ValueError(_("Registration must close after it opens."))
        return closes_at


#: The most a seat may cost, in yen: far above any fee, low enough that no sum overflows.
MAX_PRICE = 10_000_000
#: Amounts are whole yen sent as JSON numbers: 2000.0, 2000.5 and "2000" are refused alike.
Yen = Annotated[int, Field(strict=True, ge=0, le=MAX_PRICE)]


class PriceInput(Input):
    """What a confirmed seat in one session costs people of one category (whole yen).

    `reduced` (an extension) is a lower amount anyone may choose to pay instead, no reason asked:
    people without an income must never have to explain themselves.
    """

    category: str = Field(max_length=64)
    session: str = Field(max_length=32)
    amount: Yen
    reduced: Yen | None = None

    @field_validator("reduced")
    @classmethod
    def _reduced_is_lower(cls, reduced: int | None, info: ValidationInfo) -> int | None:
        amount = info.data.get("amount")
        if reduced is not None and amount is not None and reduced > amount:
            raise ValueError(_("The reduced price cannot be above the price."))
        return reduced


def _plain_prices(prices: list[PriceInput]) -> list[dict[str, Any]]:
    """Stored as plain JSON, one entry per category and session."""
    pairs = [(price.category, price.session) for price in prices]
    repeated = sorted({pair for pair in pairs if pairs.count(pair) > 1})
    if repeated:
        category, session = repeated[0]
        raise ValueError(
            _("The price of %(category)r in %(session)r is given twice.") % {"category": category, "session": session}
        )
    return [price.model_dump(exclude_none=True) for price in prices]


Prices = Annotated[
    list[PriceInput],
    Field(max_length=2000),
    AfterValidator(_plain_prices),
    PlainSerializer(lambda value: value, return_type=list[dict[str, Any]]),
]


class CancellationPolicyInput(Input):
    """What is kept when a participant cancels on or after `from_date` (the event's own day): a fixed
    `amount`, never more than their seats cost, or a `percent` of what their seats cost. Before that
    day cancelling costs nothing; organizers taking a seat away never charge it."""

    from_date: Day
    amount: Yen | None = None
    percent: int | None = Field(default=None, strict=True, ge=1, le=100)

    @model_validator(mode="after")
    def _one_of_amount_or_percent(self) -> CancellationPolicyInput:
        if (self.amount is None) == (self.percent is None):
            raise InvalidInput({"amount": _("Give either an amount or a percent kept, not both.")})
        return self


CancellationPolicy = Annotated[
    CancellationPolicyInput | None,
    AfterValidator(lambda policy: policy.model_dump(mode="json", exclude_none=True) if policy else None),
    PlainSerializer(lambda value: value, return_type=dict[str, Any] | None),
]


def certificate_problems(chosen: list[str], sessions: list[str]) -> dict[str, str]:
    """A certificate's chosen sessions that the event does not have."""
    unknown = [code for code in chosen if code not in sessions]
    if not unknown:
        return {}
    return {"certificate_sessions": _("No such session in this event: %(codes)s.") % {"codes": ", ".join(unknown)}}


def price_problems(prices: list[dict[str, Any]], categories: list[str], sessions: list[str]) -> dict[str, str]:
    """Each price that names a category or session the event does not have, by field."""
    problems: dict[str, str] = {}
    for index, price in enumerate(prices):
        if price["category"] not in categories:
            problems[f"prices.{index}.category"] = _("No such category in this event: %(codes)s.") % {
                "codes": price["category"]
            }
        if price["session"] not in sessions:
            problems[f"prices.{index}.session"] = _("No such session in this event: %(codes)s.") % {
                "codes": price["session"]
            }
    return problems


class EventInput(EventDetails):
    """A whole event as the API creates it: its fields, at least one session, and its prices."""

    sessions: list[SessionInput] = Field(min_length=1, max_length=200)
    currency: Literal["JPY"] = Field(default="JPY", description="Every amount is in whole units of this currency.")
    prices: Prices = Field(default_factory=list, description="What a seat costs, by category and session.")
    cancellation_policy: CancellationPolicy = Field(
        default=None, description="(extension) What is kept when a participant cancels late; null: nothing."
    )
    certificate_min_sessions: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="(1.1) A certificate for those who attended at least this many sessions",
    )
    certificate_sessions: list[Annotated[str, Field(max_length=32)]] = Field(
        default_factory=list,
        max_length=200,
        description="(extension) Or for those who attended every one of these sessions (codes)",
    )

    @model_validator(mode="after")
    def _prices_name_what_exists(self) -> EventInput:
        categories = [category["code"] for category in self.categories] + [DEFAULT_CATEGORY]
        prices = cast(list[dict[str, Any]], self.prices)  # stored as plain JSON by `Prices`
        codes = [session.code for session in self.sessions]
        problems = price_problems(prices, categories, codes) | certificate_problems(self.certificate_sessions, codes)
        if problems:
            raise InvalidInput(problems)
        return self

    @field_validator("sessions")
    @classmethod
    def _codes_unique(cls, sessions: list[SessionInput]) -> list[SessionInput]:
        codes = [session.code for session in sessions]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(_("Session codes must differ; repeated: %(codes)s.") % {"codes": ", ".join(duplicates)})
        return sessions


class EventCopy(Input):
    """A new event made from an existing one: its new slug and title, and the day it starts."""

    slug: str = Field(pattern=SLUG.pattern)
    title: RequiredText
    starts_on: Day

    @field_validator("slug")
    @classmethod
    def _slug_not_reserved(cls, slug: str) -> str:
        return _slug_free(slug)


class EventPatch(Input):
    """Fields to change; leave a field out to keep it. Sessions are matched by code; a new code adds one.

    `registration_opens_at: null` / `registration_closes_at: null` return to the default window.
    """

    title: RequiredText = keep()
    description: str = keep(max_length=20000)
    starts_on: Day = keep()
    ends_on: Day = keep()
    timezone: TimeZoneName = keep()
    venue: OptionalText = keep()
    city: OptionalText = keep()
    registration_opens_at: AwareDatetime | None = None
    registration_closes_at: AwareDatetime | None = None
    categories: list[Category] = keep(max_length=50)
    language: Language = keep()
    translations: EventTranslations = keep()
    member_units_lifted: bool = keep()
    retention_days: int = keep(ge=0, le=3650)
    kiosk_prints_badges: bool = keep()
    status: Literal["draft", "published", "closed", "cancelled"] = keep()
    sessions: list[SessionPatch] = keep(max_length=200)
    currency: Literal["JPY"] = keep()
    prices: Prices = keep()
    cancellation_policy: CancellationPolicy = None
    certificate_min_sessions: int | None = Field(default=None, ge=1, le=1000)
    certificate_sessions: list[Annotated[str, Field(max_length=32)]] = keep(max_length=200)

    @field_validator("categories")
    @classmethod
    def _categories_unique(cls, categories: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _checked_categories(categories)
