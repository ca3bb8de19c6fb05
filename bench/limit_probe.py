"""The ceiling of a door scan on Tsudoi's own stack: the least a bare ASGI app on uvicorn can do
for the same request and the same durable work, with nothing else (no ORM, no validation library,
no middleware, no logging).

    python limit_probe.py fill DB N           # N registrations holding session day1; codes to DB.codes
    python limit_probe.py serve DB PORT MODE  # MODE: db (lookup + check-in + scan log, group commit,
                                              #       WAL, synchronous=FULL) or frame (JSON in, JSON out)
    python limit_probe.py fill-pg DSN N CODES # the same tables in a PostgreSQL database; codes to CODES
    python limit_probe.py serve-pg DSN PORT   # MODE pg: asyncpg, every scan waiting at the moment in one
                                              #       statement and one commit (issue 18's PostgreSQL ceiling)

Copied from ../shared/bench/limit_probe.py (the team's reference) with a PostgreSQL mode added; the
SQLite modes are unchanged, so the figures stay comparable with the shared probe's.

Drive it with the same load as Tsudoi's own bench, in the same run, e.g.:
    CODES_FILE=DB.codes TOKEN=probe-door-token SCAN_IDS=0 \
        wrk -t 2 -c 32 -d 15s --latency -s bench/checkin.lua http://127.0.0.1:PORT
and quote Tsudoi's figure as a ratio of the probe's (a shared machine drifts; a ratio holds).

Same request as Tsudoi's bench (POST /api/v1/events/bench/checkins, Bearer token, JSON body
{scan, session, device}); the answer carries the same fields. Scans waiting at the same moment
share one transaction and one fsync, as Tsudoi's SQLite path does.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import sys
import threading
import time
import queue

SCHEMA = """
CREATE TABLE IF NOT EXISTS registration (id INTEGER PRIMARY KEY, code TEXT UNIQUE, name TEXT,
    organization TEXT, category TEXT, status TEXT);
CREATE TABLE IF NOT EXISTS seat (registration_id INT, session TEXT, status TEXT, PRIMARY KEY (registration_id, session));
CREATE TABLE IF NOT EXISTS checkin (registration_id INT, session TEXT, at TEXT, device TEXT,
    PRIMARY KEY (registration_id, session));
