"""Benchmarks: each figure is a ratio against a baseline measured in the same run.

server_overhead: a generation submitted over HTTP and polled to status 1, versus the same render
called directly on the engine in this process.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.server import make_settings, running_server  # noqa: E402

from pixforge.domain.spec import Mode, OutputFormat, RenderJob, spec_from_flat  # noqa: E402
from pixforge.engines.base import EngineConfig  # noqa: E402
from pixforge.engines.preview.engine import PreviewEngine  # noqa: E402

RUNS = 5
BODY = {
    "model": "v4.5",
    "prompt": "a red fox running through snow",
    "duration": 5,
    "quality": "360p",
    "aspect_ratio": "16:9",
    "seed": 7,
}


def direct_render_s(out_dir: Path) -> float:
    engine = PreviewEngine(EngineConfig())
    spec = spec_from_flat(
        dict(
            mode=Mode.TEXT,
            model="v4.5",
            prompt=BODY["prompt"],
            quality="360p",
            duration_s=5,
            aspect_ratio="16:9",
            seed=7,
        )
    )
    job = RenderJob(1, spec, 7, OutputFormat(640, 360, 24, 120))
    started = time.perf_counter()
    engine.render(job, out_dir / "direct.mp4", lambda _: None)
    return time.perf_counter() - started


def served_s(api: object) -> float:
    started = time.perf_counter()
    answer = api.post("/openapi/v2/video/text/generate", BODY)  # type: ignore[attr-defined]
    api.wait(answer["Resp"]["video_id"])  # type: ignore[attr-defined]
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        settings = make_settings(tmp_dir / "data", workers=1, worker_poll_s=0.05)
        with running_server(settings) as server:
            api = server.api(server.create_account(monthly=10_000_000, concurrency=100))
            served_s(api)  # warm-up
            direct_render_s(tmp_dir)
            served = [served_s(api) for _ in range(RUNS)]
            direct = [direct_render_s(tmp_dir) for _ in range(RUNS)]
            api.close()
    served_med, direct_med = statistics.median(served), statistics.median(direct)
    print(f"server_overhead (360p 5 s text-to-video, median of {RUNS})")
    print(f"  direct engine render   {direct_med * 1000:8.1f} ms  (baseline)")
    print(f"  HTTP submit -> status 1 {served_med * 1000:8.1f} ms")
    print(f"  ratio                  {served_med / direct_med:8.2f}x")


if __name__ == "__main__":
    main()
