"""The ledger as a spreadsheet: every entry of an event, one a row, for the treasurer's books."""

from __future__ import annotations

from typing import Any

from events import clock
from events.database import fetch
from events.money.models import EntryKind
from events.program.models import Event
from events.reports.exports import Table

ENTRIES = (
    'SELECT l."id", l."at", l."kind", l."method", l."amount", l."note", l."staff_email", l."payment_id", '
    'r."code", r."name", r."category", s."code" AS "session" FROM "ledger_entry" l '
    'JOIN "registration" r ON r."id" = l."registration_id" LEFT JOIN "session" s ON s."id" = l."session_id" '
    'WHERE l."event_id" = ? ORDER BY l."id"'
)

HEADERS = [
    "id",
    "at",
    "code",
    "name",
    "category",
    "kind",
    "method",
    "session",
    "amount",
    "effect_on_amount_due",
    "note",
    "staff",
    "payment_id",
]


def money_moved(kind: str, effect: int) -> int:
    """An entry's amount as money moved or charged (a payment of ¥2,000 is 2000), from its effect on
    what is due (-2000)."""
    return -effect if kind in (EntryKind.PAYMENT, EntryKind.WAIVER) else effect


async def ledger_table(event: Event) -> Table:
    """Every ledger entry of the event, oldest first, times in the event's zone."""
    rows: list[list[Any]] = []
    for row in await fetch(ENTRIES, [event.id]):
        at = clock.wall_clock(row["at"], event.timezone)
        kind, effect = str(row["kind"]), int(row["amount"])
        rows.append(
            [
                row["id"],
                at,
                row["code"],
                row["name"],
                row["category"],
                kind,
                row["method"],
                row["session"] or "",
                money_moved(kind, effect),
                effect,
                row["note"],
                row["staff_email"],
                row["payment_id"] or "",
            ]
        )
    widths = [8, 17, 11, 24, 18, 10, 10, 12, 10, 12, 24, 24, 24]
    return Table(title=f"{event.slug} ledger", headers=HEADERS, rows=rows, widths=widths)
