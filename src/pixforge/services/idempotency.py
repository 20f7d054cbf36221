"""Ai-trace-id replay: the first successful answer to a (key, trace id) is the answer forever."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pixforge.domain.errors import TraceIdConflictError
from pixforge.store import idempotency as repo
from pixforge.store.db import Connection, Database


def request_hash(route: str, body: bytes) -> str:
    """Fingerprint of a request: JSON bodies by their parsed value, anything else by bytes."""
    digest = hashlib.sha256(route.encode() + b"\x00")
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
        digest.update(b"json\x00" + canonical.encode())
    except (ValueError, UnicodeDecodeError):
        digest.update(b"raw\x00" + body)
    return digest.hexdigest()


def replayed(
    db: Database, api_key_id: int, trace_id: str, fingerprint: str
) -> Mapping[str, Any] | None:
    """The stored answer for this trace id, None when unused; a different body is refused."""
    with db.read() as conn:
        return replayed_in(conn, api_key_id, trace_id, fingerprint)


def replayed_in(
    conn: Connection, api_key_id: int, trace_id: str, fingerprint: str
) -> Mapping[str, Any] | None:
    """Like replayed(), inside a caller's transaction (after it took its locks)."""
    record = repo.find(conn, api_key_id, trace_id)
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise TraceIdConflictError(
            f"Ai-trace-id {trace_id} was already used for a different request; "
            "send a new UUID for every new request"
        )
    result: Mapping[str, Any] = json.loads(record.response_json)
    return result
