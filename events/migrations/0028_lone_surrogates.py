"""Half-characters kept on SQLite become U+FFFD.

Until the text rules refused them, a free-text answer (or any text kept in a JSON column: a
category's label, a translation, a value in the change log) could hold a lone surrogate, half of
a UTF-16 pair with no character of its own. SQLite keeps JSON as text and wrote it as the escape
`\\ud800`; read back, it failed every page, file and JSON answer showing it (UTF-8 has no bytes for
it), so the organizer could neither export nor even erase that person. Each one becomes U+FFFD,
the replacement character. A text column cannot hold one written by the app (Python's SQLite
driver refuses to encode it), but a row written by another program may hold its bytes (ED A0-BF
..): those are replaced too. PostgreSQL holds neither: its text is UTF-8, and jsonb refuses the
escape.
"""

import json
import re
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

LONE = re.compile("[\ud800-\udfff]")


def _mended(value: Any) -> Any:
    if isinstance(value, str):
        return LONE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_mended(item) for item in value]
    if isinstance(value, dict):
        return {_mended(key): _mended(item) for key, item in value.items()}
    return value


def _mended_text(raw: bytes) -> str:
    try:
        return LONE.sub("\ufffd", raw.decode("utf-8", "surrogatepass"))
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


async def mend(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    _count, tables = await client.execute_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    for table in [row["name"] for row in tables]:
        _count, columns = await client.execute_query(f'PRAGMA table_info("{table}")')
        for column in columns:
            name, kind = column["name"], str(column["type"]).upper()
            if kind == "JSON":
                # Every lone surrogate is written \ud8.. to \udf..; LIKE ignores the case of \uD800.
                _count, rows = await client.execute_query(
                    f'SELECT rowid AS "row", "{name}" AS "value" FROM "{table}" WHERE "{name}" LIKE \'%\\ud%\''
                )
                for row in rows:
                    value = json.loads(row["value"])
                    mended = _mended(value)
                    if mended != value:
                        text = json.dumps(mended, separators=(",", ":"))
                        await client.execute_query(
                            f'UPDATE "{table}" SET "{name}" = ? WHERE rowid = ?', [text, row["row"]]
                        )
            elif kind == "TEXT" or kind.startswith("VARCHAR"):
                # ED is the first byte of U+D000-U+DFFF: Hangul syllables, and the surrogates.
                _count, rows = await client.execute_query(
                    f'SELECT rowid AS "row", CAST("{name}" AS BLOB) AS "raw" FROM "{table}" '
                    f"WHERE instr(CAST(\"{name}\" AS BLOB), X'ED') > 0"
                )
                for row in rows:
                    raw = bytes(row["raw"])
                    try:
                        raw.decode("utf-8")
                    except UnicodeDecodeError:
                        await client.execute_query(
                            f'UPDATE "{table}" SET "{name}" = ? WHERE rowid = ?', [_mended_text(raw), row["row"]]
                        )


class Migration(migrations.Migration):
    dependencies = [("models", "0027_sign_in_links")]

    initial = False

    operations = [ops.RunPython(mend)]
