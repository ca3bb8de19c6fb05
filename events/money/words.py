"""Amounts as people read them: 2,000円 in Japanese, ¥2,000 in the other languages."""

from __future__ import annotations

from events import i18n


def yen(amount: int, language: str | None = None) -> str:
    """`amount` whole yen, written the reader's way (the current language unless one is given)."""
    language = language or i18n.current_language()
    sign = "-" if amount < 0 else ""
    if language == "ja":
        return f"{sign}{abs(amount):,}円"
    return f"{sign}¥{abs(amount):,}"
