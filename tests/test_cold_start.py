"""A fresh machine serves badges from its first request: a new HOME, empty caches, `tsudoi serve`.

The old first run converted Noto Sans CJK before its first badge (six minutes, 730 MB); a client
waiting 30 seconds got nothing. The bound here is the client's patience, not a benchmark: the
figures are in docs/benchmarks.md (bench/cold_start.py).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pypdfium2 as pdfium

from events.demo import DEMO_SLUG
from tests.conftest import LiveServer, organizer_token, tsudoi

PATIENCE = 30.0


def test_a_new_machine_answers_its_first_badge_and_report_at_once(
    tmp_path: Path, live_server_factory: type[LiveServer]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    fresh = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    database_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    made = tsudoi("demo", "--no-serve", "--database", database_url, cwd=tmp_path, env=fresh)
    assert made.returncode == 0, made.stderr
    token = organizer_token(database_url, tmp_path)
    server = live_server_factory(database_url, env=fresh)

    with httpx.Client(base_url=server.url, timeout=PATIENCE) as client:
        registered = client.post(
            f"/api/v1/events/{DEMO_SLUG}/registrations",
            json={"name": "角田 直子", "email": "naoko@example.org", "sessions": ["day1"]},
        )
        assert registered.status_code == 201, registered.text
        badge = client.get(registered.json()["links"]["badge"])
        report = client.get(f"/api/v1/events/{DEMO_SLUG}/report.pdf", headers={"Authorization": f"Bearer {token}"})

    assert badge.status_code == 200, f"the first badge answers within {PATIENCE:.0f} s of the server being ready"
    assert badge.headers["content-type"] == "application/pdf"
    page = pdfium.PdfDocument(badge.content)[0]
    assert "角田 直子" in page.get_textpage().get_text_range(), "the name is on the badge"
    assert report.status_code == 200 and report.content.startswith(b"%PDF"), "the report PDF answers too"
    written = [path for path in home.rglob("*") if path.is_file()]
    assert written == [], f"nothing is prepared under the new HOME: {written}"
