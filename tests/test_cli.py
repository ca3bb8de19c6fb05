"""The `tsudoi` command, run as a user runs it: in a subprocess."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import httpx
import pytest

from events.settings import Settings
from events.staff.models import StaffAccount
from tests.conftest import free_port, tsudoi

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


def said_in_one_line(result: subprocess.CompletedProcess[str]) -> str:
    """What a command said of a mistake: one line on stderr, no traceback; that line."""
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and len(lines) == 1, f"one line, no traceback:\n{result.stderr}"
    return lines[0]


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["not-an-email", "--role", "door"], "tsudoi: EMAIL 'not-an-email': Not a valid e-mail address."),
        (["door@example.org", "--role", "door", "--name", "Long " + "x" * 300], "tsudoi: --name: At most 200"),
        (["door@example.org", "--role", "door", "--password", "short"], "tsudoi: --password: At least 10"),
        (["door@example.org", "--role", "door", "--event", "no-such-event"], "There is no event 'no-such-event'"),
    ],
    ids=["email", "name", "password", "event"],
)
async def test_staff_add_says_what_is_wrong_in_one_line_and_writes_nothing(
    db: Settings, tmp_path: Path, arguments: list[str], said: str
) -> None:
    env = {"DATABASE_URL": db.database_url, "TSUDOI_SECRET_KEY": "x"}

    result = await asyncio.to_thread(tsudoi, "staff", "add", *arguments, cwd=tmp_path, env=env)

    assert result.returncode == 2, result.stderr
    assert said in said_in_one_line(result)
    assert not await StaffAccount.exists(), "no account was made or changed"


@pytest.mark.parametrize("mistake", ["no server", "a file for a folder", "no database to back up"])
def test_a_database_the_command_cannot_reach_is_one_line_not_a_traceback(tmp_path: Path, mistake: str) -> None:
    (tmp_path / "notes.txt").write_text("a file, not a folder\n")
    command, url, said = {
        "no server": (["migrate"], f"postgres://postgres@127.0.0.1:{free_port()}/x", "cannot connect to the database"),
        "a file for a folder": (["migrate"], "sqlite://notes.txt/tsudoi.db", "Not a directory"),
        "no database to back up": (["backup", "copy.db"], "sqlite://missing.db", "There is no SQLite database"),
    }[mistake]

    result = tsudoi(*command, cwd=tmp_path, env={"DATABASE_URL": url, "TSUDOI_SECRET_KEY": "x"})

    assert result.returncode == 1, result.stderr
    assert said in said_in_one_line(result)


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
