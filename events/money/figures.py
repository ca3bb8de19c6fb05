"""The money figures of an event, from the ledger: one service for the report page, its PDF, the
API and the participants file, so each says the same sums.

- `charged`: what the confirmed seats cost (charges less the charges reversed);
- `paid_cash`, `paid_transfer`: money taken, by how;
- `refunded`: money given back; `waived`: what people were let off;
- `outstanding`: what people still owe; `owed_back`: what the organizers still owe people.

For every registration `charged - paid + refunded - waived` is its amount due, so in all
`charged - paid_cash - paid_transfer + refunded - waived == outstanding - owed_back`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date
from typing import Any

from events import clock
from events.database import fetch
from events.i18n import gettext as _
from events.money.models import EntryKind, LedgerEntry, Method
from events.program.models import Event

BY_CATEGORY = (
    'SELECT r."category", l."kind", l."method", SUM(l."amount") AS "total" FROM "ledger_entry" l '
    'JOIN "registration" r ON r."id" = l."registration_id" WHERE l."event_id" = ? '
    'GROUP BY r."category", l."kind", l."method"'
)
DUE_BY_CATEGORY = (
    'SELECT "category", SUM(CASE WHEN "amount_due" > 0 THEN "amount_due" ELSE 0 END) AS "outstanding", '
    'SUM(CASE WHEN "amount_due" < 0 THEN -"amount_due" ELSE 0 END) AS "owed_back" '
    'FROM "registration" WHERE "event_id" = ? GROUP BY "category"'
)
CHARGED_BY_SESSION = (
    'SELECT "session_id", SUM("amount") AS "total" FROM "ledger_entry" '
    'WHERE "event_id" = ? AND "kind" = ? GROUP BY "session_id"'
)
PAID_BY_PERSON = (
    'SELECT "registration_id", SUM("amount") AS "total" FROM "ledger_entry" '
    'WHERE "event_id" = ? AND "kind" IN (?, ?) GROUP BY "registration_id"'
)

#: The figures, in the order tables show them.
FIGURES = ("charged", "paid_cash", "paid_transfer", "refunded", "waived", "outstanding", "owed_back")


def headings() -> dict[str, str]:
    """Each figure's heading in the reader's language."""
    return {
        "charged": _("Charged"),
        "paid_cash": _("Paid in cash"),
        "paid_transfer": _("Paid by transfer"),
        "refunded": _("Refunded"),
        "waived": _("Waived"),
        "outstanding": _("Still to pay"),
        "owed_back": _("To give back"),
    }


@dataclass
class Sums:
    charged: int = 0
    paid_cash: int = 0
    paid_transfer: int = 0
    refunded: int = 0
    waived: int = 0
    outstanding: int = 0
    owed_back: int = 0

    def add(self, kind: str, method: str, total: int) -> None:
        """One group of entries, signed as the ledger keeps them (a payment is negative)."""
        if kind == EntryKind.CHARGE:
            self.charged += total
        elif kind == EntryKind.PAYMENT and method == Method.TRANSFER:
            self.paid_transfer -= total
        elif kind == EntryKind.PAYMENT:
            self.paid_cash -= total
        elif kind == EntryKind.REFUND:
            self.refunded += total
        elif kind == EntryKind.WAIVER:
            self.waived -= total

    def plus(self, other: Sums) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class MoneyFigures:
    currency: str
    totals: Sums = field(default_factory=Sums)
    #: (code, label, sums) per category that has any money, in the event's order.
    categories: list[tuple[str, str, Sums]] = field(default_factory=list)
    #: (code, title, charged) per session that was charged for.
    sessions: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return any(getattr(self.totals, name) for name in FIGURES) or bool(self.categories)

    def as_json(self) -> dict[str, Any]:
        """The API's shape: the totals, then each category's and each session's."""
        return {
            "currency": self.currency,
            **asdict(self.totals),
            "by_category": [{"code": code, "label": label, **asdict(sums)} for code, label, sums in self.categories],
            "by_session": [
                {"code": code, "title": title, "charged": charged} for code, title, charged in self.sessions
            ],
        }


async def money_figures(event: Event) -> MoneyFigures:
    """The event's money, in all and by category and session (the event's sessions loaded)."""
    per_category: dict[str, Sums] = defaultdict(Sums)
    for row in await fetch(BY_CATEGORY, [event.id]):
        per_category[str(row["category"])].add(str(row["kind"]), str(row["method"]), int(row["total"]))
    for row in await fetch(DUE_BY_CATEGORY, [event.id]):
        if row["outstanding"] or row["owed_back"]:
            sums = per_category[str(row["category"])]
            sums.outstanding, sums.owed_back = int(row["outstanding"] or 0), int(row["owed_back"] or 0)
    figures = MoneyFigures(event.currency)
    order = [*event.category_codes, *sorted(set(per_category) - set(event.category_codes))]
    for code in order:
        if code in per_category:
            figures.categories.append((code, event.category_label(code), per_category[code]))
            figures.totals.plus(per_category[code])
    rows = await fetch(CHARGED_BY_SESSION, [event.id, EntryKind.CHARGE.value])
    charged = {int(row["session_id"]): int(row["total"]) for row in rows if row["session_id"] is not None}
    fees = sum(int(row["total"]) for row in rows if row["session_id"] is None)
    figures.sessions = [
        (session.code, session.title, charged[session.id]) for session in event.sessions if charged.get(session.id)
    ]
    if fees:
        # Charges of no session: the fees late cancellations kept.
        figures.sessions.append(("cancellation", _("Cancellation fees"), fees))
    return figures


async def paid_by_person(event: Event) -> dict[int, int]:
    """Registration id → what the person has paid and not had back (for the participants file)."""
    rows = await fetch(PAID_BY_PERSON, [event.id, EntryKind.PAYMENT.value, EntryKind.REFUND.value])
    return {int(row["registration_id"]): -int(row["total"]) for row in rows}


@dataclass
class DeskCash:
    """What one desk (device) took in cash on one day, and gave back, and who worked it."""

    device: str
    staff: list[str] = field(default_factory=list)
    taken: int = 0
    given_back: int = 0
    payments: int = 0

    @property
    def net(self) -> int:
        """What should be in that desk's box from the day's payments."""
        return self.taken - self.given_back


async def cash_days(event: Event) -> list[date]:
    """The days (in the event's zone) on which cash was taken or given back."""
    moments = await LedgerEntry.filter(event_id=event.id, method=Method.CASH).values_list("at", flat=True)
    return sorted({clock.local(clock.stored(moment), event.timezone).date() for moment in moments})


async def cash_by_desk(event: Event, day: date) -> list[DeskCash]:
    """The day's cash per desk and staff account, to count each box against."""
    # In UTC, as the times are stored: SQLite compares them as text.
    start = clock.start_of_day(day, event.timezone).astimezone(UTC)
    end = clock.end_of_day(day, event.timezone).astimezone(UTC)
    entries = await LedgerEntry.filter(event_id=event.id, method=Method.CASH, at__gte=start, at__lt=end).order_by("id")
    desks: dict[str, DeskCash] = {}
    for entry in entries:
        desk = desks.setdefault(entry.device, DeskCash(entry.device))
        if entry.staff_email and entry.staff_email not in desk.staff:
            desk.staff.append(entry.staff_email)
        if entry.kind == EntryKind.PAYMENT:
            desk.taken -= entry.amount
            desk.payments += 1
        elif entry.kind == EntryKind.REFUND:
            desk.given_back += entry.amount
    return sorted(desks.values(), key=lambda desk: desk.device)
