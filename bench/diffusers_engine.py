"""Diffusers engine on a tiny Wan model (CPU): server overhead and warm vs cold latency.

overhead: HTTP submit -> status 1 through pixforge, versus calling the same pipeline directly in
this process and encoding its frames with the same encoder (the baseline, same run).
cold/warm: a fresh engine's first render (includes from_pretrained) versus its next one.
"""

from __future__ import annotations

import json
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
from pixforge.engines.diffusers.engine import DiffusersEngine, DiffusersOptions  # noqa: E402
from pixforge.engines.diffusers.tiny import make_tiny  # noqa: E402
from pixforge.store import generations as generation_repo  # noqa: E402

RUNS = 5
BODY = {
    "model": "v5",
    "prompt": "a red fox in the snow",
    "duration": 5,
    "quality": "360p",
    "aspect_ratio": "16:9",
    "seed": 3,
}


def job() -> RenderJob:
    spec = spec_from_flat(
        dict(
            mode=Mode.TEXT,
            model="v5",
            prompt=str(BODY["prompt"]),
            quality="360p",
            duration_s=5,
            aspect_ratio="16:9",
            seed=3,
        )
    )
    return RenderJob(1, spec, 3, OutputFormat(640, 360, 24, 120))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        registry = make_tiny(folder / "models")
        entries = json.loads(registry.read_text())
        for entry in entries:  # a heavier tiny render, so timing noise matters less
            entry.update(steps=4, render_scale=0.4, max_frames=33)
        registry.write_text(json.dumps(entries))
        options = DiffusersOptions(registry_file=registry)

        cold_engine = DiffusersEngine(EngineConfig(), options)
        started = time.perf_counter()
        cold_engine.render(job(), folder / "cold.mp4", lambda _: None)
        cold_s = time.perf_counter() - started
        warm_s = statistics.median(
            _timed(lambda: cold_engine.render(job(), folder / "warm.mp4", lambda _: None))
            for _ in range(RUNS)
        )

        settings = make_settings(
            folder / "data",
            engine="diffusers",
            diffusers_models_file=registry,
            workers=1,
            worker_poll_s=0.02,
        )
        with running_server(settings) as server:
            api = server.api(server.create_account(monthly=10_000_000, concurrency=100))

            def served() -> float:
                """Seconds from sending the request to the row's finish time (server clock).

                Polling is slow on purpose (as real clients poll every few seconds) and not
                counted: the figure is the server's own latency, not the poll interval.
                """
                sent = time.time()
                answer = api.post("/openapi/v2/video/text/generate", BODY)
                video_id = answer["Resp"]["video_id"]
                while api.get(f"/openapi/v2/video/result/{video_id}")["Resp"]["status"] == 5:
                    time.sleep(0.5)
                with server.state.db.read() as conn:
                    row = generation_repo.get_generation(conn, video_id)
                assert row is not None and row.finished_at is not None
                return row.finished_at - sent

            served()  # warm the server's own engine
            served_s = statistics.median(served() for _ in range(RUNS))
            api.close()
    print(f"diffusers engine, tiny Wan, 360p 5 s (median of {RUNS})")
    print(f"  direct pipeline + encode (warm)  {warm_s * 1000:8.0f} ms  (baseline)")
    print(f"  HTTP submit -> status 1          {served_s * 1000:8.0f} ms")
    print(f"  server overhead ratio            {served_s / warm_s:8.2f}x  (target <= 1.10x)")
    print(f"  cold (load + render) / warm      {cold_s / warm_s:8.2f}x  ({cold_s * 1000:.0f} ms)")


def _timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
