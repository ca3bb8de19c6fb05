"""Importing registrations typed from paper forms: a CSV or XLSX file, previewed, then written at once.

`read` gives the file's table (`events.registrations.sheets`), deciding nothing about the event, so
it can be kept between the preview and the organizer's confirmation. Columns are matched by header,
Japanese or English. `preview` says what would become of each row; `carry_out` decides again under
the sessions' locks (people may have registered meanwhile) and writes every importable row in one
transaction, by the registration service's rules: a seat is confirmed while its session has room and
waits otherwise, and an e-mail address has one active registration per event. People are matched by
e-mail address (without one, by name and organization), so a file imported twice adds nobody twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, cast

from tortoise.exceptions import IntegrityError
from tortoise.fields import JSONField

from events import clock, offload
from events.database import atomic, execute_many, supports_row_locks
from events.errors import Conflict, InvalidInput
from events.i18n import LANGUAGES, Language
from events.i18n import gettext as _
from events.members.standing import Roster, Standing, take_units_turn
from events.money.ledger import settle_charges
from events.program.announce import event_changed
from events.program.models import DEFAULT_CATEGORY, Event, Session
from events.registrations import codes, sheets
from events.registrations.models import (
    Registration,
    RegistrationChange,
    RegistrationStatus,
    SeatStatus,
)
from events.registrations.schemas import WalkInInput
from events.registrations.seats import claim_seats, lock_sessions, overall_status, plan_seats, room_in
from events.registrations.service import CODE_ATTEMPTS, build_registration
from events.registrations.sheets import Sheet
from events.reports.exports import Table, write_csv
from events.staff.models import StaffAccount
from events.text import normalize_email
from events.validation import parse

FIELDS = ("name", "name_reading", "organization", "email", "category", "language", "member_number")
SESSIONS = "sessions"
#: Columns of `participants.csv` that an import has no use for (the code and status are the app's own).
SKIPPED = "-"
#: Rows per INSERT, and codes per look-up of the new ids (well under every engine's limit on parameters).
BATCH = 500
#: Seats and change-log entries are written in SQL: building 10,000 ORM objects would hold the write lock longer.
INSERT_SEAT = (
    'INSERT INTO "seat" ("registration_id", "session_id", "status", "created_at", "updated_at") VALUES (?, ?, ?, ?, ?)'
)
INSERT_CHANGE = (
    'INSERT INTO "registration_change" ("registration_id", "staff_id", "action", "details", "created_at") '
    "VALUES (?, ?, ?, ?, ?)"
)

#: Headers each field is known by (compared as `_key` does: any case, full- or half-width, spaces ignored).
_ALIASES: dict[str, str] = {
    "name": "name fullname 氏名 名前 お名前 参加者名 参加者氏名 氏名(漢字) 이름 성명 pangalan",
    "name_reading": "name_reading reading furigana kana ふりがな フリガナ よみ ヨミ よみがな ヨミガナ 読み 読みがな "
    "読み仮名 かな カナ 氏名(ふりがな) 氏名(フリガナ) 氏名(かな) 氏名(カナ) 名前(ふりがな) 名前(フリガナ)",
    "organization": "organization organisation org affiliation 所属 所属先 所属団体 団体 団体名 組織 組織名 소속 단체",
    "email": "email e-mail mail email_address mail_address メール メールアドレス eメール eメールアドレス 電子メール "
    "이메일",
    "category": "category 区分 参加区分 種別 参加種別 会員区分 구분",
    "language": "language lang 言語 使用言語 希望言語 언어 wika",
    "member_number": "member_number membernumber memberno 会員番号 회원번호",
    SESSIONS: "sessions session セッション 参加セッション 申込セッション 参加日程 세션",
    SKIPPED: "code status registered_at",
}
_LANGUAGES: dict[Language, str] = {
    Language.JA: "ja jp japanese 日本語 にほんご nihongo",
    Language.EN: "en english 英語 えいご",
    Language.KO: "ko kr korean 韓国語 한국어 朝鮮語",
    Language.TL: "tl fil tagalog filipino タガログ語 フィリピノ語 フィリピン語",
}
#: What a session column's cell says for "does not come" (empty too); anything else (1, ○, yes, a time…) means yes.
NO_MARKS = frozenset("0 no n false none × ✕ ✗ ✘ - — – ― いいえ 不参加 欠席 なし 無".split()) | {""}
_LIST_SEPARATORS = re.compile(r"[,;、\n]+")
_IGNORED_IN_KEYS = re.compile(r"[\s_\-・:*]+|\((必須|任意|required|optional)\)")


def _key(text: str) -> str:
    """A header, code or title as compared: full-width folded to ASCII, any case, no spaces or marks."""
    return _IGNORED_IN_KEYS.sub("", unicodedata.normalize("NFKC", text).casefold())


def _names(label: str) -> list[str]:
    """A title or label as compared, whole and each part of a bilingual one ("交流会 / Reception")."""
    return [_key(label), *(_key(part) for part in unicodedata.normalize("NFKC", label).split("/") if part.strip())]


_FIELD_OF = {_key(alias): field for field, aliases in _ALIASES.items() for alias in aliases.split()}
_LANGUAGE_OF = {_key(alias): language for language, aliases in _LANGUAGES.items() for alias in aliases.split()}


def read(filename: str, content: bytes) -> Sheet:
    """The table of an uploaded CSV or XLSX file, its header the first row with a column for the name."""
    return sheets.read(filename, content, lambda cells: any(_FIELD_OF.get(_key(cell)) == "name" for cell in cells))


class Outcome(StrEnum):
    """What becomes of a row: imported (NEW, WAITLISTED in at least one session) or skipped, and why."""

    NEW = "new"
    WAITLISTED = "waitlisted"
    DUPLICATE_EMAIL = "duplicate_email"
    DUPLICATE_PERSON = "duplicate_person"
    UNKNOWN_SESSION = "unknown_session"
    NO_SESSION = "no_session"
    INVALID_EMAIL = "invalid_email"
    MISSING_NAME = "missing_name"
    INVALID = "invalid"

    @property
    def imported(self) -> bool:
        return self in (Outcome.NEW, Outcome.WAITLISTED)

    @property
    def label(self) -> str:
        return {
            Outcome.NEW: _("New"),
            Outcome.WAITLISTED: _("Over capacity: waiting list"),
            Outcome.DUPLICATE_EMAIL: _("Duplicate e-mail address"),
            Outcome.DUPLICATE_PERSON: _("Duplicate person (same name and organization, no e-mail)"),
            Outcome.UNKNOWN_SESSION: _("Unknown session"),
            Outcome.NO_SESSION: _("No session chosen"),
            Outcome.INVALID_EMAIL: _("Invalid e-mail address"),
            Outcome.MISSING_NAME: _("Missing name"),
            Outcome.INVALID: _("Invalid value"),
        }[self]


# What the columns mean for an event


def _field_label(field: str) -> str:
    return {
        "name": _("Name"),
        "name_reading": _("Reading"),
        "organization": _("Organization"),
        "email": _("E-mail address"),
        "category": _("Category"),
        "language": _("Language"),
        "member_number": _("Member number"),
    }[field]


@dataclass(frozen=True)
class Columns:
    """What each column of a sheet means for one event: a field, a session, or the list of sessions."""

    fields: dict[str, int]
    marks: dict[int, Session]
    session_list: int | None
    ignored: list[str]
    #: The event's sessions by code, by title and by each part of a bilingual title, as compared (`_key`).
    named: dict[str, Session]
    #: The session every row holds when the event has only one and the file no column for sessions.
    only: Session | None

    @classmethod
    def match(cls, headers: list[str], sessions: list[Session]) -> Columns:
        named: dict[str, Session] = {}
        for session in sessions:
            named.setdefault(_key(session.code), session)
        for session in sessions:
            for name in _names(session.title):
                named.setdefault(name, session)
        fields: dict[str, int] = {}
        marks: dict[int, Session] = {}
        session_list = None
        ignored = []
        for index, header in enumerate(headers):
            key = _key(header)
            field = _FIELD_OF.get(key)
            if not key or field == SKIPPED:
                continue
            if field == SESSIONS and session_list is None:
                session_list = index
            elif field in FIELDS and field not in fields:
                fields[field] = index
            elif field is None and (marked := _session_named(named, key)) and marked not in marks.values():
                marks[index] = marked
            else:
                ignored.append(header)
        only = sessions[0] if len(sessions) == 1 and not marks and session_list is None else None
        return cls(fields, marks, session_list, ignored, named, only)

    def value(self, field: str, cells: list[str]) -> str:
        index = self.fields.get(field)
        return cells[index] if index is not None else ""

    def sessions_of(self, cells: list[str]) -> tuple[list[Session], list[str]]:
        """The sessions a row holds, and what its sessions column names that is none of the event's."""
        held = [session for index, session in self.marks.items() if _mark(cells[index]) not in NO_MARKS]
        unknown: list[str] = []
        if self.session_list is not None:
            for item in _LIST_SEPARATORS.split(unicodedata.normalize("NFKC", cells[self.session_list])):
                session = _session_named(self.named, _key(item))
                if session is not None:
                    held.append(session)
                elif item.strip():
                    unknown.append(item.strip())
        if self.only is not None:
            held = [self.only]
        return list(dict.fromkeys(held)), unknown

    def describe(self, headers: list[str]) -> list[tuple[str, str]]:
        """Each column used and what it was read as, for the preview."""
        used = [(index, _field_label(field)) for field, index in self.fields.items()]
        used += [(index, _("Session: %(title)s") % {"title": s.title}) for index, s in self.marks.items()]
        if self.session_list is not None:
            used.append((self.session_list, _("Sessions (codes or titles)")))
        return [(headers[index], meaning) for index, meaning in sorted(used)]


