"""Console sessions: signed, HttpOnly, SameSite=Strict cookies (no server-side state) and the
CSRF token each one carries.

A cookie is `base64url(json) "." base64url(hmac-sha256)`. Every visitor gets an anonymous
session (a random id and CSRF token) so the sign-in form is protected too; signing in always
issues a new session (new id, new token), so a session planted before sign-in stays anonymous.
An account session holds the SHA-256 of its API key and is checked against the key's current
state on every request (disabled, expired, deleted: signed out); an operator session holds the
SHA-256 of the admin token (a changed token signs every operator out).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

COOKIE = "pf_console"
SESSION_S = 12 * 3600
Role = Literal["anon", "account", "operator"]


@dataclass(frozen=True, slots=True)
class Session:
    sid: str
    csrf: str
    role: Role
    # SHA-256 of the API key (account) or of the admin token (operator); "" when anonymous.
    secret_hash: str
    expires_at: float

    @property
    def signed_in(self) -> bool:
        return self.role != "anon"


def new_session(role: Role = "anon", secret_hash: str = "") -> Session:
    """A fresh session: new id and CSRF token, whatever the request carried."""
    return Session(
        sid=secrets.token_urlsafe(16),
        csrf=secrets.token_urlsafe(24),
        role=role,
        secret_hash=secret_hash,
        expires_at=time.time() + SESSION_S,
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self.secret, body.encode(), hashlib.sha256).digest())

    def dump(self, session: Session) -> str:
        body = _b64(json.dumps(asdict(session), separators=(",", ":")).encode())
        return f"{body}.{self._mac(body)}"

    def load(self, cookie: str | None) -> Session | None:
        """The session a cookie holds, or None (absent, tampered, malformed or expired)."""
        if not cookie or cookie.count(".") != 1:
            return None
        body, mac = cookie.split(".")
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            data = json.loads(_unb64(body))
            session = Session(**data)
        except (ValueError, TypeError):
            return None
        if session.role not in ("anon", "account", "operator") or session.expires_at < time.time():
            return None
        return session


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    """PIXFORGE_CONSOLE_SECRET, or a random secret made once and kept in the data directory."""
    if configured:
        return configured.encode()
    path = data_dir / "console-secret"
    if path.exists():
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48).encode()
    temporary = path.with_suffix(".tmp")
    temporary.touch(mode=0o600)
    temporary.write_bytes(secret)
    temporary.replace(path)
    return secret


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same_token(sent: str | None, expected: str) -> bool:
    return bool(sent) and hmac.compare_digest(str(sent), expected)
