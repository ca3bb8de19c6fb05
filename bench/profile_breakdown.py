"""Where a server's time goes, from py-spy's raw stacks (`bench.checkin --profile stacks.txt`).

    python -m bench.profile_breakdown stacks.txt

Each sample is put under the first layer found walking from the innermost frame outwards (the
database, the ORM, validation, JSON, logging, routing and middleware, the HTTP server, our own
code, the event loop), so the percentages add up to 100 and say what the door's time is spent in.
"""

from __future__ import annotations

import sys
from collections import Counter

#: (layer, fragments of a frame's file that belong to it), innermost layers first.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "database (sqlite3 / asyncpg, the writer thread)",
        ("sqlite3", "aiosqlite", "asyncpg", "sqlite_backend", "postgres_backend"),
    ),
    ("ORM (tortoise)", ("tortoise/",)),
    ("validation (pydantic)", ("pydantic",)),
    ("JSON", ("json/", "orjson")),
    ("logging", ("logging/", "events/logs")),
    ("routing and middleware (starlette)", ("starlette/",)),
    ("HTTP server (uvicorn, httptools, h11)", ("uvicorn/", "httptools", "h11/")),
    ("Tsudoi's own code", ("events/",)),
    ("event loop and the rest", ("asyncio/", "")),
]


def layer_of(stack: str) -> str:
    frames = stack.split(";")
    for frame in reversed(frames):
        for name, fragments in LAYERS[:-1]:
            if any(fragment in frame for fragment in fragments):
                return name
    return LAYERS[-1][0]


def main() -> None:
    counted: Counter[str] = Counter()
    for line in open(sys.argv[1], encoding="utf-8"):
        stack, _space, count = line.rstrip().rpartition(" ")
        if stack and count.isdigit():
            counted[layer_of(stack)] += int(count)
    total = sum(counted.values()) or 1
    print(f"{total} samples")
    for name, count in counted.most_common():
        print(f"| {name} | {100 * count / total:.1f}% |")


if __name__ == "__main__":
    main()
