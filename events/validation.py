"""Validating input with pydantic and answering in the contract's terms.

`parse(Model, data)` returns the model or raises `InvalidInput` with one readable message per
field, so the JSON API and the HTML forms report the same problems in the same words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    ModelWrapValidatorHandler,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from events.errors import InvalidInput
from events.i18n import gettext as _
from events.text import clean_line, forbidden_character, has_visible, unstorable_character

M = TypeVar("M", bound=BaseModel)


def character_error(char: str) -> str:
    """Why a text may not hold `char`, in the reader's language."""
    if "\ud800" <= char <= "\udfff" or char in "\ufffe\uffff":
        return _("Not valid text (found U+%(code)04X, which is not a character).") % {"code": ord(char)}
    return _("Control characters are not allowed (found U+%(code)04X).") % {"code": ord(char)}


def holds_unstorable(value: Any) -> bool:
    """Whether any text in `value` (nested lists and objects, keys included) holds a character no
    text field may hold. The quick question every body is asked (the door's scans too): a text
    that is all printable (`str.isprintable`, in C) holds none, so only the others are searched,
    and no place is worked out unless there is something to name (`unstorable_text`)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not item.isprintable() and unstorable_character(item) is not None:
                return True
        elif isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str) and not key.isprintable() and unstorable_character(key) is not None:
                    return True
                if isinstance(inner, str):
                    if not inner.isprintable() and unstorable_character(inner) is not None:
                        return True
                elif isinstance(inner, dict | list | tuple):
                    pending.append(inner)
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def unstorable_text(value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(location, character) for each text in `value` (nested lists and objects, keys included)
    that holds a character no text field may hold. A bad key is reported at its object's place: a
    key that cannot be written cannot name a field either. A loop, not recursion: JSON nested
    900 deep is valid JSON."""
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while pending:
        location, item = pending.pop()
        if isinstance(item, str):
            bad = unstorable_character(item)
            if bad is not None:
                yield location, bad
        elif isinstance(item, dict):
            for key, inner in reversed(item.items()):
                bad = unstorable_character(key) if isinstance(key, str) else None
                if bad is not None:
                    yield location, bad
                else:
                    pending.append(((*location, key), inner))
        elif isinstance(item, list | tuple):
            pending.extend(((*location, index), inner) for index, inner in reversed(list(enumerate(item))))


def refuse_unstorable(value: Any, *, depth: int | None = None, whole: str = "body") -> None:
    """422 naming each place in `value` that holds text no field may hold: a JSON body's path
    (`answers.note`), or, with `depth=1`, a form's or a query's field (`{name: [values]}`); a bad
    key is named by `whole`. The message names them too, for a page that shows only the message."""
    if not holds_unstorable(value):
        return
    fields: dict[str, str] = {}
    for location, char in unstorable_text(value):
        fields.setdefault(".".join(str(part) for part in location[:depth]) or whole, character_error(char))
    if fields:
        raise InvalidInput(fields, " ".join(f"{name}: {problem}" for name, problem in fields.items()))


class Input(BaseModel):
    """Base for request bodies: unknown fields are ignored, so a client never sets what it may not;
    text that no field may hold (NUL, a lone surrogate...) is refused in any field, before the
    field's own rules, so no such text reaches a query, a row or a file."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False, frozen=True)

    @model_validator(mode="wrap")
    @classmethod
    def _storable(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if not holds_unstorable(data):
            return handler(data)
        problems = [
            InitErrorDetails(
                type=PydanticCustomError("value_error", "{error}", {"error": character_error(char)}),
                loc=location,
                input="",
            )
            for location, char in unstorable_text(data)
        ]
        if problems:
            raise ValidationError.from_exception_data(cls.__name__, problems)
        return handler(data)


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
            raise ValueError(character_error(bad))
        value = clean_line(value)
        if not has_visible(value):
            value = ""  # only spaces, zero-width characters or fillers: nothing anyone could read
        if required and not value:
            raise ValueError(_("This field is required."))
        if len(value) > max_length:
            raise ValueError(_("At most %(count)s characters.") % {"count": max_length})
        return value

    return check


#: The text rules as JSON Schema patterns (ECMA-262 with the `u` flag, and Python's `re`, read them
#: alike): a line's characters, and one that shows. `_INVISIBLE` names the zero-width characters,
#: fillers and common marks; the server's rule (`events.text.has_visible`) knows every mark.
_REFUSED = r"\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff"
_INVISIBLE = (
    r"\s\u00ad\u0300-\u036f\u115f\u1160\u180b-\u180f\u1ab0-\u1aff\u1dc0-\u1dff\u200b-\u200f\u2060-\u2064"
    r"\u206a-\u206f\u20d0-\u20ff\u2800\u3164\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\uffa0\ufff9-\ufffb"
)
_ALLOWED = f"[^{_REFUSED}]"
_VISIBLE = f"[^{_REFUSED}{_INVISIBLE}]"

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
