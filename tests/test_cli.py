"""The `tsudoi` command, run as a user runs it: in a subprocess."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from events.settings import Settings
from tests.conftest import tsudoi

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["migrate"],
        ["demo"],
        ["staff"],
        ["staff", "add"],
        ["remind"],
        ["mail", "send"],
        ["purge"],
        ["backup"],
        ["restore"],
        ["move-to-postgres"],
    ],
)
def test_every_command_explains_itself(command: list[str], tmp_path: Path) -> None:
    result = tsudoi(*command, "--help", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "usage: tsudoi" in result.stdout and len(result.stdout.splitlines()) > 3


def test_staff_add_prints_a_working_token_as_the_last_line(
    settings: Settings, tmp_path: Path, live_server_factory: type
) -> None:
    env = {"DATABASE_URL": settings.database_url, "TSUDOI_SECRET_KEY": "live-test-secret"}

    result = tsudoi("staff", "add", "Door.Volunteer@example.org", "--role", "door", "--token", cwd=tmp_path, env=env)

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("tsd_") and "door.volunteer@example.org" in result.stdout
    server = live_server_factory(settings.database_url)
    as_door = httpx.post(f"{server.url}/api/v1/events", json={}, headers={"Authorization": f"Bearer {token}"})
    assert as_door.status_code == 403, "the token works and carries the door role"


def test_staff_add_with_a_generated_password(settings: Settings, tmp_path: Path) -> None:
    env = {"DATABASE_URL": settings.database_url, "TSUDOI_SECRET_KEY": "x"}

    result = tsudoi("staff", "add", "org@example.org", "--role", "organizer", "--password", cwd=tmp_path, env=env)

    assert result.returncode == 0 and "Password: " in result.stdout


def test_staff_add_refuses_a_bad_email(settings: Settings, tmp_path: Path) -> None:
    env = {"DATABASE_URL": settings.database_url, "TSUDOI_SECRET_KEY": "x"}

    result = tsudoi("staff", "add", "not an email", "--role", "door", cwd=tmp_path, env=env)

    assert result.returncode != 0


def test_demo_creates_the_sample_workshop_and_prints_the_organizer(tmp_path: Path) -> None:
    env = {"DATABASE_URL": ""}

    first = tsudoi("demo", "--no-serve", cwd=tmp_path, env=env)
    second = tsudoi("demo", "--no-serve", cwd=tmp_path, env=env)

    assert first.returncode == 0, first.stderr
    assert "organizer@example.org" in first.stdout and "Password:" in first.stdout
    assert "TSUDOI_SMTP_HOST is not set" in first.stdout and "/mail" in first.stdout, "where the e-mails wait"
    assert (tmp_path / "tsudoi-demo.db").exists()
    assert second.returncode == 0, "running the demo again reuses the sample event"


def test_a_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    result = tsudoi("migrate", cwd=tmp_path, env={"DATABASE_URL": "mysql://nope"})

    assert result.returncode == 2 and "DATABASE_URL" in result.stderr


def test_sqlite_refuses_several_workers(tmp_path: Path) -> None:
    result = tsudoi("serve", "--workers", "2", cwd=tmp_path, env={"DATABASE_URL": ""})

    assert result.returncode == 2 and "PostgreSQL" in result.stderr
