"""The kiosk in real headless Chromium, as a stranger and as participants use it: a stranger who
types a registered person's e-mail address is told "not found" exactly as for an unknown one, sees
no name and prints nothing; a waitlisted person typing their code is sent to the desk; a
participant holds their badge to the (fake) camera and is welcomed in their language, their label
is sent to the printer, the screen resets; leaving the kiosk needs the staff PIN."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from events.settings import Settings
from tests.conftest import organizer_token, staff_via_cli
from tests.factories import event_data
from tests.test_phone import CHROMIUM
from tests.test_scanner_page import badge_video

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)")

PIN = "2468 kiosk"


def _sign_in_to_the_kiosk(page: Any, url: str) -> None:
    page.goto(f"{url}/staff/login?lang=en&next=/staff/")
    page.fill("#f-email", "kiosk@example.org")
    page.fill("#f-password", PIN)
    page.click("button.primary")
    page.wait_for_url("**/staff/events/workshop/kiosk")
    page.goto(f"{url}/staff/events/workshop/kiosk?reset=2")


def _answer_to(page: Any, typed: str, outcome: str) -> str:
    """Type at the kiosk, wait for the answer of that outcome, and read it; the screen then clears."""
    page.fill("#kiosk-input", typed)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#kiosk-answer.kiosk-{outcome}")
    said = str(page.inner_text("#kiosk-answer"))
    page.wait_for_selector("#kiosk-answer", state="hidden", timeout=10_000)
    return said


@pytest.mark.usefixtures("db")
def test_a_stranger_learns_nothing_and_a_participant_checks_themselves_in_at_the_kiosk(
    settings: Settings, tmp_path: Path, live_server_factory: type
) -> None:
    from playwright.sync_api import sync_playwright

    token = organizer_token(settings.database_url, tmp_path)
    server = live_server_factory(settings.database_url)
    now = datetime.now(ZoneInfo("Asia/Tokyo"))
    data = event_data(starts_on=now.date().isoformat(), ends_on=now.date().isoformat(), kiosk_prints_badges=True)
    data["sessions"] = [
        {
            "code": "day1",
            "title": "Day 1",
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(hours=3)).isoformat(),
            "capacity": 1,
        }
    ]
    created = httpx.post(f"{server.url}/api/v1/events", json=data, headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201, created.text
    register = f"{server.url}/api/v1/events/workshop/registrations"
    minji = {"name": "김민지", "email": "k@example.org", "sessions": ["day1"], "language": "ko"}
    links = httpx.post(register, json=minji).json()["links"]
    waiting = httpx.post(register, json={"name": "Waiting Person", "email": "w@example.org", "sessions": ["day1"]})
    assert waiting.json()["status"] == "waitlisted"
    staff_via_cli(
        settings.database_url, tmp_path, "kiosk@example.org", "kiosk", "--password", PIN, "--event", "workshop"
    )
    video = badge_video(httpx.get(links["badge"]).content, tmp_path / "badge.y4m")
    labels: list[str] = []

    def record_labels(request: Any) -> None:
        if "/kiosk/label/" in request.url:
            labels.append(request.url)

    with sync_playwright() as playwright:
        # A stranger at a kiosk whose camera sees no badge: they type what they know.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("request", record_labels)
        _sign_in_to_the_kiosk(page, server.url)
        registered = _answer_to(page, "k@example.org", "not_found")
        unknown = _answer_to(page, "nobody-here@example.org", "not_found")
        waitlisted = _answer_to(page, waiting.json()["code"], "see_the_desk")
        printed_for_the_stranger = list(labels)
        browser.close()

        # The participant holds their badge to the camera.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
                "--kiosk-printing",
            ],
        )
        page = browser.new_context(permissions=["camera"]).new_page()
        page.on("request", record_labels)
        _sign_in_to_the_kiosk(page, server.url)
        page.wait_for_selector("#kiosk-answer.kiosk-welcome", timeout=20_000)
        welcome = page.inner_text("#kiosk-answer")
        page.wait_for_function("document.querySelectorAll('iframe#kiosk-label[src*=\"/kiosk/label/\"]').length > 0")
        page.wait_for_selector("#kiosk-answer", state="hidden", timeout=10_000)
        reset_to = page.input_value("#kiosk-input")

        page.click(".kiosk-exit summary")
        page.fill("#kiosk-pin", "0000")
        page.click(".kiosk-exit button")
        page.wait_for_selector("#kiosk-pin-problem")
        stayed = page.url
        page.fill("#kiosk-pin", PIN)
        page.click(".kiosk-exit button")
        page.wait_for_url("**/staff/login**")
        left = page.url
        browser.close()

    assert "Not found: please try again" in registered, "a registered address finds nobody"
    assert registered == unknown, "the stranger cannot tell a registered address from an unknown one"
    assert "김민지" not in registered
    assert "Please see the desk" in waitlisted and "Waiting Person" not in waitlisted
    assert "환영합니다, 김민지 님" in welcome
    assert printed_for_the_stranger == [], "nothing is printed for what the stranger typed"
    assert labels, "the badge label was fetched for printing"
    assert reset_to == "", "the screen cleared itself for the next person"
    assert "/kiosk" in stayed, "a wrong PIN keeps the kiosk"
    assert "/staff/login" in left
