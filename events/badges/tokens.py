"""What a badge's QR code says: `TSD1` + the registration code + a 16-character signature.

The signature is an HMAC-SHA256 (truncated to 80 bits) over the event, the code and the
registration's secret, keyed by a key derived from the server's secret key. So the QR holds no
name, e-mail or database id; an altered, forged or other-event payload fails to verify; and
regenerating the registration's secret (lost badge, leaked link) voids every old badge at once.

Why HMAC and not an Ed25519 signature that a scanner could verify offline: a scanner must ask the
server anyway to count a check-in once across doors and to show the person's name, and a 64-byte
signature would need a QR twice the size. The whole payload is 28 characters from QR's
alphanumeric set: version 2 (25×25 modules) at error correction level M.

Two versions: `TSD1` is keyed by the server's secret key and covers the event's database id;
`TSD2` is keyed by the event's own `badge_key`, which is stored with the event, so its badges still
scan after the event is restored or moved to another database or server. Events made before
`badge_key` existed keep issuing TSD1; both are accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from events.registrations.codes import CODE_ALPHABET, CODE_LENGTH

PREFIX = "TSD1"
PREFIX_V2 = "TSD2"
SIGNATURE_BYTES = 10
SIGNATURE_LENGTH = 16  # base32 of 10 bytes
TOKEN_LENGTH = len(PREFIX) + CODE_LENGTH + SIGNATURE_LENGTH


@dataclass(frozen=True)
class BadgePayload:
    code: str
    signature: str
    version: int = 1


def _key(secret_key: str) -> bytes:
    return hashlib.sha256(b"tsudoi badge v1\x00" + secret_key.encode("utf-8")).digest()


def _signature(secret_key: str, event_id: int, code: str, registration_secret: str) -> str:
    message = f"{event_id}\x00{code}\x00{registration_secret}".encode()
    digest = hmac.new(_key(secret_key), message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.b32encode(digest).decode("ascii")


def _signature_v2(badge_key: str, code: str, registration_secret: str) -> str:
    key = hashlib.sha256(b"tsudoi badge v2\x00" + badge_key.encode("utf-8")).digest()
    digest = hmac.new(key, f"{code}\x00{registration_secret}".encode(), hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.b32encode(digest).decode("ascii")


def badge_token(secret_key: str, event_id: int, code: str, registration_secret: str, badge_key: str = "") -> str:
    """The text to put in a registration's QR code: TSD2 when the event has a badge key, else TSD1."""
    if badge_key:
        return PREFIX_V2 + code + _signature_v2(badge_key, code, registration_secret)
    return PREFIX + code + _signature(secret_key, event_id, code, registration_secret)


def parse(text: str) -> BadgePayload | None:
    """Read a scanned text as a badge payload, or None when it cannot be one (no database needed)."""
    text = text.strip()
    if len(text) != TOKEN_LENGTH:
        return None
    text = text.upper()
    versions = {PREFIX: 1, PREFIX_V2: 2}
    version = versions.get(text[: len(PREFIX)])
    if version is None:
        return None
    code = text[len(PREFIX) : len(PREFIX) + CODE_LENGTH]
    signature = text[len(PREFIX) + CODE_LENGTH :]
    if any(char not in CODE_ALPHABET for char in code):
        return None
    if any(char not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for char in signature):
        return None
    return BadgePayload(code, signature, version)


def verify(
    secret_key: str, payload: BadgePayload, event_id: int, registration_secret: str, badge_key: str = ""
) -> bool:
    """True when the payload was made for this registration of this event (by this server, for TSD1)."""
    if payload.version == 2:
        if not badge_key:
            return False
        expected = _signature_v2(badge_key, payload.code, registration_secret)
    else:
        expected = _signature(secret_key, event_id, payload.code, registration_secret)
    return hmac.compare_digest(expected, payload.signature)
