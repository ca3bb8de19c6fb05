"""The funder's PDF report: its figures, words and scripts read back from the PDF itself."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

import pypdfium2 as pdfium
import pytest

from events import clock
from events.badges import tokens
from events.checkin import service
from events.checkin.models import Source
from events.program.models import Event
from events.program.service import get_event
from events.registrations.service import cancel
from events.reports.attendance import arrivals, attendance
from events.reports.pdf import render_report
from events.settings import Settings
from tests.factories import TOKYO, make_event, make_registration

CATEGORIES = [{"code": "member", "label": "Member"}, {"code": "non_member", "label": "Non-member"}]


def at(event: Event, day: int, hour: int, minute: int) -> datetime:
    """A moment on the event's `day` (0 is the first), Tokyo time."""
    return datetime.combine(event.starts_on + timedelta(days=day), time(hour, minute), TOKYO)


async def small_event(monkeypatch: pytest.MonkeyPatch, settings: Settings, **changes: Any) -> Event:
    """Eight people in two categories (one cancelled, one a walk-in) checked in over both days.

    The clock stands at the end of the event's second day, so every check-in keeps the time it was
    scanned at (the door never records a time in the future) and the arrivals are the same every run.
    """
    await make_event(categories=CATEGORIES, **changes)
    event = await get_event("workshop")
    monkeypatch.setattr(clock, "now", lambda: at(event, 1, 18, 0))

    people = {}
    for number in range(1, 8):
        member = number <= 4
        sessions = ["day1", "lecture"] if member else ["day1", "day2"]
        category = "member" if member else "non_member"
        people[number] = (await make_registration(event, number, sessions, category=category)).registration
    await cancel(people[7])
    walk_in = (await make_registration(event, 8, ["day2"], category="non_member")).registration

    async def scan(number: int, session: str, moment: datetime) -> None:
        person = people[number]
        badge = tokens.badge_token(settings.secret_key, event.id, person.code, person.secret)
        answer = await service.check_in(event, badge, session, secret_key=settings.secret_key, scanned_at=moment)
        assert answer.status_code == 201

    for number, minute in ((1, 40), (2, 45), (3, 52)):
        await scan(number, "day1", at(event, 0, 9, minute))
    await scan(5, "day1", at(event, 0, 10, 5))
    await scan(1, "lecture", at(event, 0, 17, 55))
    await scan(5, "day2", at(event, 1, 9, 50))
    await scan(6, "day2", at(event, 1, 9, 58))
    answer = await service.check_in(
        event,
        walk_in.code,
        "day2",
        secret_key=settings.secret_key,
        scanned_at=at(event, 1, 10, 20),
        source=Source.WALK_IN,
    )
    assert answer.status_code == 201
    return event


async def report(event: Event, language: str) -> tuple[dict[str, Any], list[str], int]:
    """The figures, the PDF's text line by line, and its page count."""
    figures = await attendance(event)
    data = render_report(event, figures, await arrivals(event), language=language)
    assert data.startswith(b"%PDF-")
    document = pdfium.PdfDocument(data)
    text = "\n".join(page.get_textpage().get_text_range() for page in document)
    return figures, [line.strip() for line in text.splitlines()], len(document)


async def test_the_report_prints_each_sessions_figures_the_categories_and_the_definitions(
    db: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    title = "Kalayaan Forum <Café & Niño>"
    event = await small_event(monkeypatch, db, title=title)

    figures, lines, pages = await report(event, "en")

    text = "\n".join(lines)
    assert title in text, "the title printed as typed, markup characters and accents too"
    by_code = {session["code"]: session for session in figures["sessions"]}
    assert {code: (row["confirmed"], row["checked_in"]) for code, row in by_code.items()} == {
        "day1": (6, 4),
        "lecture": (4, 1),
        "reception": (0, 0),
        "day2": (3, 3),
    }, "the event is what the test meant to build"
    for code, row in by_code.items():
        # A session's row: its title and code, the start, then capacity, confirmed, waiting list, checked in, ….
        line = next(line for line in lines if line.startswith(f"{row['title']} ({code})"))
        numbers = re.findall(r"\d+", line.split(":")[-1])[1:]
        capacity = [] if row["capacity"] is None else [str(row["capacity"])]
        expected = [*capacity, str(row["confirmed"]), str(row["waitlisted"]), str(row["checked_in"])]
        assert numbers[: len(expected)] == expected, line
    # Category rows: label, confirmed, waiting list, cancelled, people checked in; then the totals.
    assert {"Member 4 0 0 3", "Non-member 3 0 1 3", "Total 7 0 1 6"} <= set(lines)
    assert "Definitions" in lines
    assert "Confirmed seats with no check-in." in text, "a definition from DEFINITIONS"
    assert 1 <= pages <= 3


async def test_a_japanese_report_prints_its_japanese_title_in_the_embedded_cjk_font(
    db: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = await small_event(monkeypatch, db, title="全国ワークショップ")

    _figures, lines, pages = await report(event, "ja")

    text = "\n".join(lines)
    assert "全国ワークショップ" in text, "the CJK face is embedded and its text maps back to Unicode"
    assert "参加確定" in text, "headings in Japanese"
    assert 1 <= pages <= 3
