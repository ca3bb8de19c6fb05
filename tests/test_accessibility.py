"""axe-core over every page people meet, in real headless Chromium: no violation.

axe-core comes bundled in axe-playwright-python (PyPI), so nothing is fetched from npm at test time.
"""

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
PASSWORD = "organizer password 1"
LANGUAGES = ("ja", "en", "ko", "tl")


def violations(page: Any) -> list[str]:
    """axe-core's violations on the page as it is now: rule, impact and the first offending element."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']} {v['help']}" for v in found]


def show_answer(page: Any, kind: str) -> None:
    """Show the scanner's last answer again in the colour of `kind` (it hides itself after a moment)."""
    script = "kind => { const a = document.getElementById('answer'); a.className = 'answer answer-' + kind; }"
    page.evaluate(script, kind)
    page.evaluate("() => { document.getElementById('answer').hidden = false; }")


@pytest.mark.usefixtures("db")
def test_no_page_people_meet_has_an_accessibility_violation(
    settings: Settings,
    tmp_path: Path,
    live_server_factory: type,
    browser: object,  # noqa: F811
) -> None:
    token = organizer_token(settings.database_url, tmp_path)
    staff_via_cli(settings.database_url, tmp_path, "organizer@example.org", "organizer", "--password", PASSWORD)
    server = live_server_factory(settings.database_url)
    headers = {"Authorization": f"Bearer {token}"}
    httpx.post(f"{server.url}/api/v1/events", json=event_data(capacity=1), headers=headers)
    body = {"name": "Maria Santos", "organization": "Kalayaan", "email": "m@example.org", "sessions": ["day1"]}
    maria = httpx.post(f"{server.url}/api/v1/events/workshop/registrations", json=body).json()
    gone = {**body, "name": "Ana Reyes", "email": "a.very.long.address.for.a.narrow.cell@example.org"}
    ana = httpx.post(f"{server.url}/api/v1/events/workshop/registrations", json=gone).json()
    httpx.post(ana["links"]["api"] + "/cancel")  # a cancelled row in the staff list
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: dialog.accept("door-A"))
    found: dict[str, list[str]] = {}

    def check(name: str, url: str | None = None) -> None:
        if url is not None:
            page.goto(f"{server.url}{url}")
        found[name] = violations(page)

    check("front page", "/")
    for language in LANGUAGES:
        check(f"event page ({language})", f"/events/workshop?lang={language}")
    page.click("#register button.primary")
    page.wait_for_selector(".problem")
    check("form with errors (tl)")
    check("participant's page", maria["links"]["manage"].removeprefix(server.url) + "?lang=en")
    check("staff sign-in", "/staff/login?lang=en")
    page.fill("#f-email", "organizer@example.org")
    page.fill("#f-password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/staff/**")
    check("staff event page", "/staff/events/workshop?lang=en")
    check("report", "/staff/events/workshop/report?lang=en")
    check("person's page", f"/staff/events/workshop/registrations/{maria['code']}?lang=en")
    page.goto(f"{server.url}/staff/events/workshop/scan?session=day1&lang=en")
    for text, kind in ((maria["code"], "ok"), (maria["code"], "already"), ("NOPE-NOPE", "refused")):
        page.fill("#scan-input", text)
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#answer.answer-{kind}")
        page.wait_for_selector("#answer", state="hidden")
        show_answer(page, kind)
        check(f"scanner page, answer {kind}")

    assert {name: problems for name, problems in found.items() if problems} == {}, "axe-core finds nothing"
