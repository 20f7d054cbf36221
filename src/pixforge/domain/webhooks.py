"""Webhook payloads and PixVerse's signature scheme (spec §3.18), as pure functions.

The string to sign is `timestamp + "\\n" + nonce + "\\n" + form(body)`, where form(body) joins
`key=value` pairs of the JSON body with `&`, keys sorted (PixVerse's Java and Go samples sort;
the body is also sent with sorted keys so every verifier agrees) and booleans lower-case. The
signature is base64(HMAC-SHA256(secret, string to sign)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
from collections.abc import Mapping
from urllib.parse import urlencode

NONCE_ALPHABET = string.ascii_letters + string.digits
NONCE_LENGTH = 32
BYTES_PER_MB = 1024 * 1024


def payload(
    video_id: int, status: int, url: str, size_bytes: int, has_audio: bool, credits: int
) -> dict[str, object]:
    """The delivery body: `id` is a string and `size` is in MB, as PixVerse's example shows."""
    return {
        "credits": credits,
        "has_audio": has_audio,
        "id": str(video_id),
        "size": round(size_bytes / BYTES_PER_MB, 2),
        "status": status,
        "url": url,
    }


def body_bytes(body: Mapping[str, object]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _form_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def string_to_sign(timestamp: str, nonce: str, body: Mapping[str, object]) -> str:
    pairs = [(key, _form_value(body[key])) for key in sorted(body)]
    return f"{timestamp}\n{nonce}\n{urlencode(pairs)}"


def signature(secret: str, timestamp: str, nonce: str, body: Mapping[str, object]) -> str:
    digest = hmac.new(
        secret.encode(), string_to_sign(timestamp, nonce, body).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def verify(
    secret: str, timestamp: str, nonce: str, body: Mapping[str, object], claimed: str
) -> bool:
    """What a receiver does; used by pixforge's own tests and documented for users."""
    return hmac.compare_digest(signature(secret, timestamp, nonce, body), claimed)


def new_nonce() -> str:
    return "".join(secrets.choice(NONCE_ALPHABET) for _ in range(NONCE_LENGTH))


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def next_attempt_delay(attempts_made: int, delays_s: list[float]) -> float | None:
    """Seconds until the next try after `attempts_made` failures; None when retries are spent."""
    if attempts_made > len(delays_s):
        return None
    return delays_s[attempts_made - 1]
