"""What a scanner sends for one scan."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from events.program.schemas import AwareDatetime
from events.validation import Input

DEVICE_PATTERN = r"^[^\x00-\x1f\x7f]{0,64}$"


class ScanInput(Input):
    scan: str = Field(
        max_length=4096, description="The text read from the QR code, or the 8-character code typed by hand"
    )
    session: str = Field(max_length=32, description="The session's code")
    device: str = Field(default="", pattern=DEVICE_PATTERN, description="The door device's name, e.g. door-A")
    scan_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="A device-made id: a retry with it counts nothing new"
    )
    scanned_at: AwareDatetime | None = Field(
        default=None, description="When the scan happened (for scans queued offline); kept within the event's days"
    )
    found_by: Literal["search"] | None = Field(
        default=None,
        description='"search" when the code was picked from a name search (a lost badge), so reports count it so',
    )
