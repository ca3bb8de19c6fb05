"""Validating input with pydantic and answering in the contract's terms.

`parse(Model, data)` returns the model or raises `InvalidInput` with one readable message per
field, so the JSON API and the HTML forms report the same problems in the same words.
"""

from __future__ import annotations

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
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "value_error":
        return str(context.get("error", error["msg"]))
    if kind == "string_too_long":
        return _("At most %(count)s characters.") % {"count": context.get("max_length")}
    if kind == "string_too_short":
        return _("This field is required.") if context.get("min_length") == 1 else str(error["msg"])
    if kind in {"string_type", "int_type", "list_type", "bool_type", "int_parsing", "dict_type"}:
        return _("Wrong type: %(detail)s.") % {"detail": str(error["msg"]).lower()}
    return str(error["msg"]).rstrip(".") + "."


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
