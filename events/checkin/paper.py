"""Paper at the door: a session's sign-in sheet to print, and the ticked sheet entered afterwards."""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from events import clock, fonts, offload
from events.badges.render import INK, MUTED
from events.checkin import service
from events.checkin.models import CheckIn, Result, Source
from events.program.models import Event, Session
from events.registrations.codes import display_code
from events.registrations.models import Registration, SeatStatus
from events.staff.models import StaffAccount


@dataclass(frozen=True)
class SheetRow:
    code: str
    name: str
    reading: str
    organization: str
    checked_in: bool
    language: str = "ja"


async def sheet_rows(event: Event, session: Session) -> list[SheetRow]:
    """The session's confirmed people, sorted by reading (the name where none), with who is already in."""
    people = await Registration.filter(
        event=event, seats__session_id=session.id, seats__status=SeatStatus.CONFIRMED
    ).order_by("sort_name", "id")
    checked_in = await CheckIn.filter(session_id=session.id).values_list("registration_id", flat=True)
    inside: set[int] = {int(row_id) for row_id in checked_in}  # type: ignore[call-overload]
    return [
        SheetRow(
            person.code,
            person.name,
            person.name_reading,
            person.organization,
            person.id in inside,
            str(person.language),
        )
        for person in people
    ]


def render_sheet(event: Event, session: Session, rows: list[SheetRow], labels: dict[str, str]) -> bytes:
    """A4 pages: a row per person with a box to tick; the code lets a tick be entered without doubt."""
    families = fonts.families(event.language)
    regular, bold = families["regular"], families["bold"]
    output = io.BytesIO()
    canvas = Canvas(output, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{event.title} · {session.title}")
    width, height = A4
    left, right, top, bottom = 15 * mm, width - 15 * mm, height - 15 * mm, 15 * mm
    row_height = 9 * mm
    when = clock.local(session.starts_at, event.timezone).strftime("%Y-%m-%d %H:%M")
    pages = max(1, -(-len(rows) // int((top - 35 * mm - bottom) // row_height)))

    def text(value: str, x: float, y: float, size: float, family: fonts.Family) -> None:
        cursor = x
        for font_name, piece in fonts.runs(value, family):
            canvas.setFont(font_name, size)
            canvas.drawString(cursor, y, piece)
            cursor += canvas.stringWidth(piece, font_name, size)

    def clipped(value: str, size: float, family: fonts.Family, room: float) -> str:
        while value and fonts.width(value, family, size) > room:
            value = value[:-1]
        return value

    page = 1

    def header() -> float:
        canvas.setFillColor(INK)
        text(event.title, left, top - 5 * mm, 12, bold)
        text(f"{session.title} · {when}", left, top - 11 * mm, 10, regular)
        canvas.setFillColor(MUTED)
        text(labels["hint"], left, top - 17 * mm, 8, regular)
        text(f"{page} / {pages}", right - 15 * mm, top - 5 * mm, 9, regular)
        canvas.setFillColor(INK)
        heading_y = top - 27 * mm
        text(labels["name"], left + 12 * mm, heading_y, 8.5, bold)
        text(labels["organization"], left + 105 * mm, heading_y, 8.5, bold)
        text(labels["code"], right - 25 * mm, heading_y, 8.5, bold)
        canvas.setStrokeColor(MUTED)
        canvas.line(left, heading_y - 2 * mm, right, heading_y - 2 * mm)
        return float(heading_y - 2 * mm)

    y = header()
    for row in rows:
        if y - row_height < bottom:
            canvas.showPage()
            page += 1
            y = header()
        baseline = y - row_height + 3 * mm
        canvas.setStrokeColor(INK)
        canvas.rect(left + 1 * mm, baseline - 1 * mm, 5 * mm, 5 * mm, stroke=1, fill=0)
        if row.checked_in:
            canvas.line(left + 2 * mm, baseline + 1.5 * mm, left + 3.5 * mm, baseline)
            canvas.line(left + 3.5 * mm, baseline, left + 5.5 * mm, baseline + 3.5 * mm)
        name = row.name + (f"  ({row.reading})" if row.reading else "")
        own = fonts.families(row.language)["regular"]  # their Hanja in their own language's forms
        text(clipped(name, 10, own, 90 * mm), left + 12 * mm, baseline, 10, own)
        text(clipped(row.organization, 8.5, own, 55 * mm), left + 105 * mm, baseline, 8.5, own)
        canvas.setFont("Courier", 9)
        canvas.drawString(right - 25 * mm, baseline, display_code(row.code))
        canvas.setStrokeColor(MUTED)
        canvas.setLineWidth(0.2)
        canvas.line(left, y - row_height, right, y - row_height)
        canvas.setLineWidth(1)
        y -= row_height
    canvas.showPage()
    canvas.save()
    return output.getvalue()


async def sign_in_sheet(event: Event, session: Session, labels: dict[str, str]) -> bytes:
    rows = await sheet_rows(event, session)
    return await offload.run(render_sheet, event, session, rows, labels)


async def enter_sheet(
    event: Event, session: Session, codes: list[str], *, secret_key: str, staff: StaffAccount | None
) -> dict[Result, int]:
    """Check in the people ticked on a paper sheet, marked as coming from paper; returns the answers' counts."""
    counts: dict[Result, int] = {}
    for code in codes:
        answer = await service.check_in(
            event, code, session.code, secret_key=secret_key, device="paper", staff=staff, source=Source.PAPER
        )
        counts[answer.result] = counts.get(answer.result, 0) + 1
    return counts
