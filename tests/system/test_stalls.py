"""One key cannot stall everyone: slow requests (uploads from a URL that never answers, mask
selections) are bounded per account and in all, the excess is refused at once (500069 with
Retry-After), and other clients' polls and balance calls stay fast meanwhile."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.cases.generate import VALID_TEXT
from tests.support.server import Api, make_settings, running_server

pytestmark = pytest.mark.system


@pytest.fixture
def tarpit() -> Iterator[str]:
    """An HTTP origin that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/image.png"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def slowest_answer_s(api: Api, paths: list[str], seconds: float) -> float:
    """Call `paths` in turn for `seconds`; the slowest answer's time (each must succeed)."""
    worst = 0.0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in paths:
            started = time.monotonic()
            answer = api.get(path)
            worst = max(worst, time.monotonic() - started)
            assert answer["ErrCode"] == 0, answer
    return worst


def test_uploads_from_a_silent_host_do_not_stall_other_clients(tmp_path: Path, tarpit: str) -> None:
    settings = make_settings(
        tmp_path / "d",
        fetch_allow_networks=["127.0.0.0/8"],
        fetch_timeout_s=8.0,
        slow_requests_per_account=4,
        slow_requests_total=16,
    )
    with running_server(settings, socket=True) as server:
        stuck = server.api(server.create_account())
        other = server.api(server.create_account())
        video_id = other.post("/openapi/v2/video/text/generate", VALID_TEXT)["Resp"]["video_id"]
        retry_afters: list[str | None] = []

        def upload(_: int) -> int:
            response = stuck.http.post(
                "/openapi/v2/image/upload", data={"image_url": tarpit}, headers=stuck.headers()
            )
            code = int(response.json()["ErrCode"])
            if code == 500069:
                retry_afters.append(response.headers.get("retry-after"))
            return code

        with ThreadPoolExecutor(max_workers=45) as pool:
            uploads = pool.map(upload, range(45))
            time.sleep(1.0)  # the uploads are in flight
            worst_s = slowest_answer_s(
                other,
                ["/openapi/v2/account/balance", f"/openapi/v2/video/result/{video_id}"],
                seconds=4.0,
            )
            codes = Counter(uploads)
        assert worst_s < 0.5, f"a poll or balance call waited {worst_s:.2f} s"
        # Four ran into the fetch timeout (500041); the other 41 were refused at once.
        assert codes == {500041: 4, 500069: 41}, codes
        assert len(retry_afters) == 41 and all(value == "2" for value in retry_afters)
        stuck.close()
        other.close()


def test_the_bound_in_all_holds_across_accounts(tmp_path: Path, tarpit: str) -> None:
    settings = make_settings(
        tmp_path / "d",
        fetch_allow_networks=["127.0.0.0/8"],
        fetch_timeout_s=4.0,
        slow_requests_per_account=4,
        slow_requests_total=6,
    )
    with running_server(settings, socket=True) as server:
        apis = [server.api(server.create_account()) for _ in range(3)]

        def upload(index: int) -> int:
            api = apis[index % 3]
            response = api.http.post(
                "/openapi/v2/image/upload", data={"image_url": tarpit}, headers=api.headers()
            )
            return int(response.json()["ErrCode"])

        with ThreadPoolExecutor(max_workers=12) as pool:
            codes = Counter(pool.map(upload, range(12)))
        assert codes == {500041: 6, 500069: 6}, codes
        for api in apis:
            api.close()
