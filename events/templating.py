"""Jinja2 for pages and e-mails: the environment, gettext for every string, dates shown the reader's way."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from babel import Locale
from babel.dates import format_datetime, format_time
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.requests import Request

from events import clock, i18n
from events.money.words import yen
from events.registrations.codes import display_code

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


def _locale() -> str:
    return i18n.babel_locale()


def date_long(day: date) -> str:
    """The day as the reader's language writes it: 2008年6月14日(土), 14 June 2008, Hunyo 14, 2008."""
    return i18n.format_day(day)


def day_time_in(moment: datetime, timezone: str) -> str:
    """A session's start for participants: the day written out, then the time (2008年6月14日(土) 10:00)."""
    local = clock.local(moment, timezone)
    return f"{i18n.format_day(local.date())} {format_time(local, format='short', locale=_locale())}"


def time_in(moment: datetime, timezone: str) -> str:
    return format_time(clock.local(moment, timezone), format="short", locale=_locale())


def datetime_in(moment: datetime, timezone: str) -> str:
    """The date and the time of day, without seconds: `2026/12/25 10:00`, `Dec 25, 2026, 10:00 AM`."""
    local = clock.local(moment, timezone)
    return format_datetime(local, format=f"{_date_pattern()} {_time_pattern()}", locale=_locale())


def _date_pattern() -> str:
    return str(Locale.parse(_locale()).date_formats["medium"].pattern)


def _time_pattern() -> str:
    return str(Locale.parse(_locale()).time_formats["short"].pattern)


def date_range(starts_on: date, ends_on: date) -> str:
    if starts_on == ends_on:
        return date_long(starts_on)
    return f"{date_long(starts_on)} – {date_long(ends_on)}"


class Worded(Protocol):
    """Anything an organizer writes and may translate: an event, a session, a question."""

    def text(self, field: str, language: str) -> str: ...


def translated(item: Worded, field: str) -> str:
    """Something an organizer wrote (an event's venue, a session's room, a question's label) in the
    reader's language when the organizer translated it, else as written."""
    return item.text(field, i18n.current_language())


def email_breaks(address: str) -> Markup:
    """An e-mail address that a narrow cell may wrap after its @ and before its dots, not inside a
    word (<wbr> is not copied with the address, as a zero-width space would be)."""
    escaped = str(escape(address))
    return Markup(escaped.replace("@", "@<wbr>").replace(".", "<wbr>."))


@pass_context
def url_for(context: Context, name: str, /, **path_params: Any) -> str:
    request: Request = context["request"]
    return str(request.url_for(name, **path_params))


def build_environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.filters.update(
        date_long=date_long,
        time_in=time_in,
        datetime_in=datetime_in,
        day_time_in=day_time_in,
        code=display_code,
        tr=translated,
        email=email_breaks,
        yen=lambda amount: yen(int(amount)),
    )
    environment.globals.update(
        date_range=date_range,
        url_for=url_for,
        languages=i18n.LANGUAGES,
        language_names=i18n.LANGUAGE_NAMES,
    )
    return environment
