"""The scanner page in real headless Chromium: a door volunteer checks people in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from events.settings import Settings
from tests.conftest import organizer_token, staff_via_cli
from tests.factories import event_data
from tests.test_phone import CHROMIUM, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (installed by .ci/run)")


def door_account(database_url: str, workdir: Path) -> str:
    staff_via_cli(database_url, workdir, "door@example.org", "door", "--password", "door password 1")
    return "door password 1"


def sign_in(page: Any, url: str, password: str) -> None:
    page.goto(f"{url}/staff/login?lang=en")
    page.fill("#f-email", "door@example.org")
    page.fill("#f-password", password)
    page.click("button.primary")


def scanner_for_maria(
    settings: Settings, tmp_path: Path, live_server_factory: type, chromium: Any
) -> tuple[Any, Any, dict[str, str], str]:
    """A live server with an event and Maria registered for day 1, and a phone signed in as the door
    on day 1's scanner page: the server, the page, an organizer's API headers, and Maria's code."""
    token = organizer_token(settings.database_url, tmp_path)
    password = door_account(settings.database_url, tmp_path)
    server = live_server_factory(settings.database_url)
    headers = {"Authorization": f"Bearer {token}"}
    httpx.post(f"{server.url}/api/v1/events", json=event_data(capacity=10), headers=headers)
    body = {"name": "Maria Santos", "organization": "Kalayaan", "email": "m@example.org", "sessions": ["day1"]}
    code = httpx.post(f"{server.url}/api/v1/events/workshop/registrations", json=body).json()["code"]
    page = chromium.new_page(viewport={"width": 390, "height": 800}, is_mobile=True)
    page.on("dialog", lambda dialog: dialog.accept("door-A"))
    sign_in(page, server.url, password)
    page.goto(f"{server.url}/staff/events/workshop/scan?session=day1&lang=en")
    return server, page, headers, code


@pytest.mark.usefixtures("db")
def test_a_keyboard_wedge_scan_shows_ok_and_the_count_goes_up(
    settings: Settings,
    tmp_path: Path,
    live_server_factory: type,
    browser: object,  # noqa: F811
) -> None:
    server, page, _headers, code = scanner_for_maria(settings, tmp_path, live_server_factory, browser)
    undo_before_any_scan = page.is_visible("#undo-last")
    page.keyboard.type(code.lower())  # the focused field takes a handheld scanner's keystrokes
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer.answer-ok")
    first = page.inner_text("#answer")
    page.wait_for_selector("#answer", state="hidden")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer.answer-already")
    second = page.inner_text("#answer")

    assert "OK" in first and "Maria Santos" in first and "Kalayaan" in first
    assert "Already checked in" in second and "door-A" in second
    assert page.inner_text("#count-checked-in") == "1"
    assert not undo_before_any_scan, "nothing to undo before the first check-in"
    page.wait_for_selector("#answer", state="hidden")
    page.click("#undo-last")
    page.wait_for_selector('#count-checked-in:text-is("0")')
    undone = page.inner_text("#answer")
    assert "Check-in undone" in undone and "Maria Santos" in undone, f"the undo says what it took back: {undone}"
    assert not page.is_visible("#undo-last"), "one undo for one check-in"
    assert page.inner_text("#device-name") == "door-A", "the device name is asked once and remembered"


@pytest.mark.usefixtures("db")
def test_a_check_in_from_a_name_search_is_counted_as_found_by_name(
    settings: Settings,
    tmp_path: Path,
    live_server_factory: type,
    browser: object,  # noqa: F811
) -> None:
    server, page, headers, _code = scanner_for_maria(settings, tmp_path, live_server_factory, browser)
    page.fill("#search-input", "Santos")
    page.click("#search-results button")
    page.wait_for_selector("#answer.answer-ok")
    report = httpx.get(f"{server.url}/api/v1/events/workshop/attendance", headers=headers).json()

    day1 = next(session for session in report["sessions"] if session["code"] == "day1")
    assert day1["by_source"]["search"] == 1 and day1["by_source"]["typed"] == 0, day1["by_source"]


