"""The public pages on a 360-pixel phone, in real headless Chromium against a real server."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from events.settings import Settings
from tests.conftest import organizer_token
from tests.factories import event_data

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run: apt-get install chromium)"
)


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.mark.usefixtures("db")
def test_a_participant_registers_on_a_360_pixel_phone(
    settings: Settings, tmp_path: Path, live_server_factory: type, browser: object
) -> None:
    import httpx

    token = organizer_token(settings.database_url, tmp_path)
    server = live_server_factory(settings.database_url)
    httpx.post(f"{server.url}/api/v1/events", json=event_data(capacity=1), headers={"Authorization": f"Bearer {token}"})
    page = browser.new_page(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True
    )  # type: ignore[attr-defined]

    page.goto(f"{server.url}/events/workshop?lang=en")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.screenshot(path=str(tmp_path / "event-360.png"), full_page=True)
    page.check("input[value=day1]")
    page.check("input[value=reception]")
    page.fill("#f-name", "Maria dela Cruz")
    page.fill("#f-email", "maria@example.org")
    page.select_option("#f-category", "guest")
    page.click("button.primary")
    page.wait_for_url("**/manage/**")
    text = page.inner_text("main")

    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    assert "Thank you! You are registered." in text and "Maria dela Cruz" in text
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    tap_targets = page.evaluate(
        "Array.from(document.querySelectorAll('a.button, button')).map(e => e.getBoundingClientRect().height)"
    )
    assert all(height >= 44 for height in tap_targets), f"buttons are big enough to tap: {tap_targets}"
    shown = page.locator(".own-badge .qr svg")
    box = shown.bounding_box()
    assert box is not None and 200 <= box["width"] <= 360, f"the QR code fills the phone's width: {box}"
    [read] = zxingcpp.read_barcodes(Image.open(io.BytesIO(shown.screenshot())), formats=zxingcpp.BarcodeFormat.QRCode)
    door = httpx.post(
        f"{server.url}/api/v1/events/workshop/checkins",
        json={"scan": read.text, "session": "day1"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert door.json()["result"] == "ok", f"the code on the phone's screen checks Maria in: {door.text}"
