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


@pytest.mark.usefixtures("db")
@pytest.mark.parametrize("language", ["ja", "en", "ko", "tl"])
def test_the_participants_whole_journey_on_a_phone(
    settings: Settings, tmp_path: Path, live_server_factory: type, browser: object, language: str
) -> None:
    """Register, see the badge's QR code, take the calendar, change a session, cancel: in one language."""
    import httpx
    import icalendar

    token = organizer_token(settings.database_url, tmp_path)
    server = live_server_factory(settings.database_url)
    httpx.post(f"{server.url}/api/v1/events", json=event_data(capacity=5), headers={"Authorization": f"Bearer {token}"})
    page = browser.new_page(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )

    page.goto(f"{server.url}/events/workshop?lang={language}")
    page.check("input[name=sessions][value=day1]")
    page.fill("#f-name", "Ana Reyes")
    page.fill("#f-email", f"ana-{language}@example.org")
    page.click("#register button.primary")
    page.wait_for_url("**/manage/**")
    own_page = page.url.split("?")[0]
    [read] = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(page.locator(".own-badge .qr svg").screenshot())), formats=zxingcpp.BarcodeFormat.QRCode
    )
    with page.expect_download() as calendar_download:
        page.click(".calendar-links a")
    calendar = icalendar.Calendar.from_ical(Path(calendar_download.value.path()).read_bytes())

    page.click(".change-sessions summary")
    page.check(".change-sessions input[value=lecture]")
    page.click(".change-sessions button")
    page.wait_for_selector("p.success")
    sessions_after_change = page.locator("ul.sessions li").count()
    page.goto(f"{own_page}/cancel")
    page.click("button.danger")
    page.wait_for_url("**cancelled=1")
    after_cancel = httpx.get(f"{server.url}/api/v1/registrations/{own_page.rsplit('/', 1)[1]}").json()

    assert f'<html lang="{language}">' in page.content(), "every page in the reader's language"
    assert read.text.startswith("TSD"), "the QR code on the phone is the badge's"
    assert len(calendar.walk("VEVENT")) == 1, "the calendar holds the session chosen"
    assert sessions_after_change == 2, "the evening lecture added from the phone"
    assert after_cancel["status"] == "cancelled"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, "nothing overflows"


@pytest.mark.usefixtures("db")
def test_a_korean_reader_answers_the_demos_questions_in_korean_on_a_phone(
    settings: Settings, tmp_path: Path, live_server_factory: type, browser: object
) -> None:
    """The organizer's own words (question, choices, category, room, venue) in Korean; the answer
    kept is the choice as the organizer wrote it."""
    import httpx

    from tests.conftest import tsudoi

    environment = {"DATABASE_URL": settings.database_url, "TSUDOI_SECRET_KEY": settings.secret_key}
    made = tsudoi("demo", "--no-serve", cwd=tmp_path, env=environment)
    assert made.returncode == 0, made.stderr
    token = organizer_token(settings.database_url, tmp_path)
    server = live_server_factory(settings.database_url)
    page = browser.new_page(  # type: ignore[attr-defined]
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )

    page.goto(f"{server.url}/events/national-workshop-demo?lang=ko")
    page.check("input[name=sessions][value=reception]")
    page.get_by_label("할랄").check()
    page.get_by_label("타갈로그어").check()
    page.select_option("#f-category", label="비회원")
    form_words = page.inner_text("main")
    page.fill("#f-name", "박서연")
    page.fill("#f-email", "seoyeon@example.org")
    page.click("#register button.primary")
    page.wait_for_url("**/manage/**")
    own_page = page.inner_text("main")
    listed = httpx.get(
        f"{server.url}/api/v1/events/national-workshop-demo/registrations",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    [kept] = [row for row in listed if row["email"] == "seoyeon@example.org"]

    assert "통역이 필요합니까?" in form_words and "식사 배려" in form_words, "the questions in Korean"
    assert "시민활동센터" in form_words and "레스토랑" in form_words, "the venue and the room in Korean"
    assert "비회원" in own_page and "레스토랑" in own_page, "the participant's page keeps the Korean words"
    assert kept["answers"] == {"interpretation": "タガログ語", "diet": ["ハラール"]}, (
        "the answers are kept as the organizer wrote the choices"
    )
