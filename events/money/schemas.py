"""What the desk sends to record money taken, waived or given back."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from events.money.ledger import PaymentMethod
from events.money.models import Fee
from events.program.schemas import MAX_PRICE
from events.validation import Input, OptionalText


class PaymentInput(Input):
    amount: int = Field(strict=True, ge=1, le=MAX_PRICE, description="Whole yen, as money moved (always positive)")
    method: PaymentMethod
    note: OptionalText = ""
    payment_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="Makes a retry safe: sent again, nothing new is recorded"
    )
    device: OptionalText = Field(
        default="", max_length=64, description="(extension) The desk that took the money, for its cash count"
    )
    fee: Fee | None = Field(
        default=None,
        description="(extension) A payment for this fee alone, on its own receipt (participation or reception)",
    )
    via: Literal["cash", "transfer"] = Field(
        default="cash", description="(extension) How a refund was paid back; ignored otherwise"
    )
