"""Benchmarks: scale-out throughput and dispatch latency, ratios measured in one run.

throughput: N preview renders (360p, 5 s, real pictures) submitted at once to `pixforge serve`
on PostgreSQL, timed from the first submit to the last finish, with 1 and then 2 render
processes: embedded (worker threads in the server) and Celery (a `pixforge worker` node with
--concurrency 1 or 2, on a private redis-server). Ratios: 2 vs 1 processes, Celery vs embedded.

submit -> running: Celery, the worker idle, one generation at a time: the time from the row's
creation (the submit transaction) to its claim (`started_at`), p50 and p99.

Needs PostgreSQL on 127.0.0.1:5432 (trust) and redis-server on PATH, as the system tests do.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cases.generate import TEXT, VALID_TEXT  # noqa: E402
from tests.support.scaleout import (  # noqa: E402
    cluster,
    pg_database,
    pg_query,
    redis_server,
    wait_all,
)

JOBS = 16
LATENCY_RUNS = 40
BODY = {**VALID_TEXT, "quality": "360p", "duration": 5}


def throughput(folder: Path, broker_url: str, *, celery: bool, processes: int) -> float:
    """Generations per minute."""
    with pg_database() as database_url:
        env = {"PIXFORGE_PREVIEW_DRAFT": "false", "PIXFORGE_LEASE_S": "30"}
        with cluster(folder, database_url, broker_url, **env) as running:
            if not celery:
                running.env["PIXFORGE_DISPATCHER"] = "embedded"
                running.env["PIXFORGE_WORKERS"] = str(processes)
                running.env["PIXFORGE_WORKER_POLL_S"] = "0.2"
            key = running.create_account(10_000_000)
            running.start_api()
            if celery:
                running.start_worker("bench", concurrency=processes)
            api = running.api(key)
            warm = api.post(TEXT, BODY)["Resp"]["video_id"]  # workers up and warm
            wait_all(api, [warm], timeout_s=120)
            started = time.perf_counter()
            ids = [api.post(TEXT, {**BODY, "seed": i})["Resp"]["video_id"] for i in range(JOBS)]
            wait_all(api, ids, timeout_s=900)
            elapsed = time.perf_counter() - started
    return JOBS / elapsed * 60


def submit_to_running(folder: Path, broker_url: str) -> list[float]:
    """Seconds from submit to claim, one generation at a time on an idle Celery worker."""
    with pg_database() as database_url:
        env = {"PIXFORGE_PREVIEW_DRAFT": "true"}
        with cluster(folder, database_url, broker_url, **env) as running:
            key = running.create_account(10_000_000)
            running.start_api()
            running.start_worker("bench", concurrency=1)
            api = running.api(key)
            wait_all(api, [api.post(TEXT, BODY)["Resp"]["video_id"]], timeout_s=120)
            ids = []
            for index in range(LATENCY_RUNS):
                video_id = api.post(TEXT, {**BODY, "seed": index})["Resp"]["video_id"]
                wait_all(api, [video_id], timeout_s=120)
                ids.append(video_id)
            rows = pg_query(
                database_url,
                "SELECT started_at - created_at FROM generations WHERE id = ANY(%s)",
                ids,
            )
    return sorted(float(r[0]) for r in rows)


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with redis_server(folder / "redis") as broker:
            rates = {
                (kind, n): throughput(
                    folder / f"{kind}-{n}", broker.url, celery=kind == "celery", processes=n
                )
                for kind in ("embedded", "celery")
                for n in (1, 2)
            }
            latency = submit_to_running(folder / "latency", broker.url)
    print(f"scaleout throughput ({JOBS} x 360p 5 s text-to-video, real pictures, PostgreSQL)")
    for kind in ("embedded", "celery"):
        one, two = rates[(kind, 1)], rates[(kind, 2)]
        print(
            f"  {kind:<9} 1 process {one:6.1f}/min   2 processes {two:6.1f}/min   "
            f"ratio {two / one:5.2f}x"
        )
    for n in (1, 2):
        ratio = rates[("celery", n)] / rates[("embedded", n)]
        print(f"  celery vs embedded, {n} process(es): {ratio:5.2f}x")
    print(f"submit -> running (Celery on Redis, idle worker, {LATENCY_RUNS} sequential)")
    print(
        f"  p50 {percentile(latency, 50) * 1000:7.1f} ms   p99 "
        f"{percentile(latency, 99) * 1000:7.1f} ms   max {latency[-1] * 1000:7.1f} ms"
    )


if __name__ == "__main__":
    main()