@pytest.mark.usefixtures("db")
def test_scans_made_offline_wait_and_are_counted_once_when_the_network_returns(
    settings: Settings,
    tmp_path: Path,
    live_server_factory: type,
    browser: object,  # noqa: F811
) -> None:
    token = organizer_token(settings.database_url, tmp_path)
    password = door_account(settings.database_url, tmp_path)
    server = live_server_factory(settings.database_url)
    headers = {"Authorization": f"Bearer {token}"}
    httpx.post(f"{server.url}/api/v1/events", json=event_data(capacity=10), headers=headers)
    codes = [
        httpx.post(
            f"{server.url}/api/v1/events/workshop/registrations",
            json={"name": f"Person {n}", "email": f"p{n}@example.org", "sessions": ["day1"]},
        ).json()["code"]
        for n in range(2)
    ]
    context = browser.new_context(viewport={"width": 390, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept("door-B"))
    sign_in(page, server.url, password)
    page.goto(f"{server.url}/staff/events/workshop/scan?session=day1&lang=en")

    context.set_offline(True)
    for code in (codes[0], codes[1], codes[0]):
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        page.wait_for_selector("#answer.answer-already")
        page.click("#answer")
    offline_text = page.inner_text("#waiting")
    context.set_offline(False)
    page.wait_for_selector("#waiting", state="hidden", timeout=20_000)

    assert offline_text == "3 waiting to sync"
    assert page.inner_text("#count-checked-in") == "2", "two people, counted once each"
    answer = httpx.post(
        f"{server.url}/api/v1/events/workshop/checkins", json={"scan": codes[1], "session": "day1"}, headers=headers
    )
    assert answer.json()["result"] == "already_checked_in" and answer.json()["device"] == "door-B"


@pytest.mark.usefixtures("db")
def test_live_counts_update_without_a_reload(
    settings: Settings,
    tmp_path: Path,
    live_server_factory: type,
    browser: object,  # noqa: F811
) -> None:
    token = organizer_token(settings.database_url, tmp_path)
    password = door_account(settings.database_url, tmp_path)
    server = live_server_factory(settings.database_url)
    headers = {"Authorization": f"Bearer {token}"}
    httpx.post(f"{server.url}/api/v1/events", json=event_data(capacity=10), headers=headers)
    body = {"name": "A", "email": "a@example.org", "sessions": ["day1"]}
    code = httpx.post(f"{server.url}/api/v1/events/workshop/registrations", json=body).json()["code"]
    page = browser.new_page()  # type: ignore[attr-defined]
    sign_in(page, server.url, password)
    page.goto(f"{server.url}/staff/events/workshop/live?every=1&lang=en")
    before = page.inner_text('tr[data-session="day1"] .checked_in')

    httpx.post(f"{server.url}/api/v1/events/workshop/checkins", json={"scan": code, "session": "day1"}, headers=headers)
    page.wait_for_selector('tr[data-session="day1"] .checked_in strong:text-is("1")', timeout=10_000)

    assert before == "0"
    assert page.inner_text("#unique") == "1"


def badge_video(pdf: bytes, path: Path) -> Path:
    """A Y4M video whose frames show the QR code cut from a real badge PDF, for Chromium's fake camera."""
    import pypdfium2 as pdfium
    import zxingcpp
    from PIL import Image

    page = pdfium.PdfDocument(pdf)[0].render(scale=3).to_pil().convert("L")
    [found] = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    corners = [found.position.top_left, found.position.bottom_right]
    left, top = min(p.x for p in corners) - 40, min(p.y for p in corners) - 40
    right, bottom = max(p.x for p in corners) + 40, max(p.y for p in corners) + 40
    qr = page.crop((left, top, right, bottom)).resize((360, 360))
    frame = Image.new("L", (640, 480), 255)
    frame.paste(qr, (140, 60))
    luma = frame.tobytes()
    chroma = bytes([128]) * (320 * 240)
    with path.open("wb") as video:
        video.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(20):
            video.write(b"FRAME\n" + luma + chroma + chroma)
    return path


@pytest.mark.usefixtures("db")
def test_the_camera_reads_a_real_badge_and_shows_ok(
    settings: Settings, tmp_path: Path, live_server_factory: type
) -> None:
    from playwright.sync_api import sync_playwright

    token = organizer_token(settings.database_url, tmp_path)
    password = door_account(settings.database_url, tmp_path)
    server = live_server_factory(settings.database_url)
    headers = {"Authorization": f"Bearer {token}"}
    httpx.post(f"{server.url}/api/v1/events", json=event_data(capacity=10), headers=headers)
    body = {"name": "Kim Minji", "organization": "이주민과 함께", "email": "k@example.org", "sessions": ["day1"]}
    links = httpx.post(f"{server.url}/api/v1/events/workshop/registrations", json=body).json()["links"]
    video = badge_video(httpx.get(links["badge"]).content, tmp_path / "badge.y4m")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        context = browser.new_context(permissions=["camera"])
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept("door-camera"))
        page.goto(f"{server.url}/staff/login?lang=en")
        page.fill("#f-email", "door@example.org")
        page.fill("#f-password", password)
        page.click("button.primary")
        page.goto(f"{server.url}/staff/events/workshop/scan?session=day1&lang=en")
        page.click("#camera-start")
        page.wait_for_selector("#answer.answer-ok", timeout=20_000)
        shown = page.inner_text("#answer")
        count = page.inner_text("#count-checked-in")
        browser.close()

    assert "OK" in shown and "Kim Minji" in shown
    assert count == "1"


