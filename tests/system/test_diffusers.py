"""The diffusers engine end to end on tiny random-weight Wan pipelines (built offline, loaded back
through from_pretrained(local_dir)): every mode, seeds, warm cache, out-of-memory, fallback."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pixforge.engines.diffusers.tiny import make_tiny
from pixforge.media.probe import probe
from tests.cases.generate import VALID_TEXT
from tests.support.media import image_bytes
from tests.support.server import Api, RunningServer, make_settings, running_server

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-models")
    registry_file = make_tiny(folder)
    entries = json.loads(registry_file.read_text())
    # An entry whose render size cannot fit in memory: a real allocation failure, on demand.
    entries.append(
        {
            "name": "v4",
            "path": "wan-t2v",
            "family": "wan",
            "modes": ["text"],
            "steps": 2,
            "guidance": 1.0,
            "render_scale": 32.0,
        }
    )
    registry_file.write_text(json.dumps(entries))
    return registry_file


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, registry: Path) -> Iterator[RunningServer]:
    settings = make_settings(
        tmp_path_factory.mktemp("diffusers") / "data",
        engine="diffusers",
        diffusers_models_file=registry,
        workers=1,
    )
    with running_server(settings) as running:
        yield running


@pytest.fixture
def api(server: RunningServer) -> Iterator[Api]:
    client = server.api(server.create_account(monthly=100_000, concurrency=20))
    yield client
    client.close()


def generate(api: Api, path: str, body: dict[str, object], tmp_path: Path) -> tuple[dict, Path]:
    answer = api.post(path, body)
    assert answer["ErrCode"] == 0, answer
    result = api.wait(answer["Resp"]["video_id"], timeout_s=180)
    assert result["status"] == 1, result
    target = tmp_path / f"{result['id']}.mp4"
    target.write_bytes(api.http.get(result["url"]).content)
    return result, target


@pytest.mark.parametrize("model", ["v5", "c1"], ids=["wan", "ltx"])
def test_every_mode_gives_the_requested_size_and_length(
    api: Api, tmp_path: Path, model: str
) -> None:
    first = api.image_id(image_bytes(320, 240))
    last = api.image_id(image_bytes(320, 240, colour=(20, 40, 200)))
    cases = [
        ("/openapi/v2/video/text/generate", {**VALID_TEXT, "model": "v5"}, (640, 360)),
        (
            "/openapi/v2/video/img/generate",
            {"model": "v5", "prompt": "a fox", "duration": 5, "quality": "360p", "img_id": first},
            (480, 360),
        ),
        (
            "/openapi/v2/video/transition/generate",
            {
                "model": "v5",
                "prompt": "a fox",
                "duration": 5,
                "quality": "360p",
                "first_frame_img": first,
                "last_frame_img": last,
            },
            (480, 360),
        ),
    ]
    for path, body, size in cases:
        result, video = generate(api, path, body, tmp_path)
        info = probe(video)
        assert info.video is not None
        assert (
            (info.video.width, info.video.height)
            == size
            == (result["outputWidth"], result["outputHeight"])
        )
        assert info.video.frame_count == 120 and info.duration_s == pytest.approx(5, abs=0.05)


def test_seeds_are_reproducible(api: Api, tmp_path: Path) -> None:
    body = {**VALID_TEXT, "model": "v5", "seed": 11}
    _, a = generate(api, "/openapi/v2/video/text/generate", body, tmp_path)
    _, b = generate(api, "/openapi/v2/video/text/generate", body, tmp_path)
    _, c = generate(api, "/openapi/v2/video/text/generate", {**body, "seed": 12}, tmp_path)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_warm_cache_loads_each_model_once(api: Api, tmp_path: Path) -> None:
    for seed in (1, 2, 3):
        generate(
            api,
            "/openapi/v2/video/text/generate",
            {**VALID_TEXT, "model": "v5.5", "seed": seed},
            tmp_path,
        )
    metrics = api.http.get("/metrics").text
    loads = re.search(r'pixforge_model_loads\{model="wan-t2v"\} (\d+)', metrics)
    assert loads and loads.group(1) == "1", metrics


def test_out_of_memory_ends_in_8_with_a_refund_and_the_worker_keeps_serving(
    api: Api, tmp_path: Path
) -> None:
    before = api.balance()
    body = {**VALID_TEXT, "model": "v4", "quality": "1080p", "duration": 5}
    answer = api.post("/openapi/v2/video/text/generate", body)
    assert answer["ErrCode"] == 0
    assert api.wait(answer["Resp"]["video_id"], timeout_s=120)["status"] == 8
    assert api.balance() == before
    generate(api, "/openapi/v2/video/text/generate", {**VALID_TEXT, "model": "v5"}, tmp_path)


def test_unmapped_models_fall_back_to_the_preview_engine(api: Api, tmp_path: Path) -> None:
    result, video = generate(
        api, "/openapi/v2/video/text/generate", {**VALID_TEXT, "model": "v3.5"}, tmp_path
    )
    assert probe(video).video is not None and result["status"] == 1


def test_unmapped_models_can_be_refused(tmp_path: Path, registry: Path) -> None:
    settings = make_settings(
        tmp_path / "d",
        engine="diffusers",
        diffusers_models_file=registry,
        diffusers_unmapped="reject",
        workers=0,
    )
    with running_server(settings) as refusing:
        api = refusing.api(refusing.create_account())
        before = api.balance()
        refused = api.post("/openapi/v2/video/text/generate", {**VALID_TEXT, "model": "v3.5"})
        assert refused["ErrCode"] == 400017 and "v3.5 is not served" in refused["ErrMsg"]
        assert api.balance() == before
        sound = api.post("/openapi/v2/video/sound_effect/generate", {"source_video_id": 1})
        assert sound["ErrCode"] == 400017 and "does not serve this feature" in sound["ErrMsg"]
        assert api.balance() == before
        served = api.post("/openapi/v2/video/text/generate", {**VALID_TEXT, "model": "v5"})
        assert served["ErrCode"] == 0
        api.close()
