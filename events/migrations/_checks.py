"""CHECK rules for migrations, written once and applied in each database's own way.

PostgreSQL gets real CHECK constraints. SQLite cannot add a CHECK to an existing table, so there
the same rule becomes a pair of triggers that abort the offending INSERT or UPDATE.
"""

from __future__ import annotations

from typing import Any


def add_checks(table: str, checks: dict[str, str]) -> Any:
    """A RunPython callable that enforces each `name: condition` on `table`."""

    async def forward(apps: Any, schema_editor: Any) -> None:
        client = schema_editor.client
        dialect = client.capabilities.dialect
        for name, condition in checks.items():
            if dialect == "sqlite":
                for when in ("INSERT", "UPDATE"):
                    await client.execute_query(
                        f'CREATE TRIGGER "{name}_{when.lower()}" BEFORE {when} ON "{table}" '
                        f"WHEN NOT ({_new(condition)}) "
                        f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
                    )
            else:
                await client.execute_query(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" CHECK ({condition})')

    return forward


def _new(condition: str) -> str:
    """Qualify the bare column names of a condition with NEW. for a trigger's WHEN clause."""
    words = []
    for token in condition.replace("(", " ( ").replace(")", " ) ").split():
        if token.isidentifier() and token.upper() not in {"AND", "OR", "NOT", "IS", "NULL", "IN"}:
            words.append(f"NEW.{token}")
        else:
            words.append(token)
    return " ".join(words)