CREATE TABLE IF NOT EXISTS scan_log (id INTEGER PRIMARY KEY, at TEXT, session TEXT, device TEXT, registration_id INT, result TEXT);
"""
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TOKEN = "probe-door-token"


def fill(path: str, n: int) -> None:
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    codes = []
    for i in range(n):
        code = "".join(secrets.choice(ALPHABET) for _ in range(8))
        cur = db.execute("INSERT INTO registration (code, name, organization, category, status) VALUES (?,?,?,?,?)",
                         (code, f"P {i}", "", "participant", "confirmed"))
        db.execute("INSERT INTO seat VALUES (?, 'day1', 'confirmed')", (cur.lastrowid,))
        codes.append(code)
    db.commit()
    open(path + ".codes", "w").write("\n".join(codes) + "\n")


class Writer(threading.Thread):
    """One connection, one thread; each turn takes every scan waiting and commits them together."""

    def __init__(self, path: str) -> None:
        super().__init__(daemon=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.q: queue.Queue = queue.Queue()

    def run(self) -> None:
        while True:
            items = [self.q.get()]
            while True:
                try:
                    items.append(self.q.get_nowait())
                except queue.Empty:
                    break
            self.db.execute("BEGIN IMMEDIATE")
            answers = [self.scan(*args) for args, _, _ in items]
            self.db.execute("COMMIT")
            for (_, loop, fut), answer in zip(items, answers):
                loop.call_soon_threadsafe(fut.set_result, answer)

    def scan(self, code: str, session: str, device: str) -> tuple[int, dict]:
        now = time.strftime("%Y-%m-%dT%H:%M:%S+09:00")
        row = self.db.execute(
            "SELECT r.id, r.name, r.organization, r.category, r.status, s.status FROM registration r "
            "LEFT JOIN seat s ON s.registration_id = r.id AND s.session = ? WHERE r.code = ?", (session, code)).fetchone()
        if row is None:
            self.db.execute("INSERT INTO scan_log (at, session, device, result) VALUES (?,?,?,'unknown')", (now, session, device))
            return 404, {"result": "unknown"}
        rid, name, org, cat, status, seat = row
        got = self.db.execute("INSERT INTO checkin VALUES (?,?,?,?) ON CONFLICT DO NOTHING RETURNING at",
                              (rid, session, now, device)).fetchone()
        if got:
            result, status_code, at = "ok", 201, got[0]
        else:
            at = self.db.execute("SELECT at FROM checkin WHERE registration_id=? AND session=?", (rid, session)).fetchone()[0]
            result, status_code = "already_checked_in", 200
        self.db.execute("INSERT INTO scan_log (at, session, device, registration_id, result) VALUES (?,?,?,?,?)",
                        (now, session, device, rid, result))
        return status_code, {"result": result, "session": session, "checked_in_at": at,
                             "registration": {"code": code, "name": name, "organization": org, "category": cat}}


PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS registration (id SERIAL PRIMARY KEY, code TEXT UNIQUE, name TEXT,
    organization TEXT, category TEXT, status TEXT);
CREATE TABLE IF NOT EXISTS seat (registration_id INT, session TEXT, status TEXT, PRIMARY KEY (registration_id, session));
CREATE TABLE IF NOT EXISTS checkin (registration_id INT, session TEXT, at TIMESTAMPTZ, device TEXT,
    PRIMARY KEY (registration_id, session));
CREATE TABLE IF NOT EXISTS scan_log (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ, session TEXT, device TEXT,
    registration_id INT, result TEXT);
"""
#: Every scan of a batch in one statement: look each code up, insert the first check-in of each person
#: (the database's unique rule decides against scans committed before), log every scan, and answer
#: each in order. A code twice in one batch: the first is `ok`, the next `already_checked_in`.
PG_BATCH = """
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(code, session, device, n)
), found AS (
    SELECT i.n, i.code, i.session, i.device, r.id, r.name, r.organization, r.category,
           row_number() OVER (PARTITION BY r.id, i.session ORDER BY i.n) AS nth
    FROM input i LEFT JOIN registration r ON r.code = i.code
), inserted AS (
    INSERT INTO checkin (registration_id, session, at, device)
    SELECT id, session, now(), device FROM found WHERE id IS NOT NULL AND nth = 1
    ON CONFLICT DO NOTHING RETURNING registration_id, session, at
), answered AS (
    SELECT f.n, f.code, f.session, f.device, f.id, f.name, f.organization, f.category,
           CASE WHEN f.id IS NULL THEN 'unknown'
                WHEN ins.registration_id IS NOT NULL AND f.nth = 1 THEN 'ok'
                ELSE 'already_checked_in' END AS result,
           COALESCE(ins.at, c.at) AS at
    FROM found f
    LEFT JOIN inserted ins ON ins.registration_id = f.id AND ins.session = f.session
    LEFT JOIN checkin c ON c.registration_id = f.id AND c.session = f.session
), logged AS (
    INSERT INTO scan_log (at, session, device, registration_id, result)
    SELECT now(), session, device, id, result FROM answered
)
SELECT * FROM answered ORDER BY n
"""


def fill_pg(dsn: str, n: int, codes_path: str) -> None:
    import asyncpg

    async def work() -> None:
        db = await asyncpg.connect(dsn)
        await db.execute(PG_SCHEMA)
        codes = ["".join(secrets.choice(ALPHABET) for _ in range(8)) for _ in range(n)]
        await db.executemany(
            "INSERT INTO registration (code, name, organization, category, status) VALUES ($1, $2, '', 'participant', 'confirmed')",
            [(code, f"P {i}") for i, code in enumerate(codes)],
        )
        await db.execute("INSERT INTO seat SELECT id, 'day1', 'confirmed' FROM registration")
        await db.close()
        open(codes_path, "w").write("\n".join(codes) + "\n")

    asyncio.run(work())


