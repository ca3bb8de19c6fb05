"""Many small requests answered by one database statement: a batcher.

The door sends many scans at once, each needing the same two tiny statements. On PostgreSQL a
statement costs the server far more in fixed work (a round trip, a snapshot, a commit and its WAL
flush, a backend woken up) than in the rows it touches, so on a two-core machine the database
takes as much CPU as the app. Gathering the scans that arrive together into one statement pays
that fixed cost once for the lot, as a group commit does.

A batch starts as soon as an item arrives and a slot is free, so a lone request waits for nothing;
items that arrive while `max_in_flight` batches run wait for the next one, at most `max_size` to
a batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class Batcher(Generic[In, Out]):
    """`await batcher.submit(item)` gives `flush([..., item, ...])`'s answer for that item.

    `flush` answers each item of its list, in order; when it raises, every item of that batch gets
    the error. A caller that goes away (a client that disconnected) leaves its item in the batch.
    """

    def __init__(
        self, flush: Callable[[list[In]], Awaitable[Sequence[Out]]], *, max_in_flight: int = 4, max_size: int = 64
    ) -> None:
        self.flush = flush
        self.max_in_flight = max_in_flight
        self.max_size = max_size
        self.pending: list[tuple[In, asyncio.Future[Out]]] = []
        self.running: set[asyncio.Task[None]] = set()

    async def submit(self, item: In) -> Out:
        future: asyncio.Future[Out] = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        if len(self.running) < self.max_in_flight:
            task = asyncio.create_task(self._drain())
            self.running.add(task)
            task.add_done_callback(self.running.discard)
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[: self.max_size], self.pending[self.max_size :]
            try:
                answers = await self.flush([item for item, _ in batch])
                if len(answers) != len(batch):
                    raise RuntimeError(f"a batch of {len(batch)} got {len(answers)} answers")
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            except BaseException:
                for _, future in batch:
                    future.cancel()
                raise
            for (_, future), answer in zip(batch, answers, strict=True):
                if not future.done():
                    future.set_result(answer)
