"""Event set-up in real headless Chromium: an organizer builds an event in the staff area, and someone registers."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from events.settings import Settings
from tests.conftest import staff_via_cli
from tests.test_phone import CHROMIUM, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)")

PASSWORD = "organizer password 1"


def overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def add_session(page: Any, code: str, title: str, kind: str, starts: str, ends: str, capacity: str) -> None:
    page.click("#add-session")
    page.fill("#f-code", code)
    page.fill("#f-title", title)
    page.select_option("#f-kind", kind)
    page.fill("#f-starts_at", starts)
    page.fill("#f-ends_at", ends)
    page.fill("#f-capacity", capacity)
    page.click("button.primary")
    page.wait_for_url("**/edit?done=session_added")


@pytest.mark.usefixtures("db")
def test_an_organizer_sets_up_an_event_with_three_sessions_and_a_participant_registers(
    settings: Settings,
    tmp_path: Path,
    live_server_factory: type,
    browser: object,  # noqa: F811
) -> None:
    staff_via_cli(settings.database_url, tmp_path, "organizer@example.org", "organizer", "--password", PASSWORD)
    server = live_server_factory(settings.database_url)
    first = date.today() + timedelta(days=45)
    second = first + timedelta(days=1)
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)  # type: ignore[attr-defined]

    page.goto(f"{server.url}/staff/login?lang=en")
    page.fill("#f-email", "organizer@example.org")
    page.fill("#f-password", PASSWORD)
    page.click("button.primary")
    page.click("#new-event")
    page.fill("#f-slug", "forum-2026")
    page.fill("#f-title", "Migrant support forum")
    page.fill("#f-starts_on", first.isoformat())
    page.fill("#f-ends_on", second.isoformat())
    page.fill("#f-venue", "Civic Hall")
    page.fill("#f-city", "Nagoya")
    page.click("button.primary")
    page.wait_for_url("**/staff/events/forum-2026/edit?done=created")
    add_session(page, "day1", "Day 1", "day", f"{first}T10:00", f"{first}T17:00", "60")
    add_session(page, "reception", "Reception", "reception", f"{first}T18:00", f"{first}T20:00", "30")
    add_session(page, "day2", "Day 2", "day", f"{second}T10:00", f"{second}T16:00", "")
    setup_overflow = overflow(page)
    page.screenshot(path=str(tmp_path / "setup-390.png"), full_page=True)
    page.click("#publish")
    page.wait_for_url("**/edit?done=published")
    status = page.inner_text(".setup-status")

    page.goto(f"{server.url}/events/forum-2026?lang=en")
    sessions = page.inner_text(".sessions")
    page.check("input[value=day1]")
    page.check("input[value=reception]")
    page.fill("#f-name", "Maria dela Cruz")
    page.fill("#f-email", "maria@example.org")
    page.click("button.primary")
    page.wait_for_url("**/manage/**")
    text = page.inner_text("main")

    assert setup_overflow <= 0, f"the set-up page is {setup_overflow}px wider than the phone"
    assert "Published" in status
    assert all(title in sessions for title in ("Day 1", "Reception", "Day 2")), sessions
    assert "Thank you! You are registered." in text and "Maria dela Cruz" in text
