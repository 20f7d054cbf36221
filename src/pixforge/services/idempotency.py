"""Ai-trace-id replay: the first successful answer to a (key, trace id) is the answer forever."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pixforge.domain.errors import BindingError, TraceIdConflictError
from pixforge.store import idempotency as repo
from pixforge.store.db import Connection, Database

# No PixVerse body nests deeper than 3; the bound keeps json's recursive C parser and encoder far
# from the interpreter's recursion limit (a RecursionError would be a 500).
MAX_JSON_DEPTH = 32


class JsonTooDeepError(BindingError):
    """A JSON body nested deeper than MAX_JSON_DEPTH (400013)."""


def _too_deep() -> JsonTooDeepError:
    return JsonTooDeepError(f"request body: JSON nested deeper than {MAX_JSON_DEPTH} levels")


def _check_parsed(value: object) -> None:
    """Refuse what json.loads lets through but nothing downstream can hold: nesting deeper than
    MAX_JSON_DEPTH, and lone surrogates (`"\\ud800"`), which cannot be encoded as UTF-8 (the
    pydantic parser refuses both too). Iterative, so depth costs no recursion."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _check_text(item)
            continue
        if isinstance(item, dict):
            for key in item:
                _check_text(key)
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        pending.extend((child, depth + 1) for child in children)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BindingError("request body is not valid JSON (a lone surrogate escape)") from error


def load_json(body: bytes) -> Any:
    """A JSON body parsed; BindingError (400013) naming the body when it is not JSON, nests
    deeper than MAX_JSON_DEPTH or holds a lone surrogate."""
    try:
        value = json.loads(body)
    except RecursionError as error:
        raise _too_deep() from error
    except ValueError as error:  # UnicodeDecodeError is a ValueError too
        raise BindingError("request body is not valid JSON") from error
    _check_parsed(value)
    return value


def request_hash(route: str, body: bytes) -> str:
    """Fingerprint of a request: JSON bodies by their parsed value, anything else by bytes.
    A JSON body nested too deeply is refused (JsonTooDeepError) rather than hashed."""
    digest = hashlib.sha256(route.encode() + b"\x00")
    try:
        value = load_json(body)
    except JsonTooDeepError:
        raise
    except BindingError:
        digest.update(b"raw\x00" + body)
    else:
        canonical = json.dumps(value, sort_keys=True, separators=(",", ":"))
        digest.update(b"json\x00" + canonical.encode())
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
