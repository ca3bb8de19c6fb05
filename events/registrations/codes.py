"""The two identifiers a registration carries: a short code for people, a long secret for links.

The code is printed on the badge and typed at the door, so its alphabet leaves out characters
that look alike in print or handwriting (0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B, U/V).
The secret is what the participant's links hold; it is random and has no relation to the code.
"""

from __future__ import annotations

import secrets

CODE_ALPHABET = "ACEFGHJKMNPRTWXY34679"
CODE_LENGTH = 8
SECRET_BYTES = 24  # 192 bits, 32 URL-safe characters


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def normalize_code(typed: str) -> str | None:
    """Read a code as a person typed it (any case, dashes and spaces forgiven); None if it cannot be one."""
    text = "".join(char for char in typed.upper() if char not in " -_\u2010\u2011\u2012\u2013\u2014\u30fc")
    if len(text) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in text):
        return None
    return text


def looks_like_secret(text: str) -> bool:
    return 20 <= len(text) <= 64 and all(char.isascii() and (char.isalnum() or char in "-_") for char in text)


def display_code(code: str) -> str:
    """`K7QF2M9X` shown as `K7QF-2M9X`, easier to read aloud and to type."""
    return f"{code[:4]}-{code[4:]}"
