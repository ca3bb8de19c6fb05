"""Put back on SQLite the indexes that 0014 lost.

0014 changed only field descriptions, but on SQLite an AlterField rebuilds the table, and the
rebuild left out the table's indexes: the scan log lost its unique (event, device, scan_id) rule
and its (session, time) index, and the outbox its unique (registration, kind, session) rule and
both its indexes. PostgreSQL altered the tables in place and kept them. This recreates them where
they are missing; a unique rule whose rows already repeat (written while it was missing) becomes a
plain index instead, with a warning, so no row is dropped. Description-only changes now use
`events.migrations._state.DescribeField`, which touches no table.
"""

import logging
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

logger = logging.getLogger("tsudoi.migrations")

#: (index name, table, columns, unique)
INDEXES = [
    ("uid_scan_log_event_device_scan_id", "scan_log", ("event_id", "device", "scan_id"), True),
    ("idx_scan_log_session_created", "scan_log", ("session_id", "created_at"), False),
    (
        "uid_outbox_message_registration_kind_session",
        "outbox_message",
        ("registration_id", "kind", "session_code"),
        True,
    ),
    ("idx_outbox_message_event_created", "outbox_message", ("event_id", "created_at"), False),
    ("idx_outbox_message_status_next_attempt", "outbox_message", ("status", "next_attempt_at"), False),
]


async def restore(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    for name, table, columns, unique in INDEXES:
        _count, rows = await client.execute_query(f'PRAGMA index_list("{table}")')
        existing = []
        for row in rows:
            _c, info = await client.execute_query(f'PRAGMA index_info("{row["name"]}")')
            existing.append(tuple(column["name"] for column in info))
        if columns in existing:
            continue
        quoted = ", ".join(f'"{column}"' for column in columns)
        if unique:
            # NULLs never repeat in a unique index: only rows with every column set can clash.
            not_null = " AND ".join(f'"{column}" IS NOT NULL' for column in columns)
            _c, repeated = await client.execute_query(
                f'SELECT 1 FROM "{table}" WHERE {not_null} GROUP BY {quoted} HAVING COUNT(*) > 1 LIMIT 1'
            )
            if repeated:
                logger.warning("%s has rows that repeat %s: a plain index instead of a unique one", table, columns)
                unique = False
        kind = "UNIQUE INDEX" if unique else "INDEX"
        await client.execute_script(f'CREATE {kind} IF NOT EXISTS "{name}" ON "{table}" ({quoted})')


class Migration(migrations.Migration):
    dependencies = [("models", "0022_presence")]

    initial = False

    operations = [ops.RunPython(restore)]
