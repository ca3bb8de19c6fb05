"""The batcher: requests that arrive together share one flush, and each still gets its own answer."""

from __future__ import annotations

import asyncio

import pytest

from events.batching import Batcher


async def settle() -> None:
    """Let every task that can run take its steps (no time passes)."""
    for _ in range(5):
        await asyncio.sleep(0)


class Recorder:
    """A flush that doubles numbers, records each batch, and can be held open or made to fail."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def flush(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        await self.gate.wait()
        if 13 in items:
            raise ValueError("unlucky batch")
        return [item * 2 for item in items]


async def test_items_arriving_while_a_batch_runs_go_together_in_the_next() -> None:
    recorder = Recorder()
    recorder.gate.clear()
    batcher = Batcher(recorder.flush, max_in_flight=1)
    first = asyncio.create_task(batcher.submit(1))
    await settle()  # the first batch starts at once, with one item
    rest = [asyncio.create_task(batcher.submit(n)) for n in (2, 3, 4)]
    await settle()

    recorder.gate.set()
    answers = await asyncio.gather(first, *rest)

    assert answers == [2, 4, 6, 8], "each caller gets its own item's answer"
    assert recorder.batches == [[1], [2, 3, 4]], "a lone item waits for nothing; the others share one flush"


async def test_no_more_batches_run_at_once_than_allowed_and_none_is_larger_than_allowed() -> None:
    recorder = Recorder()
    recorder.gate.clear()
    batcher = Batcher(recorder.flush, max_in_flight=2, max_size=3)
    tasks = [asyncio.create_task(batcher.submit(n)) for n in range(10)]
    await settle()

    assert len(recorder.batches) == 2, f"two batches run at once: {recorder.batches}"
    recorder.gate.set()
    answers = await asyncio.gather(*tasks)

    assert answers == [n * 2 for n in range(10)]
    assert all(len(batch) <= 3 for batch in recorder.batches), recorder.batches
    assert sorted(item for batch in recorder.batches for item in batch) == list(range(10)), "each item once"


async def test_a_failing_flush_fails_its_own_batch_only() -> None:
    recorder = Recorder()
    recorder.gate.clear()
    batcher = Batcher(recorder.flush, max_in_flight=1)
    unlucky = asyncio.create_task(batcher.submit(13))
    await settle()
    later = asyncio.create_task(batcher.submit(5))
    await settle()

    recorder.gate.set()

    with pytest.raises(ValueError, match="unlucky"):
        await unlucky
    assert await later == 10, "the next batch is not touched by the first one's error"


async def test_an_item_whose_caller_went_away_is_still_flushed() -> None:
    recorder = Recorder()
    recorder.gate.clear()
    batcher = Batcher(recorder.flush, max_in_flight=1)
    busy = asyncio.create_task(batcher.submit(1))
    await settle()
    impatient = asyncio.create_task(batcher.submit(2))
    await settle()

    impatient.cancel()
    recorder.gate.set()
    await busy
    await settle()

    assert recorder.batches == [[1], [2]], "the cancelled caller's item still went to the database"
