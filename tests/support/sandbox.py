"""Helpers for sandbox tests: the admin API call, submits with tokens, polls, balances."""

from __future__ import annotations

import time
from typing import Any

from tests.cases.generate import VALID_TEXT
from tests.support.server import Api, RunningServer

TEXT = "/openapi/v2/video/text/generate"
ADMIN_TOKEN = "admin-secret-token-for-tests"
COST = 45  # v4.5, 360p, 5 s


def admin(server: RunningServer, method: str, path: str, body: Any = None) -> dict[str, Any]:
    assert server.http is not None
    response = server.http.request(
        method,
        f"/pixforge/admin{path}",
        json=body,
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    body = dict(response.json())
    assert body.get("ErrCode", 0) == 0, body
    return body


def submit(api: Api, prompt: str, **extra: Any) -> dict[str, Any]:
    return api.post(TEXT, {**VALID_TEXT, "prompt": prompt, **extra})


def video_of(api: Api, prompt: str) -> int:
    answer = submit(api, prompt)
    assert answer["ErrCode"] == 0, answer
    return int(answer["Resp"]["video_id"])


def poll(api: Api, video_id: int) -> dict[str, Any]:
    return api.get(f"/openapi/v2/video/result/{video_id}")


def until_ended(api: Api, video_id: int, timeout_s: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = poll(api, video_id)
        if body["ErrCode"] == 0 and body["Resp"]["status"] != 5:
            return dict(body["Resp"])
        time.sleep(0.05)
    raise TimeoutError(f"{video_id} still in 5")


def total(api: Api) -> int:
    monthly, package = api.balance()
    return monthly + package
