"""CPU-heavy work (PDFs, spreadsheets) in worker processes, never on the serving interpreter.

A worker thread is not enough: while it builds a 10,000-badge PDF it holds the interpreter, and
every request of the process (the door's scans first) waits for it. A process of its own runs
beside the event loop; it also runs at a lower priority (`nice`), so on a small machine the
scheduler gives the door's answers the CPU first and the batch the rest.

The pool is one per serving process, started when the app starts (`warm`), so its first process
has imported reportlab and registered the fonts before the first PDF is asked for; it outlives
the app objects of a test run and ends with the interpreter. What is sent to it is plain data
(dataclasses, dicts, ORM rows already loaded), never a connection; the job runs in the language of
the request that asked for it.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import ParamSpec, TypeVar

from events import i18n

logger = logging.getLogger("events.offload")

P = ParamSpec("P")
T = TypeVar("T")

#: Two processes: a batch of badges never keeps one participant's badge waiting.
PROCESSES = 2
#: How much lower than the server the work runs (0 = the same priority, 19 = the lowest).
NICENESS = 10
#: How often a worker process checks that the server that started it is still there.
PARENT_CHECK_SECONDS = 1.0

_pool: ProcessPoolExecutor | None = None


def _initialize(parent: int) -> None:
    """In each new worker process: step back in priority and load the fonts before the first job.

    Ctrl+C at the terminal reaches the whole process group; the server stops its workers itself.
    A server that dies without stopping them (SIGKILL, or uvicorn ending on the signal it caught,
    which skips exit handlers) leaves them orphaned: they notice within a second and end.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(parent,), name="tsudoi-parent-watch", daemon=True).start()
    try:
        os.nice(NICENESS)
    except OSError:  # pragma: no cover - a platform without nice
        pass
    from events import fonts

    fonts.load_all()


def _end_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _ready() -> int:
    return os.getpid()


def _call(language: str, function: Callable[..., T], args: tuple[object, ...], kwargs: dict[str, object]) -> T:
    """In the worker: the job, in the language of the request that asked for it."""
    with i18n.language(language):
        return function(*args, **kwargs)


def pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # "spawn": a fresh interpreter, not a fork of one with an event loop and threads in it.
        context = multiprocessing.get_context("spawn")
        _pool = ProcessPoolExecutor(
            max_workers=PROCESSES, mp_context=context, initializer=_initialize, initargs=(os.getpid(),)
        )
    return _pool


def warm() -> Future[int]:
    """Start a worker process now (it loads the fonts), so the first PDF does not wait for one."""
    return pool().submit(_ready)


async def run(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)` in a worker process, in the caller's language; its arguments,
    result and exceptions must pickle.

    A pool whose process died (killed for memory, say) is replaced and the work tried once more.
    """
    global _pool
    loop = asyncio.get_running_loop()
    call = partial(_call, i18n.current_language(), function, args, kwargs)
    try:
        return await loop.run_in_executor(pool(), call)
    except BrokenProcessPool:
        logger.warning("A worker process died; starting a new pool and trying %s again", function.__name__)
        broken, _pool = _pool, None
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)
        return await loop.run_in_executor(pool(), call)


def processes() -> list[int]:
    """The worker processes' ids (for the benchmarks' memory figures)."""
    if _pool is None:
        return []
    return [process.pid for process in list(getattr(_pool, "_processes", {}).values()) if process.pid is not None]
