"""The kiosk in real headless Chromium: a participant holds their badge to the (fake) camera and is
welcomed in their language, their label is sent to the printer, the screen resets; a waitlisted
person is sent to the desk; leaving the kiosk needs the staff PIN."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from events.settings import Settings
from tests.conftest import organizer_token, staff_via_cli
from tests.factories import event_data
from tests.test_phone import CHROMIUM
from tests.test_scanner_page import badge_video

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)")


@pytest.mark.usefixtures("db")
def test_a_participant_checks_themselves_in_at_the_kiosk(
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
        settings.database_url, tmp_path, "kiosk@example.org", "kiosk", "--password", "2468 kiosk", "--event", "workshop"
    )
    video = badge_video(httpx.get(links["badge"]).content, tmp_path / "badge.y4m")

    with sync_playwright() as playwright:
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
        labels: list[str] = []
        page.on("request", lambda request: labels.append(request.url) if "/kiosk/label/" in request.url else None)
        page.goto(f"{server.url}/staff/login?lang=en&next=/staff/")
        page.fill("#f-email", "kiosk@example.org")
        page.fill("#f-password", "2468 kiosk")
        page.click("button.primary")
        page.wait_for_url("**/staff/events/workshop/kiosk")
        page.goto(f"{server.url}/staff/events/workshop/kiosk?reset=2")

        page.wait_for_selector("#kiosk-answer.kiosk-welcome", timeout=20_000)
        welcome = page.inner_text("#kiosk-answer")
        page.wait_for_function("document.querySelectorAll('iframe#kiosk-label[src*=\"/kiosk/label/\"]').length > 0")
        page.wait_for_selector("#kiosk-answer", state="hidden", timeout=10_000)
        reset_to = page.input_value("#kiosk-input")

        page.fill("#kiosk-input", "w@example.org")
        page.keyboard.press("Enter")
        page.wait_for_selector("#kiosk-answer.kiosk-see_the_desk")
        desk = page.inner_text("#kiosk-answer")
        page.wait_for_selector("#kiosk-answer", state="hidden", timeout=10_000)

        page.click(".kiosk-exit summary")
        page.fill("#kiosk-pin", "0000")
        page.click(".kiosk-exit button")
        page.wait_for_selector("#kiosk-pin-problem")
        stayed = page.url
        page.fill("#kiosk-pin", "2468 kiosk")
        page.click(".kiosk-exit button")
        page.wait_for_url("**/staff/login**")
        left = page.url
        browser.close()

    assert "환영합니다, 김민지 님" in welcome
    assert labels, "the badge label was fetched for printing"
    assert reset_to == "", "the screen cleared itself for the next person"
    assert "Please see the desk" in desk and "Waiting Person" not in desk
    assert "/kiosk" in stayed, "a wrong PIN keeps the kiosk"
    assert "/staff/login" in left
