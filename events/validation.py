"""Validating input with pydantic and answering in the contract's terms.

`parse(Model, data)` returns the model or raises `InvalidInput` with one readable message per
field, so the JSON API and the HTML forms report the same problems in the same words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, WithJsonSchema

from events.errors import InvalidInput
from events.i18n import gettext as _
from events.text import clean_line, forbidden_character

M = TypeVar("M", bound=BaseModel)


class Input(BaseModel):
    """Base for request bodies: unknown fields are ignored, so a client never sets what it may not."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False, frozen=True)


def parse(model: type[M], data: Any) -> M:
    if not isinstance(data, dict):
        raise InvalidInput({"body": _("Expected a JSON object.")}, _("The request body must be a JSON object."))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None


def field_errors(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"]) or "body"
        fields.setdefault(location, _message(error))
    return fields


def _message(error: Any) -> str:
    """The problem in the reader's language: a validation library's own words (English only, and
    written for programmers) never reach a page or an API answer."""
    kind = str(error["type"])
    context = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in context:
        return str(context["error"])  # raised by our own validators, in the reader's language already
    if kind == "string_too_short" and context.get("min_length") == 1:
        return _("This field is required.")
    if kind == "too_short" and context.get("min_length") == 1:
        return _("Choose at least one.")
    if kind in _LIMITS:
        limit = next(
            (context[key] for key in ("max_length", "min_length", "ge", "le", "gt", "lt") if key in context), ""
        )
        return _LIMITS[kind]() % {"count": limit}
    if kind in ("enum", "literal_error"):
        expected = str(context.get("expected", "")).replace(" or ", ", ").replace("'", "")  # "'a', 'b' or 'c'"
        return _("Choose one of: %(codes)s.") % {"codes": expected}
    for prefix, message in _KINDS:
        if kind.startswith(prefix):
            return message()
    return _("This value is not valid.")


_LIMIT_KEYS = ("max_length", "min_length", "ge", "le", "gt", "lt")
#: Messages for a limit, given as `count` (lazy: they are translated when the error is read).
_LIMITS: dict[str, Callable[[], str]] = {
    "string_too_long": lambda: _("At most %(count)s characters."),
    "string_too_short": lambda: _("At least %(count)s characters."),
    "too_long": lambda: _("At most %(count)s items."),
    "too_short": lambda: _("At least %(count)s items."),
    "greater_than_equal": lambda: _("At least %(count)s."),
    "less_than_equal": lambda: _("At most %(count)s."),
    "greater_than": lambda: _("More than %(count)s."),
    "less_than": lambda: _("Less than %(count)s."),
}
#: Messages for the other kinds of problem, by the start of the kind's name, the first match winning.
_KINDS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("missing", lambda: _("This field is required.")),
    ("string_pattern", lambda: _("Not in the expected form.")),
    ("string", lambda: _("Expected text.")),
    ("int", lambda: _("Expected a whole number.")),
    ("float", lambda: _("Expected a number.")),
    ("decimal", lambda: _("Expected a number.")),
    ("bool", lambda: _("Expected true or false.")),
    ("list", lambda: _("Expected a list.")),
    ("tuple", lambda: _("Expected a list.")),
    ("set", lambda: _("Expected a list.")),
    ("iterable", lambda: _("Expected a list.")),
    ("dict", lambda: _("Expected an object.")),
    ("model", lambda: _("Expected an object.")),
    ("mapping", lambda: _("Expected an object.")),
    ("date_", lambda: _("Expected a date, such as 2026-11-21.")),
    ("datetime", lambda: _("Expected a date and time with its offset, such as 2026-11-21T10:00:00+09:00.")),
    ("timezone", lambda: _("Expected a date and time with its offset, such as 2026-11-21T10:00:00+09:00.")),
    ("time", lambda: _("Expected a time, such as 10:00.")),
    ("url", lambda: _("Expected a web address.")),
    ("json", lambda: _("Not valid JSON.")),
)


def _line(max_length: int, required: bool) -> Any:
    def check(value: str) -> str:
        bad = forbidden_character(value)
        if bad is not None:
            raise ValueError(_("Control characters are not allowed (found U+%(code)04X).") % {"code": ord(bad)})
        value = clean_line(value)
        if required and not value:
            raise ValueError(_("This field is required."))
        if len(value) > max_length:
            raise ValueError(_("At most %(count)s characters.") % {"count": max_length})
        return value

    return check


_ALLOWED = r"[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
_VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"

#: A required single line of at most 200 characters (a name, a title).
RequiredText = Annotated[
    str,
    AfterValidator(_line(200, True)),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": 200, "pattern": f"^{_ALLOWED}*{_VISIBLE}{_ALLOWED}*$"}
    ),
]
#: An optional single line of at most 200 characters (an organization, a reading, a venue).
OptionalText = Annotated[
    str,
    AfterValidator(_line(200, False)),
    WithJsonSchema({"type": "string", "maxLength": 200, "pattern": f"^{_ALLOWED}*$"}),
]


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254:
        raise ValueError(_("An e-mail address has at most 254 characters."))
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        # Not the library's reason: it is English only, and the participant may read Tagalog.
        raise ValueError(_("Not a valid e-mail address. Please check it for typing mistakes.")) from None
    return checked.normalized


Email = Annotated[str, AfterValidator(_email), WithJsonSchema({"type": "string", "format": "email", "maxLength": 254})]