@pytest.mark.usefixtures("db")
def test_the_door_is_told_what_is_left_to_pay_and_nothing_else_of_the_account(
    settings: Settings,
    tmp_path: Path,
    live_server_factory: type,
    browser: object,  # noqa: F811
) -> None:
    server, page, headers, code = scanner_for_maria(settings, tmp_path, live_server_factory, browser)
    price = {"category": "participant", "session": "day1", "amount": 2000}
    httpx.patch(f"{server.url}/api/v1/events/workshop", json={"prices": [price]}, headers=headers)

    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer.answer-ok")
    owing = page.inner_text("#answer-due")
    page.wait_for_selector("#answer", state="hidden")
    paid = httpx.post(
        f"{server.url}/api/v1/events/workshop/registrations/{code}/payments",
        json={"amount": 2000, "method": "cash"},
        headers=headers,
    )
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer.answer-already")

    assert owing == "¥2,000 to pay at the desk", owing
    assert paid.status_code == 201 and paid.json()["amount_due"] == 0
    assert not page.is_visible("#answer-due"), "nothing to pay: nothing said"


@pytest.mark.usefixtures("db")
def test_a_door_that_counts_exits_scans_people_in_and_out_and_shows_who_is_inside(
    settings: Settings,
    tmp_path: Path,
    live_server_factory: type,
    browser: object,  # noqa: F811
) -> None:
    token = organizer_token(settings.database_url, tmp_path)
    password = door_account(settings.database_url, tmp_path)
    server = live_server_factory(settings.database_url)
    data = event_data(capacity=10)
    for session in data["sessions"]:
        if session["code"] == "reception":
            session.update(exits=True, room_limit=2)
    httpx.post(f"{server.url}/api/v1/events", json=data, headers={"Authorization": f"Bearer {token}"})
    body = {"name": "Maria Santos", "email": "m@example.org", "sessions": ["reception"]}
    code = httpx.post(f"{server.url}/api/v1/events/workshop/registrations", json=body).json()["code"]
    page = browser.new_page(viewport={"width": 390, "height": 800}, is_mobile=True)  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: dialog.accept("exit-door"))
    sign_in(page, server.url, password)
    page.goto(f"{server.url}/staff/events/workshop/scan?session=reception&lang=en")

    page.fill("#scan-input", code)
    page.keyboard.press("Enter")
    page.wait_for_selector('#count-inside:text-is("1")')
    coming_in = page.inner_text("#answer")
    page.click("#answer")
    page.check("input[name=direction][value=out]")
    page.fill("#scan-input", code)
    page.keyboard.press("Enter")
    page.wait_for_selector('#count-inside:text-is("0")')
    going_out = page.inner_text("#answer")
    page.click("#answer")
    page.fill("#scan-input", code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer.answer-refused")
    again = page.inner_text("#answer")

    assert "1 inside now" in coming_in
    assert "Checked out" in going_out and "Maria Santos" in going_out
    assert "Not inside" in again, again
    assert "the room holds 2" in page.inner_text(".inside-count")