def _session_named(named: dict[str, Session], key: str) -> Session | None:
    """The session of that name, or the only one with a name that starts so ("1日目" for "1日目 全体会")."""
    if key in named:
        return named[key]
    starting = {session for name, session in named.items() if len(key) >= 2 and name.startswith(key)}
    return starting.pop() if len(starting) == 1 else None


def _mark(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


# Deciding each row's outcome


@dataclass(frozen=True)
class RowOutcome:
    """What becomes of one row: its outcome, a reason a person can act on, and the row as it was."""

    number: int
    outcome: Outcome
    reason: str
    cells: list[str]
    name: str = ""
    email: str = ""
    sessions: tuple[str, ...] = ()
    waitlisted: tuple[str, ...] = ()
    #: For an importable row: the person as the registration service takes them, and their seats.
    data: WalkInInput | None = None
    seats: tuple[tuple[Session, SeatStatus], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "outcome": str(self.outcome),
            "reason": self.reason,
            "cells": self.cells,
            "name": self.name,
            "email": self.email,
            "sessions": list(self.sessions),
            "waitlisted": list(self.waitlisted),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RowOutcome:
        return cls(
            number=int(data["number"]),
            outcome=Outcome(data["outcome"]),
            reason=str(data["reason"]),
            cells=[str(cell) for cell in data["cells"]],
            name=str(data["name"]),
            email=str(data["email"]),
            sessions=tuple(str(title) for title in data["sessions"]),
            waitlisted=tuple(str(title) for title in data["waitlisted"]),
        )


@dataclass(frozen=True)
class Plan:
    """Every row's outcome, in the file's order."""

    sheet: Sheet
    columns: Columns
    rows: list[RowOutcome]

    @property
    def imported(self) -> list[RowOutcome]:
        return [row for row in self.rows if row.outcome.imported]

    @property
    def skipped(self) -> list[RowOutcome]:
        return [row for row in self.rows if not row.outcome.imported]


def counts(rows: list[RowOutcome]) -> list[tuple[Outcome, int]]:
    """How many rows have each outcome, in the order of `Outcome`, leaving out those no row has."""
    found = [row.outcome for row in rows]
    return [(outcome, found.count(outcome)) for outcome in Outcome if outcome in found]


@dataclass
class _Seen:
    """The people met so far, by e-mail address and by (name, organization): 0 for those registered
    already, else the row number where the file first has them."""

    emails: dict[str, int]
    people: dict[tuple[str, str], int]

    @classmethod
    async def registered(cls, event: Event) -> _Seen:
        active = Registration.filter(event_id=event.id).exclude(status=RegistrationStatus.CANCELLED)
        people = await active.values_list("name", "organization", "active_email")
        return cls(
            emails={str(email): 0 for _name, _org, email in people if email},
            people={_person(str(name), str(org)): 0 for name, org, _email in people},
        )


def _person(name: str, organization: str) -> tuple[str, str]:
    return _key(name), _key(organization)


def category_keys(event: Event) -> dict[str, str]:
    """Each way a cell may name a category, as compared, to its code: the code, and its label as
    written and as each language shows it (the default category's label is translated). Made once
    a file, not once a row; an earlier category keeps a key two would share."""
    keys: dict[str, str] = {}
    for category in event.categories:
        code = str(category["code"])
        labels = {str(category.get("label") or "")} | {event.category_label(code, language) for language in LANGUAGES}
        for key in [_key(code), *(key for label in labels for key in _names(label))]:
            keys.setdefault(key, code)
    return keys


def _category(keys: dict[str, str], text: str) -> str | None:
    return keys.get(_key(text)) if text else DEFAULT_CATEGORY


def _problems(
    event: Event, columns: Columns, cells: list[str], categories: dict[str, str]
) -> tuple[WalkInInput | None, dict[str, str]]:
    """The row's person as the registration service takes them, or what is wrong, per field."""
    problems: dict[str, str] = {}
    category = _category(categories, columns.value("category", cells))
    if category is None:
        labels = ", ".join(event.category_label(code) for code in event.category_codes)
        problems["category"] = _("Choose one of: %(codes)s.") % {"codes": labels}
    language_text = columns.value("language", cells)
    language = _LANGUAGE_OF.get(_key(language_text)) if language_text else Language.JA
    if language is None:
        problems["language"] = _("Choose one of: %(codes)s.") % {"codes": ", ".join(Language)}
    values = {
        field: columns.value(field, cells)
        for field in ("name", "name_reading", "organization", "email", "member_number")
    }
    try:
        data = parse(WalkInInput, {**values, "category": category, "language": language, "sessions": ["-"]})
    except InvalidInput as exc:
        for key, message in exc.fields.items():
            problems.setdefault(key.split(".")[0], message)
        return None, problems
    return (None if problems else data), problems


def _check(event: Event, columns: Columns, number: int, cells: list[str], categories: dict[str, str]) -> RowOutcome:
    """One row on its own, without the database: its person (`data`, when every field is valid), and
    whether it names its sessions right. NEW stands for "importable so far"."""
    name, email = columns.value("name", cells), columns.value("email", cells)
    row = RowOutcome(number, Outcome.NEW, "", cells, name=name, email=email)
    data, problems = _problems(event, columns, cells, categories)
    if "name" in problems:
        outcome = Outcome.INVALID if name.strip() else Outcome.MISSING_NAME
        return replace(row, outcome=outcome, reason=_("Name: %(problem)s") % {"problem": problems["name"]})
    if "email" in problems:
        return replace(row, outcome=Outcome.INVALID_EMAIL, reason=problems["email"])
    if data is None:
        field, problem = next(iter(problems.items()))
        return replace(row, outcome=Outcome.INVALID, reason=f"{_field_label(field)}: {problem}")
    held, unknown = columns.sessions_of(cells)
    row = replace(row, data=data.model_copy(update={"sessions": [session.code for session in held]}))
    if unknown:
        reason = _("No such session in this event: %(codes)s.") % {"codes": ", ".join(unknown)}
        return replace(row, outcome=Outcome.UNKNOWN_SESSION, reason=reason)
    if not held:
        return replace(row, outcome=Outcome.NO_SESSION, reason=_("No session is marked in this row."))
    return row


def _check_all(event: Event, columns: Columns, sheet: Sheet) -> list[RowOutcome]:
    """Every row checked on its own: CPU work (e-mail addresses above all), for a worker thread."""
    categories = category_keys(event)
    return [_check(event, columns, number, cells, categories) for number, cells in sheet.rows]


def _duplicate(row: RowOutcome, data: WalkInInput, seen: _Seen) -> RowOutcome | None:
    """The row as a duplicate of someone registered or of an earlier row, or None."""
    email_key = normalize_email(data.email)
    if email_key and email_key in seen.emails:
        first = seen.emails[email_key]
        reason = (
            _("The same e-mail address is on row %(number)d.") % {"number": first}
            if first
            else _("This e-mail address is already registered for this event.")
        )
        return replace(row, outcome=Outcome.DUPLICATE_EMAIL, reason=reason, data=None)
    person = _person(data.name, data.organization)
    if not email_key and person in seen.people:
        first = seen.people[person]
        reason = (
            _("The same name and organization are on row %(number)d.") % {"number": first}
            if first
            else _("Someone with this name and organization is already registered for this event.")
        )
        return replace(row, outcome=Outcome.DUPLICATE_PERSON, reason=reason, data=None)
    return None


def _settle(checked: list[RowOutcome], sessions: list[Session], seen: _Seen) -> list[RowOutcome]:
    """What the checked rows come to against the people and seat counts as they are now.

    Whoever is registered already is reported so, whatever else the row says. A row counts as the
    first of its person only once it is importable, so a corrected copy further down still is. Seats
    go by `plan_seats`, in the file's order: confirmed while the session has room.
    """
    room = room_in(sessions)
    by_code = {session.code: session for session in sessions}
    rows: list[RowOutcome] = []
    for row in checked:
        data = row.data
        if data is None:
            rows.append(row)
            continue
        duplicate = _duplicate(row, data, seen)
        if duplicate is not None or row.outcome != Outcome.NEW:
            rows.append(duplicate or replace(row, data=None))
            continue
        if email_key := normalize_email(data.email):
            seen.emails[email_key] = row.number
        seen.people.setdefault(_person(data.name, data.organization), row.number)
        chosen = sorted((by_code[code] for code in data.sessions), key=lambda session: session.id)
        seats = list(zip(chosen, plan_seats(room, [session.id for session in chosen]), strict=True))
        rows.append(_with_seats(row, seats))
    return rows


def _with_seats(row: RowOutcome, seats: list[tuple[Session, SeatStatus]], *, done: bool = False) -> RowOutcome:
    """The row as NEW, or as WAITLISTED in the sessions that are full, said for before or after the import."""
    titles = tuple(session.title for session, _status in seats)
    waitlisted = tuple(session.title for session, status in seats if status == SeatStatus.WAITLISTED)
    row = replace(row, sessions=titles, waitlisted=waitlisted, seats=tuple(seats))
    if not waitlisted:
        return replace(row, outcome=Outcome.NEW, reason=_("Registered.") if done else _("Will be registered."))
    reason = (
        _("Full: %(sessions)s. On the waiting list there.")
        if done
        else _("Full: %(sessions)s. Goes on the waiting list there.")
    ) % {"sessions": ", ".join(waitlisted)}
    return replace(row, outcome=Outcome.WAITLISTED, reason=reason)


async def preview(event: Event, sheet: Sheet) -> Plan:
    """What importing the sheet would do now: each row's outcome, with seats counted as they stand."""
    sessions = list(await Session.filter(event_id=event.id))
    columns = Columns.match(sheet.headers, sessions)
    checked = await offload.run(_check_all, event, columns, sheet)
    return Plan(sheet, columns, _settle(checked, sessions, await _Seen.registered(event)))


async def carry_out(event: Event, sheet: Sheet, staff: StaffAccount | None = None) -> Plan:
    """Write every importable row in one transaction, deciding duplicates and seats again under the
    sessions' locks (people may have registered since the preview).

    The rows are checked before the transaction, and the writes go a statement per table rather
    than five per person, so 500 people hold the write lock (which the door's scans wait for on
    SQLite) for a fraction of a second. Each new registration's change log names the file, the row
    and the staff account.
    """
    sessions = list(await Session.filter(event_id=event.id))
    columns = Columns.match(sheet.headers, sessions)
    checked = await offload.run(_check_all, event, columns, sheet)
    people = [row.data for row in checked if row.data is not None]
    organizations = await _organizations_counted(event, people)

    async def work() -> Plan:
        for number in organizations:  # their turns before the sessions, in order, as a registration's
            await take_units_turn(event.id, number)
        await lock_sessions([session.id for session in sessions])
        now = list(await Session.filter(event_id=event.id))
        if _outline(now) != _outline(sessions):
            raise Conflict(_("The event's sessions changed meanwhile. Look at the preview again."), code="changed")
        rows = _settle(checked, now, await _Seen.registered(event))
        importable = [row for row in rows if row.data is not None]
        await _count_confirmed_seats(importable)
        registrations = await _create_registrations(event, importable)
        moment, staff_id = clock.now(), staff.id if staff else None
        people = list(zip(importable, registrations, strict=True))
        seats = [
            [person.id, session.id, str(status), moment, moment]
            for row, person in people
            for session, status in row.seats
        ]
        await execute_many(INSERT_SEAT, seats)
        encode = cast(JSONField[Any], RegistrationChange._meta.fields_map["details"]).encoder
        source = [
            [person.id, staff_id, "imported", encode({"file": sheet.filename, "row": row.number}), moment]
            for row, person in people
        ]
        await execute_many(INSERT_CHANGE, source)
        await settle_charges([person.id for person in registrations], events=[event])
        done = [_with_seats(row, list(row.seats), done=True) if row.data is not None else row for row in rows]
        return Plan(sheet, columns, done)

    for _attempt in range(CODE_ATTEMPTS):
        try:
            plan = await atomic(work)
        except IntegrityError:
            continue  # a new code was taken already: decide again and draw others
        await event_changed(event)
        return plan
    raise Conflict(_("Could not import just now; please try again."), code="busy")


def _outline(sessions: list[Session]) -> list[tuple[int, str, str]]:
    return sorted((session.id, session.code, session.title) for session in sessions)


async def _count_confirmed_seats(rows: list[RowOutcome]) -> None:
    """Add the rows' confirmed seats to their sessions' counts: under the locks, as planned, there is
    room for them, so a session without it means the plan is stale."""
    confirmed = Counter(session.id for row in rows for session, status in row.seats if status == SeatStatus.CONFIRMED)
    if await claim_seats(confirmed):
        raise Conflict(_("The sessions changed during the import; please try again."), code="busy")


async def _create_registrations(event: Event, rows: list[RowOutcome]) -> list[Registration]:
    """One registration per row, in order, with their ids (read back by code: a bulk insert returns none)."""
    drawn: set[str] = set()
    while len(drawn) < len(rows):
        drawn.add(codes.new_code())
    people = [row.data for row in rows if row.data is not None]
    standings = await _standings(event, people)
    registrations = []
    for row, code, standing in zip(rows, drawn, standings, strict=True):
        assert row.data is not None
        status = overall_status([status for _session, status in row.seats])
        registrations.append(build_registration(event, row.data, status, code, standing))
    await Registration.bulk_create(registrations, batch_size=BATCH)
    ids: dict[str, int] = {}
    for start in range(0, len(registrations), BATCH):
        batch = [registration.code for registration in registrations[start : start + BATCH]]
        ids.update(await Registration.filter(code__in=batch).values_list("code", "id"))
    for registration in registrations:
        registration.id = ids[registration.code]
    return registrations


async def _standings(event: Event, people: list[WalkInInput]) -> list[Standing]:
    """Each person's standing against the roster, the organizations' units counted as they are now."""
    roster = await Roster.load(event, [p.email for p in people], [p.member_number for p in people])
    return [roster.standing(p.category or DEFAULT_CATEGORY, p.email, p.member_number) for p in people]


async def _organizations_counted(event: Event, people: list[WalkInInput]) -> list[str]:
    """The numbers of the organizations whose units these people would be counted against, in order:
    the import takes their turns (`standing.take_units_turn`) before writing. None on SQLite, whose
    write lock already orders the counts, nor for an event without member categories."""
    if not event.member_categories or not supports_row_locks():
        return []
    return sorted({standing.number for standing in await _standings(event, people) if standing.units is not None})


def template_csv(event: Event) -> bytes:
    """An empty file to type paper forms into: the Japanese headers the import knows, a column per
    session (by title: mark the sessions each person attends), and one example row to replace."""
    sessions = sorted(event.sessions, key=lambda session: (session.position, session.starts_at))
    headers = ["氏名", "ふりがな", "所属", "メールアドレス", "区分", "言語", *(session.title for session in sessions)]
    example = [
        "山田 花子",
        "やまだ はなこ",
        "",
        "hanako@example.org",
        event.category_label(DEFAULT_CATEGORY, "ja"),
        "ja",
    ]
    example += ["○" if index == 0 else "" for index, _session in enumerate(sessions)]
    return write_csv(Table("template", headers, [example]))


def skipped_csv(sheet: Sheet, rows: list[RowOutcome]) -> bytes:
    """The skipped rows for the secretariat to correct: row number, outcome, reason, then the row as it was."""
    headers = ["row", "outcome", "reason", *sheet.headers]
    table = Table("skipped", headers, [[row.number, str(row.outcome), row.reason, *row.cells] for row in rows])
    return write_csv(table)
