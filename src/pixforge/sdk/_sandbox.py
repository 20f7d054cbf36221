"""The sandbox admin client: script a pixforge sandbox account's outcomes, set its timing,
advance its virtual clock and read its request journal (docs/sandbox.md). It speaks to
/pixforge/admin with the server's admin token, never an account key."""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from pixforge.sdk._exceptions import PixverseError, error_class


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class SandboxAccount(_Model):
    """An account made through the admin API, with its one API key."""

    account_id: int
    key_id: int
    api_key: str
    sandbox: bool


class ScenarioStep(_Model):
    """A queued scripted outcome: `directive` in the token grammar, for `remaining` requests
    (None: every one) at `stage` (submit, upload, poll), of `mode` only when set."""

    id: int
    stage: str
    mode: str | None
    directive: str
    remaining: int | None


class JournalEntry(_Model):
    """One request of the account and its answer (headers without secrets, bounded bodies)."""

    id: int
    at: float
    method: str
    path: str
    query: str
    status: int
    err_code: int
    trace_id: str
    duration_ms: float
    request: dict[str, Any]
    response: dict[str, Any]


class Sandbox:
    """One sandbox account's controls."""

    def __init__(self, admin: SandboxAdmin, account_id: int) -> None:
        self.admin = admin
        self.account_id = account_id
        self._base = f"/pixforge/admin/sandbox/{account_id}"

    def push(
        self, directive: str, *, mode: str | None = None, times: int | None = 1
    ) -> ScenarioStep:
        """Queue an outcome: ``push("err-500044", mode="text", times=3)`` makes the next three
        text-to-video submits answer 500044; ``push("fail-8 after=2polls", times=None)`` makes
        every generation fail after two polls until `clear()`."""
        body = {"directive": directive, "mode": mode, "times": times}
        return ScenarioStep.model_validate(self.admin.call("POST", f"{self._base}/scenarios", body))

    def scenarios(self) -> list[ScenarioStep]:
        steps = self.admin.call("GET", f"{self._base}/scenarios")["steps"]
        return [ScenarioStep.model_validate(step) for step in steps]

    def clear(self) -> int:
        """Drop every queued step; returns how many there were."""
        return int(self.admin.call("DELETE", f"{self._base}/scenarios")["removed"])

    def timing(self, mode: str, *, seconds: float = 0.0, polls: int = 0, seed: int = 0) -> None:
        """instant, fixed (`seconds`), seeded (a reproducible draw per model and quality), or
        polls (done after `polls` polls)."""
        body = {"mode": mode, "seconds": seconds, "polls": polls, "seed": seed}
        self.admin.call("PUT", f"{self._base}/timing", body)

    def advance(self, seconds: float) -> float:
        """Move the virtual clock on; outcomes now due have happened when this returns."""
        resp = self.admin.call("POST", f"{self._base}/clock", {"advance_s": seconds})
        return float(resp["clock_offset_s"])

    def state(self) -> dict[str, Any]:
        return dict(self.admin.call("GET", self._base))

    def journal(
        self,
        *,
        trace_id: str | None = None,
        path: str | None = None,
        err_code: int | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 200,
    ) -> list[JournalEntry]:
        params = _params(trace_id=trace_id, path=path, err_code=err_code, since=since, until=until)
        params["limit"] = str(limit)
        entries = self.admin.call("GET", f"{self._base}/journal", params=params)["entries"]
        return [JournalEntry.model_validate(entry) for entry in entries]

    def har(self, **filters: str | int | float | None) -> dict[str, Any]:
        """The journal as a HAR 1.2 document."""
        response = self.admin.http.get(f"{self._base}/journal.har", params=_params(**filters))
        response.raise_for_status()
        return dict(response.json())

    def reset(self) -> None:
        """Back to a fresh account: generations, uploads, scenario, timing, clock and journal
        gone; credits back to what was granted."""
        self.admin.call("POST", f"{self._base}/reset")

    def clear_journal(self) -> None:
        self.admin.call("DELETE", f"{self._base}/journal")


class SandboxAdmin:
    """The admin API of a pixforge server (``Authorization: Bearer <PIXFORGE_ADMIN_TOKEN>``)."""

    def __init__(
        self,
        base_url: str,
        admin_token: str,
        *,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout_s,
            transport=transport,
            headers={"Authorization": f"Bearer {admin_token}"},
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SandboxAdmin:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def call(
        self, method: str, path: str, body: Any = None, params: dict[str, str] | None = None
    ) -> Any:
        response = self.http.request(method, path, json=body, params=params)
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or "ErrCode" not in envelope:
            raise PixverseError(f"{method} {path}: HTTP {response.status_code} without an envelope")
        code = int(envelope["ErrCode"])
        if code:
            raise error_class(code)(str(envelope.get("ErrMsg", "")), code, "")
        return envelope["Resp"]

    def create_account(
        self, *, credit_monthly: int = 100_000, name: str = "sandbox", sandbox: bool = True
    ) -> SandboxAccount:
        body = {"name": name, "credit_monthly": credit_monthly, "sandbox": sandbox}
        return SandboxAccount.model_validate(self.call("POST", "/pixforge/admin/accounts", body))

    def snapshot(self) -> bytes:
        """All of the server's state (tables and stored files) as a tar.gz."""
        response = self.http.get("/pixforge/admin/snapshot")
        if response.status_code != 200:
            self.call("GET", "/pixforge/admin/snapshot")  # raises the envelope's error
        return response.content

    def restore(self, snapshot: bytes) -> None:
        """Replace all of the server's state with a snapshot."""
        response = self.http.post("/pixforge/admin/restore", content=snapshot)
        if response.json().get("ErrCode"):
            self.call("POST", "/pixforge/admin/restore")

    def sandbox(self, account_id: int) -> Sandbox:
        return Sandbox(self, account_id)


def _params(**values: str | int | float | None) -> dict[str, str]:
    return {name: str(value) for name, value in values.items() if value is not None}
