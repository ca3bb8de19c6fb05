"""Charts as SVG geometry worked out on the server: the pages' CSP allows no script and no inline style.

The templates only place what is computed here (bars, columns, ticks); the same shapes would serve
any other page that needs a chart.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from events.reports import attendance

# Chart geometry, in the SVG's own units: 320 wide, about a phone's width in CSS pixels, so 11-unit
# text reads as 11-12 px there; app.css caps the width on a desk screen.
WIDTH = 320


def _r(value: float) -> float:
    return round(value, 1)


def _short(text: str, room: int = 48) -> str:
    """At most `room` half-width places (a Japanese character takes two), ending in … when cut."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used > room:
            return text[:index].rstrip() + "…"
    return text


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int

    @property
    def label_x(self) -> float:
        return _r(self.x + self.width + 4)


@dataclass(frozen=True)
class SessionBars:
    title: str
    label: str
    label_y: float
    confirmed: Bar
    checked_in: Bar


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    rows: list[SessionBars]


def session_bars(sessions: list[dict[str, Any]]) -> BarChart:
    """Confirmed against checked in, one pair of horizontal bars per session, on one scale."""
    top, group, bar, room = 24, 42, 9, WIDTH - 40
    largest = max((max(row["confirmed"], row["checked_in"]) for row in sessions), default=0) or 1

    def length(value: int) -> float:
        return _r(max(value / largest * room, 1.0)) if value else 0.0

    rows = []
    for index, row in enumerate(sessions):
        y = top + index * group
        rows.append(
            SessionBars(
                title=row["title"],
                label=_short(row["title"]),
                label_y=y + 11,
                confirmed=Bar(0, y + 15, length(row["confirmed"]), bar, row["confirmed"]),
                checked_in=Bar(0, y + 26, length(row["checked_in"]), bar, row["checked_in"]),
            )
        )
    return BarChart(WIDTH, top + len(sessions) * group, rows)


@dataclass(frozen=True)
class Interval:
    x: float
    y: float
    width: float
    height: float
    starts: datetime
    count: int


@dataclass(frozen=True)
class Tick:
    x: float
    at: datetime


@dataclass(frozen=True)
class ArrivalChart:
    title: str
    width: int
    height: int
    left: int
    right: int
    top: int
    baseline: int
    minutes: int
    intervals: list[Interval]
    ticks: list[Tick]
    peak: int
    peak_at: datetime
    total: int


def arrival_chart(title: str, arrivals: attendance.Arrivals) -> ArrivalChart:
    """Check-ins per interval at one session's door as columns, with times on the hour along the bottom."""
    left, right, top, baseline = 30, WIDTH - 4, 12, 118
    counts = arrivals.counts
    slot = (right - left) / len(counts)
    peak = max(count for _start, count in counts)
    peak_at = next(start for start, count in counts if count == peak)
    intervals = []
    for index, (starts, count) in enumerate(counts):
        height = count / peak * (baseline - top)
        intervals.append(
            Interval(
                _r(left + index * slot + slot * 0.1), _r(baseline - height), _r(slot * 0.8), _r(height), starts, count
            )
        )
    ticks: list[Tick] = []  # the first interval, then the first of each hour, while they do not crowd
    for index, (starts, _count) in enumerate(counts):
        x = left + index * slot
        new_hour = index == 0 or starts.hour != counts[index - 1][0].hour
        if new_hour and x <= right - 40 and (not ticks or x - ticks[-1].x >= 56):
            ticks.append(Tick(_r(x), starts))
    total = sum(count for _start, count in counts)
    return ArrivalChart(
        title, WIDTH, 140, left, right, top, baseline, arrivals.minutes, intervals, ticks, peak, peak_at, total
    )
