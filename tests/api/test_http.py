"""The envelope everywhere (unknown paths, wrong methods, big bodies); files, health, metrics."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.cases.generate import VALID_TEXT
from tests.support.server import Api, RunningServer, make_settings, running_server


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nope", 404),
        ("POST", "/openapi/v2/video/unknown/generate", 404),
        ("GET", "/openapi/v3/account/balance", 404),
        ("GET", "/openapi/v2/video/text/generate", 405),
        ("DELETE", "/openapi/v2/account/balance", 405),
        ("GET", "/files/not-a-token/x.mp4", 404),
    ],
)
def test_unknown_routes_answer_in_the_envelope(
    api: Api, method: str, path: str, status: int
) -> None:
    response = api.http.request(method, path, headers=api.headers())
    assert response.status_code == status
    body = response.json()
    assert body["ErrCode"] == 400017 and body["Resp"] is None and body["ErrMsg"]


@pytest.mark.parametrize("video_id", ["abc", "-5", "1.5", "99999999999999999999999"])
def test_bad_video_id(api: Api, video_id: str) -> None:
    body = api.get(f"/openapi/v2/video/result/{video_id}")
    assert body["ErrCode"] == 400013 and "video_id" in body["ErrMsg"]


def test_unknown_video_id(api: Api) -> None:
    body = api.get("/openapi/v2/video/result/4503599627370497")
    assert body["ErrCode"] == 400017 and "video_id" in body["ErrMsg"]


def test_oversized_body_is_refused_in_the_envelope(tmp_path: object) -> None:
    from pathlib import Path

    settings = make_settings(Path(str(tmp_path)) / "d", max_request_bytes=10_000)
    with running_server(settings) as server:
        api = server.api(server.create_account())
        big = {**VALID_TEXT, "prompt": "x" * 20_000}
        response = api.http.post("/openapi/v2/video/text/generate", json=big, headers=api.headers())
        assert response.status_code == 413
        assert response.json()["ErrCode"] == 400017
        assert "request body" in response.json()["ErrMsg"]

        def chunks() -> object:
            for _ in range(20):
                yield b"x" * 1000

        streamed = api.http.post(
            "/openapi/v2/image/upload",
            content=chunks(),  # type: ignore[arg-type]
            headers=api.headers(**{"Content-Type": "multipart/form-data; boundary=zz"}),
        )
        assert streamed.status_code == 413
        assert streamed.json()["ErrCode"] == 400017
        assert api.balance() == (100_000, 0)
        api.close()


def test_healthz_and_metrics(api: Api, server: RunningServer) -> None:
    health = api.http.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    answer = api.post("/openapi/v2/video/text/generate", VALID_TEXT)
    api.wait(answer["Resp"]["video_id"])
    api.get("/openapi/v2/video/result/4503599627370497")
    text = api.http.get("/metrics").text
    assert 'pixforge_http_requests_total{err_code="400017"' in text
    # The poll is answered ahead of FastAPI's router (HotRoutes) and still counted under its route.
    poll = 'route="/openapi/v2/video/result/{video_id}"'
    assert f'pixforge_http_requests_total{{err_code="0",method="GET",{poll}}}' in text
    assert f'pixforge_http_requests_total{{err_code="400017",method="GET",{poll}}}' in text
    assert 'pixforge_generations_finished_total{engine="preview",status="1"} 1.0' in text
    assert 'pixforge_queue_depth{phase="queued"} 0.0' in text
    assert 'pixforge_generations{status="1"} 1.0' in text
    assert "pixforge_render_duration_seconds_count" in text


def test_result_file_supports_ranges(api: Api) -> None:
    answer = api.post("/openapi/v2/video/text/generate", VALID_TEXT)
    result = api.wait(answer["Resp"]["video_id"])
    full = api.http.get(result["url"]).content
    part = api.http.get(result["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{len(full)}"
    assert part.content == full[100:200]
    head = api.http.head(result["url"])
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(full)
    token = result["url"].split("/files/")[1].split("/")[0]
    assert len(token) >= 40


def test_logs_carry_the_trace_id(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    import time

    from pixforge.logs import JsonFormatter

    trace_id = str(uuid.uuid4())
    formatter = JsonFormatter()
    with caplog.at_level("INFO", logger="pixforge"):
        api.get("/openapi/v2/account/balance", trace_id=trace_id)
        # The access line is written just after the response went out: give it a moment.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            lines = [formatter.format(r) for r in caplog.records if r.name == "pixforge.access"]
            entries = [json.loads(line) for line in lines]
            if any(e["trace_id"] == trace_id and e["status"] == 200 for e in entries):
                return
            time.sleep(0.05)
    pytest.fail(f"no access log line with trace id {trace_id}")


def test_an_unexpected_error_answers_500100_in_the_envelope_and_is_logged(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The last resort: a route that raises something unforeseen (here one added for the test)."""
    assert server.http is not None

    def broken() -> None:
        raise RuntimeError("a bug in a route")

    app = server.http.app
    app.add_api_route("/pixforge/v1/broken", broken)  # type: ignore[attr-defined]
    with caplog.at_level("ERROR", logger="pixforge"):
        response = server.http.get("/pixforge/v1/broken")
    assert response.status_code == 500
    assert response.json() == {
        "ErrCode": 500100,
        "ErrMsg": "internal error; it has been logged",
        "Resp": None,
    }
    logged = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert logged and logged[0].exc_info and "a bug in a route" in str(logged[0].exc_info[1])
    metrics = server.http.get("/metrics").text
    assert 'pixforge_http_requests_total{err_code="500100",method="GET"' in metrics
