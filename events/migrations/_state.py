"""Migration operations that change only what the migrations know of a model, not the database."""

from __future__ import annotations

from typing import Any

from tortoise.migrations import operations as ops


class DescribeField(ops.AlterField):
    """A field whose description changed (an enum gained a member, say) and nothing the database
    holds: no statement runs. A plain AlterField would rebuild the whole table on SQLite (the scan
    log, with every scan) and drop the triggers that stand in for its CHECK rules."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None
