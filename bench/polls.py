"""Status polls: GET /openapi/v2/video/result/{id} under load, against a bare Starlette JSON
route served the same way, in the same run (so the ratio holds on a busy machine too).

Each server runs as its own uvicorn process; wrk (apt-get install wrk) drives 32 connections
with a fresh Ai-trace-id per request. The key's rate limit is raised for the run, so no answer
is a rate-limit refusal (checked). On SQLite, and on PostgreSQL when PIXFORGE_BENCH_PG_URL (or
the local server at 127.0.0.1:5432) is reachable. Two workloads: every connection polls one
finished video ("one video", the issue's measure), and each request polls one of 64 videos of
16 accounts at random ("64 videos"), as many clients do.

Goal (issue 10): pixforge >= 0.5x the bare route's requests/s, p99 < 50 ms.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.server import free_port  # noqa: E402

CONNECTIONS, THREADS, SECONDS = 32, 2, 10
KEY = "pf-bench-polls-key-0123456789"
ADMIN_TOKEN = "bench-polls-admin-token"
ACCOUNTS, VIDEOS_EACH = 16, 4
GOAL_RATIO, GOAL_P99_MS = 0.5, 50.0
PIXFORGE = [sys.executable, "-m", "pixforge"]
PG_ADMIN_URL = os.environ.get("PIXFORGE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")

BARE_APP = textwrap.dedent(
    """
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    BODY = {"ErrCode": 0, "ErrMsg": "success", "Resp": {
        "id": 4503599627370497, "status": 1, "url": "http://127.0.0.1/files/t/x.mp4",
        "prompt": "a red fox", "negative_prompt": "", "seed": 1, "style": "",
        "resolution_ratio": 360, "outputWidth": 640, "outputHeight": 360, "size": 1000,
        "create_time": "2026-11-30T00:00:00Z", "modify_time": "2026-11-30T00:00:00Z",
        "has_audio": False, "progress": 100}}

    async def result(request):
        return JSONResponse(BODY)

    app = Starlette(routes=[Route("/openapi/v2/video/result/{video_id}", result)])
    """
)

# A fresh UUID-shaped trace id per request, as PixVerse clients send; with (API key, path)
# pairs, each request polls one of them at random (else wrk's URL and headers).
WRK_SCRIPT = textwrap.dedent(
    """
    math.randomseed(os.time())
    local polls = {PAIRS}
    local function hex(n)
      local s = ""
      for _ = 1, n do s = s .. string.format("%x", math.random(0, 15)) end
      return s
    end
    request = function()
      wrk.headers["Ai-trace-id"] = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3)
        .. "-" .. hex(12)
      if #polls == 0 then
        return wrk.format(nil)
      end
      local poll = polls[math.random(#polls)]
      wrk.headers["API-KEY"] = poll[1]
      return wrk.format("GET", poll[2])
    end
    """
)


def wrk_script(path: Path, pairs: list[tuple[str, str]]) -> Path:
    listed = ", ".join(f'{{"{key}", "{url_path}"}}' for key, url_path in pairs)
    path.write_text(WRK_SCRIPT.replace("{PAIRS}", "{" + listed + "}"))
    return path


Result = tuple[float, float]  # requests/s, p99 ms


def wait_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def process(args: list[str], env: dict[str, str], health: str) -> Iterator[None]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(health)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def wrk(url: str, headers: dict[str, str], script: Path) -> tuple[float, float, int]:
    """(requests/s, p99 ms, non-2xx count)."""
    args = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-s"]
    args += [str(script)]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99_text = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99_text is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99_text.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, float(p99_text.group(1)) * scale, int(errors.group(1)) if errors else 0


def bare_route(folder: Path, script: Path) -> tuple[float, float]:
    app = folder / "bare_app.py"
    app.write_text(BARE_APP)
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "bare_app:app", "--port", str(port)]
    args += ["--log-level", "warning", "--no-access-log", "--app-dir", str(folder)]
    url = f"http://127.0.0.1:{port}/openapi/v2/video/result/1"
    with process(args, dict(os.environ), url):
        rate, p99, _ = wrk(url, {}, script)
    return rate, p99


def pixforge_polls(folder: Path, script: Path, database_url: str | None) -> dict[str, Result]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIXFORGE_")},
        "PIXFORGE_DATA_DIR": str(folder / "data"),
        "PIXFORGE_DEV_API_KEY": KEY,
        "PIXFORGE_WORKERS": "1",
        "PIXFORGE_PREVIEW_DRAFT": "true",
        "PIXFORGE_LOG_JSON": "true",
        "PIXFORGE_RATE_LIMIT_PER_S": "1000000",
        "PIXFORGE_RATE_LIMIT_BURST": "1000000",
        "PIXFORGE_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    if database_url:
        env["PIXFORGE_DATABASE_URL"] = database_url
    args = [sys.executable, "-m", "pixforge", "serve", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with process(args, env, f"{base}/healthz"), httpx.Client(base_url=base, timeout=30) as http:
        # Ordinary accounts: the development account is a sandbox one, whose polls also move
        # scripted generations on (docs/sandbox.md) — not what this measures.
        polls = [
            (key, f"/openapi/v2/video/result/{video_id}")
            for key in (_account(http) for _ in range(ACCOUNTS))
            for video_id in _finished_videos(http, key, VIDEOS_EACH)
        ]
        key, path = polls[0]
        one = wrk(f"{base}{path}", {"API-KEY": key}, script)
        many = wrk(f"{base}{path}", {}, wrk_script(folder / "many.lua", polls))
        check = http.get(path, headers=_headers(key)).json()
        assert check["ErrCode"] == 0, check
        for name, (_, _, errors) in {"one video": one, "64 videos": many}.items():
            assert errors == 0, f"{name}: {errors} answers were not 2xx"
    return {"one video": one[:2], "64 videos": many[:2]}


def _headers(key: str) -> dict[str, str]:
    return {"API-KEY": key, "Ai-trace-id": str(uuid.uuid4())}


def _account(http: httpx.Client) -> str:
    made = http.post(
        "/pixforge/admin/accounts",
        json={"name": "bench", "credit_monthly": 100_000, "sandbox": False},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    ).json()
    assert made["ErrCode"] == 0, made
    return str(made["Resp"]["api_key"])


def _finished_videos(http: httpx.Client, key: str, count: int) -> list[int]:
    body = {"model": "v4.5", "prompt": "a red fox", "duration": 5, "quality": "360p",
            "aspect_ratio": "16:9"}  # fmt: skip
    ids = []
    for n in range(count):
        answer = http.post(
            "/openapi/v2/video/text/generate",
            json={**body, "prompt": f"a red fox #{n}"},
            headers=_headers(key),
        ).json()
        assert answer["ErrCode"] == 0, answer
        ids.append(int(answer["Resp"]["video_id"]))
    deadline = time.monotonic() + 120
    for video_id in ids:
        while time.monotonic() < deadline:
            poll = http.get(f"/openapi/v2/video/result/{video_id}", headers=_headers(key)).json()
            if poll["Resp"]["status"] != 5:
                break
            time.sleep(0.2)
    return ids


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A fresh database on the local PostgreSQL server, or None when there is none."""
    try:
        import psycopg
    except ImportError:
        yield None
        return
    name = f"pixforge_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        yield None
        return
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = PG_ADMIN_URL.rsplit("/", 1)[0]
            yield f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def main() -> None:
    if shutil.which("wrk") is None:
        print("polls: skipped (wrk is not installed: apt-get install wrk)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        script = wrk_script(folder / "trace.lua", [])
        # The bare route before and after (its mean is the baseline), so a machine whose load
        # changes during the run moves both sides.
        bare_before = bare_route(folder, script)
        results = {"sqlite": pixforge_polls(folder / "sqlite", script, None)}
        with postgres_database() as pg_url:
            if pg_url:
                results["postgresql"] = pixforge_polls(folder / "pg", script, pg_url)
        bare_after = bare_route(folder, script)
    bare_rate = (bare_before[0] + bare_after[0]) / 2
    bare_p99 = max(bare_before[1], bare_after[1])
    print(f"status polls ({CONNECTIONS} connections, {SECONDS} s each, wrk)")
    print(
        f"  bare Starlette route          {bare_rate:8.0f} req/s  p99 {bare_p99:6.1f} ms  "
        f"(baseline: {bare_before[0]:.0f} before, {bare_after[0]:.0f} after)"
    )
    verdicts = []
    for database, workloads in results.items():
        for workload, (rate, p99) in workloads.items():
            ratio = rate / bare_rate
            met = ratio >= GOAL_RATIO and p99 < GOAL_P99_MS
            verdicts.append(met)
            print(
                f"  {database:<10} {workload:<10}      {rate:8.0f} req/s  p99 {p99:6.1f} ms  "
                f"ratio {ratio:4.2f}x  {'meets' if met else 'misses'} the goal"
            )
    print(f"  goal: >= {GOAL_RATIO}x the bare route and p99 < {GOAL_P99_MS:g} ms")
    print(json.dumps({"bare": [bare_rate, bare_p99], **results}))


if __name__ == "__main__":
    main()
