"""Importing the member roster: the secretariat's list (CSV or XLSX), previewed, then all or nothing.

The file is the whole roster: importing it replaces the one kept. One wrong row (a number given
twice, a type or date that cannot be read) stops the import, and the preview lists every such row
by its row number in the file, so the organizer mends the file and uploads it again rather than
ending up with half a roster.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from email_validator import EmailNotValidError, validate_email

from events import clock
from events.database import atomic
from events.i18n import gettext as _
from events.members.models import Member, MemberAddress, MemberKind
from events.registrations import sheets
from events.registrations.sheets import Sheet
from events.text import clean_line, forbidden_character, normalize_email

#: Headers each column is known by (compared without case, width or spaces).
ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("number", "member_number", "member no", "no", "会員番号", "番号", "회원번호"),
    "name": ("name", "氏名", "名前", "名称", "会員名", "氏名・団体名", "団体名・氏名", "이름"),
    "email": ("email", "e-mail", "mail", "emails", "メール", "メールアドレス", "eメール", "電子メール", "이메일"),
    "kind": ("type", "kind", "種別", "会員種別", "区分", "会員区分"),
    "units": ("units", "口数", "口"),
    "organization": ("organization", "organisation", "所属", "団体", "団体名", "所属団体"),
    "valid_until": ("valid_until", "valid until", "expires", "有効期限", "会員期限", "期限", "有効期間"),
}
REQUIRED = ("number", "name", "kind")
#: The words a type is written in, Japanese or English.
KIND_WORDS: dict[MemberKind, tuple[str, ...]] = {
    MemberKind.INDIVIDUAL: ("individual", "個人", "個人会員", "正会員(個人)", "individual member"),
    MemberKind.ORGANIZATION: (
        "organization",
        "organisation",
        "団体",
        "団体会員",
        "正会員(団体)",
        "organizational member",
    ),
    MemberKind.INDIVIDUAL_SUBSCRIBER: ("individual_subscriber", "個人購読", "個人購読会員", "individual subscriber"),
    MemberKind.ORGANIZATION_SUBSCRIBER: (
        "organization_subscriber",
        "団体購読",
        "団体購読会員",
        "organizational subscriber",
        "organization subscriber",
    ),
}
_SEPARATORS = re.compile(r"[\s,;、，；]+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M")


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "").replace("_", "").replace("-", "")


_COLUMN_KEYS = {_key(word): column for column, words in ALIASES.items() for word in words}
_KIND_KEYS = {_key(word): kind for kind, words in KIND_WORDS.items() for word in words}


def normalize_number(text: str) -> str:
    """A member number as compared: full-width digits made half-width, spaces gone, upper case."""
    return unicodedata.normalize("NFKC", text).replace(" ", "").strip().upper()[:32]


@dataclass(frozen=True)
class Entry:
    number: str
    name: str
    kind: MemberKind
    units: int
    organization: str
    addresses: list[str]
    valid_until: date | None


@dataclass
class Row:
    number: int
    entry: Entry | None = None
    #: What is wrong with the row, by column.
    problems: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Preview:
    rows: list[Row]

    @property
    def problems(self) -> list[Row]:
        return [row for row in self.rows if row.problems]

    @property
    def entries(self) -> list[Entry]:
        return [row.entry for row in self.rows if row.entry is not None]

    @property
    def kinds(self) -> list[tuple[MemberKind, int]]:
        counted = Counter(entry.kind for entry in self.entries)
        return [(kind, counted[kind]) for kind in MemberKind if counted[kind]]


def _is_header(cells: list[str]) -> bool:
    found = {_COLUMN_KEYS.get(_key(cell)) for cell in cells}
    return all(column in found for column in REQUIRED)


def read(filename: str, content: bytes) -> Sheet:
    """The file's table; `UnreadableFile` when it is no spreadsheet or has no number, name and type columns."""
    missing = _(
        "No header row with columns for the member number (会員番号), the name (氏名) and the type (種別) was found."
    )
    return sheets.read(filename, content, _is_header, missing)


def check(sheet: Sheet) -> Preview:
    """Each row read into an entry, or what is wrong with it; numbers given twice are wrong in both rows."""
    columns: dict[str, int] = {}
    for index, header in enumerate(sheet.headers):
        column = _COLUMN_KEYS.get(_key(header))
        if column and column not in columns:
            columns[column] = index
    rows = [_row(number, cells, columns) for number, cells in sheet.rows]
    seen = Counter(row.entry.number for row in rows if row.entry)
    for row in rows:
        if row.entry and seen[row.entry.number] > 1:
            row.problems["number"] = _("The member number %(number)s is given more than once.") % {
                "number": row.entry.number
            }
    for row in rows:
        if row.problems:
            row.entry = None
    return Preview(rows)


