"""Bank transfers: the short number a payer puts before their name, so a transfer finds its person.

Japanese banks show the payer's name (振込依頼人名) in katakana on the statement, and many people
share a name. Each registration has a reference: its id with a check digit (Luhn), at least five
digits. The participant puts it before their name (「12345 ヤマダ ハナコ」); a mistyped digit
fails the check, so it matches nobody rather than the wrong person.
"""

from __future__ import annotations

import re
import unicodedata

#: The reference at the start of a payer's name as a bank prints it, after the word some banks put
#: first in the statement's description (振込, フリコミ), full-width and half-width forms made plain.
_LEADING_DIGITS = re.compile(r"^\s*(?:(?:振込み?|フリコミ|振替|入金)\s*)?(\d{5,12})(?!\d)")


def _luhn_digit(number: str) -> int:
    """The digit that makes `number` + digit pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def reference(registration_id: int) -> str:
    """The transfer reference of a registration: its id (four digits at least) and a check digit, 421 → 04218."""
    base = f"{registration_id:04d}"
    return base + str(_luhn_digit(base))


def registration_id(text: str) -> int | None:
    """The registration a payer's name refers to, or None when it starts with no valid reference."""
    plain = unicodedata.normalize("NFKC", text)
    found = _LEADING_DIGITS.match(plain)
    if not found:
        return None
    digits = found.group(1)
    if str(_luhn_digit(digits[:-1])) != digits[-1]:
        return None
    return int(digits[:-1])