class PgBatcher:
    """Scans waiting at the same moment go to the database together: one statement, one commit.
    While a batch is in the database the next one gathers, on its own connection of the pool."""

    def __init__(self, dsn: str, connections: int = 8) -> None:
        self.dsn = dsn
        self.connections = connections
        self.waiting: list[tuple[tuple[str, str, str], asyncio.Future]] = []
        self.pool = None
        self.wake: asyncio.Event | None = None

    async def start(self) -> None:
        import asyncpg

        self.pool = await asyncpg.create_pool(self.dsn, min_size=self.connections, max_size=self.connections)
        self.wake = asyncio.Event()
        for _ in range(self.connections):
            asyncio.get_running_loop().create_task(self.run())

    async def scan(self, code: str, session: str, device: str) -> tuple[int, dict]:
        future = asyncio.get_running_loop().create_future()
        self.waiting.append(((code, session, device), future))
        self.wake.set()
        return await future

    async def run(self) -> None:
        while True:
            await self.wake.wait()
            batch, self.waiting = self.waiting, []
            self.wake.clear()
            if not batch:
                continue
            codes, sessions, devices = (list(column) for column in zip(*(args for args, _ in batch)))
            async with self.pool.acquire() as db:
                async with db.transaction():
                    rows = [dict(row) for row in await db.fetch(PG_BATCH, codes, sessions, devices)]
                    for row in rows:
                        if row["id"] is not None and row["at"] is None:
                            # Checked in by a batch that committed while this statement ran (its
                            # snapshot is older): the next statement sees the time.
                            row["at"] = await db.fetchval(
                                "SELECT at FROM checkin WHERE registration_id = $1 AND session = $2",
                                row["id"], row["session"])
            for row, (_, future) in zip(rows, batch):
                if row["result"] == "unknown":
                    future.set_result((404, {"result": "unknown"}))
                    continue
                status = 201 if row["result"] == "ok" else 200
                future.set_result((status, {"result": row["result"], "session": row["session"],
                                            "checked_in_at": row["at"].isoformat(),
                                            "registration": {"code": row["code"], "name": row["name"],
                                                             "organization": row["organization"],
                                                             "category": row["category"]}}))


def app_for(mode: str, path: str):
    writer = Writer(path) if mode == "db" else None
    if writer:
        writer.start()
    batcher = PgBatcher(path) if mode == "pg" else None

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    if batcher:
                        await batcher.start()
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        if headers.get(b"authorization") != b"Bearer " + TOKEN.encode():
            status, answer = 401, {"error": "unauthenticated"}
        else:
            data = json.loads(body)
            if mode == "frame":
                status, answer = 200, {"result": "already_checked_in", "session": data["session"],
                                       "checked_in_at": "2008-06-14T10:00:00+09:00",
                                       "registration": {"code": data["scan"], "name": "P", "organization": "", "category": "participant"}}
            elif batcher:
                status, answer = await batcher.scan(data["scan"], data["session"], data.get("device", ""))
            else:
                loop = asyncio.get_running_loop()
                fut = loop.create_future()
                writer.q.put(((data["scan"], data["session"], data.get("device", "")), loop, fut))
                status, answer = await fut
        payload = json.dumps(answer).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})

    return app


if __name__ == "__main__":
    if sys.argv[1] == "fill":
        fill(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "fill-pg":
        fill_pg(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "serve-pg":
        import uvicorn
        uvicorn.run(app_for("pg", sys.argv[2]), host="127.0.0.1", port=int(sys.argv[3]), log_level="warning",
                    access_log=False)
    else:
        import uvicorn
        uvicorn.run(app_for(sys.argv[4], sys.argv[2]), host="127.0.0.1", port=int(sys.argv[3]), log_level="warning",
                    access_log=False)