def _row(number: int, cells: list[str], columns: dict[str, int]) -> Row:
    def cell(column: str) -> str:
        index = columns.get(column)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    row = Row(number)
    member_number = normalize_number(cell("number"))
    if not member_number:
        row.problems["number"] = _("The member number is missing.")
    name = clean_line(cell("name"))
    if not name:
        row.problems["name"] = _("The name is missing.")
    elif len(name) > 200 or forbidden_character(name):
        row.problems["name"] = _("The name is longer than 200 characters or holds a control character.")
    kind = _KIND_KEYS.get(_key(cell("kind")))
    if kind is None:
        row.problems["kind"] = _(
            "Unknown type %(type)r: write 個人会員, 団体会員, 個人購読会員 or 団体購読会員 (or individual, "
            "organization, individual_subscriber, organization_subscriber)."
        ) % {"type": cell("kind")}
    units = _units(cell("units"))
    if units is None:
        row.problems["units"] = _("The units (口数) are a whole number from 1 to 1,000.")
    addresses = []
    for address in _SEPARATORS.split(unicodedata.normalize("NFKC", cell("email"))):
        if address:
            checked = _address(address)
            if checked is None:
                row.problems["email"] = _("%(address)r is not an e-mail address or an @domain.") % {"address": address}
            else:
                addresses.append(checked)
    valid_until = None
    if cell("valid_until"):
        valid_until = _day(cell("valid_until"))
        if valid_until is None:
            row.problems["valid_until"] = _("Write the date as 2027-03-31.")
    organization = clean_line(cell("organization"))[:200]
    if not row.problems and kind is not None and units is not None:
        row.entry = Entry(member_number, name, kind, units, organization, list(dict.fromkeys(addresses)), valid_until)
    return row


def _units(text: str) -> int | None:
    plain = unicodedata.normalize("NFKC", text).replace("口", "").strip()
    if not plain:
        return 1
    try:
        value = float(plain)
    except ValueError:
        return None
    return int(value) if value.is_integer() and 1 <= value <= 1000 else None


def _address(text: str) -> str | None:
    """An address as the roster keeps it (lower case), or `@domain` for a whole organization."""
    if text.startswith("@"):
        domain = text[1:].strip(".").lower()
        try:
            validate_email(f"x@{domain}", check_deliverability=False)
        except EmailNotValidError:
            return None
        return f"@{domain}"
    try:
        return normalize_email(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


def _day(text: str) -> date | None:
    plain = unicodedata.normalize("NFKC", text).strip()
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(plain, pattern).date()
        except ValueError:
            continue
    return None


async def replace(preview: Preview) -> int:
    """The roster becomes the file's entries, at once; refused (ValueError) while any row is wrong."""
    if preview.problems:
        raise ValueError("a roster with wrong rows is not imported")
    entries = preview.entries

    async def work() -> int:
        await MemberAddress.all().delete()
        await Member.all().delete()
        moment = clock.now()
        members = [
            Member(
                number=entry.number,
                name=entry.name,
                kind=entry.kind,
                units=entry.units,
                organization=entry.organization,
                valid_until=entry.valid_until,
                imported_at=moment,
            )
            for entry in entries
        ]
        await Member.bulk_create(members, batch_size=500)
        ids = dict(await Member.all().values_list("number", "id"))
        await MemberAddress.bulk_create(
            [
                MemberAddress(member_id=ids[entry.number], address=address)
                for entry in entries
                for address in entry.addresses
            ],
            batch_size=500,
        )
        return len(members)

    return await atomic(work)


async def erase() -> int:
    """The whole roster gone (the registrations keep the member number they were registered under)."""

    async def work() -> int:
        await MemberAddress.all().delete()
        return await Member.all().delete()

    return await atomic(work)


async def drop_ended(today: date, *, kept_days: int = 365) -> int:
    """Entries whose membership ended more than `kept_days` ago: gone (their addresses with them)."""
    ended = await Member.filter(valid_until__lt=today - timedelta(days=kept_days)).values_list("id", flat=True)
    if not ended:
        return 0
    await MemberAddress.filter(member_id__in=list(ended)).delete()
    return await Member.filter(id__in=list(ended)).delete()
