"""CPU-heavy work runs in worker processes: not on the serving interpreter, in the caller's language,
at a lower priority, and never outliving the server that started it."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from events import i18n, offload
from events.registrations import importing
from events.registrations.sheets import UnreadableFile
from tests.conftest import LiveServer


async def test_the_work_runs_in_another_process_at_a_lower_priority() -> None:
    pid = await offload.run(os.getpid)
    assert pid != os.getpid(), "a worker process, not a thread of this one"
    assert pid in offload.processes()
    theirs = await offload.run(os.getpriority, os.PRIO_PROCESS, 0)
    assert theirs > os.getpriority(os.PRIO_PROCESS, 0), "the server's requests come first"


async def test_the_job_runs_in_the_callers_language_and_its_errors_come_back() -> None:
    with i18n.language("ko"):
        assert await offload.run(i18n.current_language) == "ko"
    with i18n.language("en"):
        with pytest.raises(UnreadableFile) as english:
            await offload.run(importing.read, "people.pdf", b"%PDF-1.4")
    with i18n.language("ja"):
        with pytest.raises(UnreadableFile) as japanese:
            await offload.run(importing.read, "people.pdf", b"%PDF-1.4")
    assert english.value.message != japanese.value.message, "the message is in each caller's language"


def _dies_the_first_time(marker: str) -> str:
    """In a worker: end the process abruptly (as the kernel's OOM killer would) unless `marker` exists."""
    if not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)
    return "done"


async def test_a_worker_that_dies_is_replaced_and_the_job_tried_again(tmp_path: Path) -> None:
    assert await offload.run(_dies_the_first_time, str(tmp_path / "died")) == "done"
    assert await offload.run(os.getpid) in offload.processes(), "the new pool serves what follows"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.extend(int(child) for child in (task / "children").read_text().split())
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_worker_processes_end_with_a_server_that_is_killed(
    tmp_path: Path, live_server_factory: type[LiveServer]
) -> None:
    server = live_server_factory(f"sqlite:///{tmp_path / 'killed.db'}")
    deadline = time.monotonic() + 30
    while not (workers := _children(server.process.pid)) and time.monotonic() < deadline:
        httpx.get(f"{server.url}/healthz")
        time.sleep(0.05)
    assert workers, "the server started a PDF worker with the app"

    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    deadline = time.monotonic() + 10 * offload.PARENT_CHECK_SECONDS
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers), "orphaned workers notice and end"
