"""A bank statement's deposits, matched to registrations by their transfer reference.

The organizers download their account's statement (CSV or XLSX, Shift_JIS or UTF-8, as Japanese
banks give it) and upload it. Each deposit whose payer name starts with a valid reference of this
event's registration, for exactly the amount that registration owes, is a match; every other line
is listed with the reason it is not. Nothing is recorded until the organizer confirms the preview,
and each line is recorded under its own payment_id (made from the line itself), so importing the
same statement twice records nothing twice.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from events.errors import Conflict, InvalidInput
from events.i18n import gettext as _
from events.money import ledger, transfers
from events.money.models import LedgerEntry
from events.program.models import Event
from events.registrations import sheets
from events.registrations.models import Registration
from events.staff.models import StaffAccount

#: Header words that name each column, as Japanese banks and English ones write them (lower-cased).
DATE_WORDS = ("日付", "取引日", "お取引日", "年月日", "勘定日", "date")
PAYER_WORDS = ("振込依頼人", "依頼人", "摘要", "お取引内容", "取引内容", "内容", "description", "payer", "name")
AMOUNT_WORDS = (
    "お預り金額",
    "お預入金額",
    "預入金額",
    "預り金額",
    "入金金額",
    "入金額",
    "入金",
    "credit",
    "deposit",
    "amount",
)


class Outcome(StrEnum):
    MATCHED = "matched"
    RECORDED = "recorded"
    AMOUNT_DIFFERS = "amount_differs"
    PAID_ALREADY = "paid_already"
    NO_REFERENCE = "no_reference"
    NOT_THIS_EVENT = "not_this_event"
    NOT_A_DEPOSIT = "not_a_deposit"


@dataclass(frozen=True)
class Line:
    number: int
    date: str
    payer: str
    amount: int | None
    #: The payment_id a deposit is recorded under: the same line of the same statement, the same id.
    key: str


@dataclass(frozen=True)
class Match:
    line: Line
    outcome: Outcome
    registration: Registration | None = None
    #: What the registration owed when the statement was read.
    owed: int = 0


def _column(headers: list[str], words: tuple[str, ...]) -> int | None:
    folded = [unicodedata.normalize("NFKC", header).strip().lower() for header in headers]
    for word in words:
        for index, header in enumerate(folded):
            if word in header:
                return index
    return None


def _is_header(row: list[str]) -> bool:
    return _column(row, PAYER_WORDS) is not None and _column(row, AMOUNT_WORDS) is not None


def _amount(text: str) -> int | None:
    plain = unicodedata.normalize("NFKC", text).replace(",", "").replace("円", "").replace("¥", "").strip()
    if not plain:
        return None
    try:
        value = float(plain)
    except ValueError:
        return None
    return int(value) if value == int(value) else None


def read(filename: str, content: bytes) -> list[Line]:
    """The statement's lines; `UnreadableFile` when it has no columns for the payer and the deposit."""
    sheet = sheets.read(filename, content, _is_header)
    payer, amount, day = (_column(sheet.headers, words) for words in (PAYER_WORDS, AMOUNT_WORDS, DATE_WORDS))
    if payer is None or amount is None:
        raise sheets.UnreadableFile(_("The statement needs a column for the payer's name and one for the deposit."))
    seen: Counter[tuple[str, str, str]] = Counter()
    lines = []
    for number, cells in sheet.rows:
        cells = cells + [""] * (len(sheet.headers) - len(cells))
        date = cells[day].strip() if day is not None else ""
        name, money = cells[payer].strip(), cells[amount].strip()
        seen[(date, name, money)] += 1
        digest = hashlib.sha256(f"{date}|{name}|{money}|{seen[(date, name, money)]}".encode()).hexdigest()
        lines.append(Line(number, date, name, _amount(money), f"bank:{digest[:40]}"))
    return lines


async def match(event: Event, lines: list[Line]) -> list[Match]:
    """Each line's match, or why it is none (nothing is written)."""
    wanted = {line.number: transfers.registration_id(line.payer) for line in lines}
    ids = {found for found in wanted.values() if found is not None}
    people = {person.id: person for person in await Registration.filter(id__in=ids, event_id=event.id)} if ids else {}
    matches = []
    for line in lines:
        person_id = wanted[line.number]
        person = people.get(person_id) if person_id is not None else None
        if line.amount is None or line.amount <= 0:
            matches.append(Match(line, Outcome.NOT_A_DEPOSIT))
        elif person_id is None:
            matches.append(Match(line, Outcome.NO_REFERENCE))
        elif person is None:
            matches.append(Match(line, Outcome.NOT_THIS_EVENT))
        elif await LedgerEntry.exists(event_id=event.id, payment_id=line.key) or person.amount_due <= 0:
            matches.append(Match(line, Outcome.PAID_ALREADY, person, person.amount_due))
        elif line.amount != person.amount_due:
            matches.append(Match(line, Outcome.AMOUNT_DIFFERS, person, person.amount_due))
        else:
            matches.append(Match(line, Outcome.MATCHED, person, person.amount_due))
    return matches


async def record(event: Event, lines: list[Line], staff: StaffAccount) -> list[Match]:
    """Record every matched deposit as a transfer received (with its receipt); the others as they were."""
    done = []
    for found in await match(event, lines):
        if found.outcome != Outcome.MATCHED or found.registration is None or found.line.amount is None:
            done.append(found)
            continue
        note = _("bank statement, %(date)s") % {"date": found.line.date} if found.line.date else ""
        try:
            await ledger.record(
                found.registration, found.line.amount, "transfer", staff=staff, note=note, payment_id=found.line.key
            )
        except (Conflict, InvalidInput):
            done.append(Match(found.line, Outcome.PAID_ALREADY, found.registration, found.owed))  # paid meanwhile
            continue
        done.append(Match(found.line, Outcome.RECORDED, found.registration, found.owed))
    return done
