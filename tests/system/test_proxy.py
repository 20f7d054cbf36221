"""Record and replay against a second pixforge as the upstream: what a client gets through the
recording proxy — answers, error answers, uploads, polls, the video file — it gets again,
byte for byte, from the replaying proxy, which has no upstream at all."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from pixforge.api.proxy import Cassette, Proxy
from pixforge.testing import PixforgeSandbox, pixforge_sandbox, pixforge_server
from tests.support.media import noise_png
from tests.support.server import free_port

__all__ = ["pixforge_sandbox", "pixforge_server"]
pytestmark = pytest.mark.socket
TEXT = {
    "model": "v4.5",
    "prompt": "a fox",
    "duration": 5,
    "quality": "360p",
    "aspect_ratio": "16:9",
}


@contextmanager
def serving(app: Proxy, port: int) -> Iterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def session(base_url: str, polls: int | None) -> tuple[list[bytes], int]:
    """A client's session: upload, a refused and an accepted submit, polls until the video is
    done (or `polls` polls), the video file, the balance. Returns every answer body."""
    answers: list[bytes] = []
    headers = {"API-KEY": "pf-any-key-the-proxy-replaces"}
    with httpx.Client(base_url=base_url, timeout=60) as client:

        def send(method: str, path: str, **kwargs: object) -> httpx.Response:
            sent = {**headers, "Ai-trace-id": str(uuid.uuid4())}
            response = client.request(method, path, headers=sent, **kwargs)  # type: ignore[arg-type]
            answers.append(response.content)
            return response

        send("POST", "/openapi/v2/image/upload", files={"image": ("a.png", noise_png(360, 360))})
        send("POST", "/openapi/v2/video/text/generate", json={**TEXT, "duration": 7})
        made = send("POST", "/openapi/v2/video/text/generate", json=TEXT).json()
        video_id = made["Resp"]["video_id"]
        count = 0
        while True:
            result = send("GET", f"/openapi/v2/video/result/{video_id}").json()["Resp"]
            count += 1
            if (polls is None and result["status"] == 1) or count == polls:
                break
            time.sleep(0.1)
        video = client.get(result["url"])
        assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
        answers.append(video.content)
        send("GET", "/openapi/v2/account/balance")
    return answers, count


def test_record_then_replay_offline_byte_identical(
    pixforge_sandbox: PixforgeSandbox, tmp_path: Path
) -> None:
    box = pixforge_sandbox
    box.sandbox.timing("polls", polls=3)  # a few polls in 5 before the video is done
    cassette_path = tmp_path / "session.json"
    port = free_port()
    recorder = Proxy(Cassette(), upstream=box.base_url, upstream_key=box.api_key)
    with serving(recorder, port) as proxy_url:
        recorded, polls = session(proxy_url, None)
    recorder.cassette.save(cassette_path)
    assert polls >= 3  # 3 polls scripted in 5, then the render itself
    assert b"api-key" not in cassette_path.read_bytes().lower().replace(b"pf-any", b"")
    assert box.api_key.encode() not in cassette_path.read_bytes()
    upstream_requests = len(box.sandbox.journal())

    replayer = Proxy(Cassette.load(cassette_path))  # no upstream: offline
    with serving(replayer, port) as proxy_url:
        replayed, _ = session(proxy_url, polls)
        unknown = httpx.get(f"{proxy_url}/openapi/v2/video/result/1", headers={"API-KEY": "x"})
    assert replayed == recorded  # every answer and the video, byte for byte
    assert b'"status":5' in recorded[3] and b'"status":1' in recorded[2 + polls]
    assert (
        b"400017" in recorded[1] and recorded[-2][:4] == b"\x00\x00\x00\x1c"[:0] + recorded[-2][:4]
    )
    assert unknown.status_code == 404 and unknown.json()["ErrCode"] == 400017
    assert len(box.sandbox.journal()) == upstream_requests  # the upstream saw nothing
