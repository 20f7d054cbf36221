"""Public ids (random 53-bit integers, so they fit JavaScript numbers and reveal no counts),
unguessable file tokens, and the one shape of a stored file's address."""

from __future__ import annotations

import secrets

# Ids are drawn from [2^52, 2^53): always 16 digits, never small, never sequential.
_LOW = 2**52


def new_public_id() -> int:
    return _LOW + secrets.randbelow(2**53 - _LOW)


def new_token() -> str:
    """An unguessable URL token (256 bits)."""
    return secrets.token_urlsafe(32)


def file_url(public_url: str, token: str, name: str) -> str:
    """Where a stored file is served: its token, then a name for the downloader."""
    return f"{public_url}/files/{token}/{name}"
