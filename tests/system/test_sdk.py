"""The SDK against a real pixforge server: every method, every error family, idempotent retries."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pixforge import sdk
from pixforge.media.probe import probe
from tests.support.media import image_bytes, make_audio, make_scene_video, make_video
from tests.support.server import free_port
from tests.system.conftest import LiveServer

pytestmark = pytest.mark.system
PERSON = Path(__file__).resolve().parents[2] / "docs" / "examples" / "person.png"


@pytest.fixture
def client(live: LiveServer) -> Iterator[sdk.Client]:
    with sdk.Client(api_key=live.api_key, base_url=live.base_url, poll_interval_s=0.5) as c:
        yield c


def test_public_api_is_stable() -> None:
    assert sdk.__all__ == sorted(sdk.__all__, key=lambda n: (not n.isupper(), n))
    for name in sdk.__all__:
        assert getattr(sdk, name) is not None


def test_configuration_from_environment(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIXVERSE_API_KEY", live.api_key)
    monkeypatch.setenv("PIXVERSE_BASE_URL", live.base_url + "/")
    with sdk.Client() as c:
        assert c.base_url == live.base_url
        assert c.balance().credit_monthly > 0
    monkeypatch.delenv("PIXVERSE_API_KEY")
    with pytest.raises(sdk.PixverseError, match="PIXVERSE_API_KEY"):
        sdk.Client(base_url=live.base_url)


def test_every_method(client: sdk.Client, tmp_path: Path) -> None:
    balance = client.balance()
    assert balance.total == balance.credit_monthly + balance.credit_package
    photo = tmp_path / "photo.png"
    photo.write_bytes(image_bytes(400, 300))
    from_path = client.upload_image(photo)
    from_bytes = client.upload_image(image_bytes(300, 400, "JPEG"))
    from_url = client.upload_image(from_path.img_url)  # the server fetches it (loopback allowed)
    assert len({from_path.img_id, from_bytes.img_id, from_url.img_id}) == 3
    video = client.upload_media(make_video(tmp_path / "clip.mp4", 160, 120, 1))
    audio = client.upload_media(make_audio(tmp_path / "a.wav", 1).read_bytes())
    assert (video.media_type, audio.media_type) == ("video", "audio")

    seen: list[tuple[int, float]] = []
    text_id = client.text_to_video("a red fox", model="v4.5", quality="360p", seed=5)
    done = client.wait(text_id, timeout_s=120, on_progress=lambda r, s: seen.append((r.status, s)))
    assert done.succeeded and done.seed == 5 and done.output_width == 640
    assert seen[-1][0] == 1 and [s for _, s in seen] == sorted(s for _, s in seen)

    image_id = client.image_to_video(
        photo, "zoom", model="v4.5", quality="360p", camera_movement="zoom_in"
    )
    by_id = client.image_to_video(from_bytes.img_id, "still", quality="360p")
    transition_id = client.transition(from_path.img_id, photo, "morph", quality="360p")
    for video_id in (image_id, by_id, transition_id):
        result = client.wait(video_id, timeout_s=120)
        assert result.succeeded
        assert client.result(video_id).url == result.url
    saved = client.download(transition_id, tmp_path / "t.mp4")
    info = probe(saved)
    assert info.video is not None and info.video.frame_count == 120


@pytest.mark.parametrize(
    ("call", "error", "code"),
    [
        (lambda c: c.text_to_video("x", quality="4k"), sdk.InvalidRequestError, 400017),
        (lambda c: c.image_to_video(4503599627370497, "x"), sdk.ImageNotFoundError, 400032),
        (lambda c: c.upload_image(b"not an image"), sdk.ImageRejectedError, 500032),
        (
            lambda c: c.text_to_video("x", template_id=315446315336768, quality="1080p"),
            sdk.TemplateError,
            500071,
        ),
        (lambda c: c.result(4503599627370497), sdk.InvalidRequestError, 400017),
    ],
)
def test_error_families(client: sdk.Client, call: object, error: type, code: int) -> None:
    with pytest.raises(error) as caught:
        call(client)  # type: ignore[operator]
    assert caught.value.err_code == code and caught.value.trace_id


def test_wrong_types_fail_before_sending(client: sdk.Client) -> None:
    before = client.balance()
    with pytest.raises(sdk.InvalidRequestError) as caught:
        client.text_to_video("x", duration="five")
    assert caught.value.err_code == 400013 and "duration" in caught.value.message
    assert client.balance() == before


def test_account_errors(live: LiveServer) -> None:
    with (
        sdk.Client("pf-unknown-key-000000000", live.base_url) as c,
        pytest.raises(sdk.AuthenticationError) as caught,
    ):
        c.balance()
    assert caught.value.err_code == 10002
    with (
        sdk.Client(live.new_account(monthly=10), live.base_url) as poor,
        pytest.raises(sdk.InsufficientCreditsError),
    ):
        poor.text_to_video("x", quality="360p")
    with sdk.Client(live.new_account(concurrency=1), live.base_url, poll_interval_s=0.5) as one:
        first = one.text_to_video("slow", model="v5", quality="1080p", duration=8)
        with pytest.raises(sdk.ConcurrencyLimitError):
            one.text_to_video("second", quality="360p")
        with pytest.raises(sdk.WaitTimeoutError) as timed_out:
            one.wait(first, timeout_s=0.5)
        assert timed_out.value.result is not None and timed_out.value.result.status == 5
        one.wait(first, timeout_s=120)


def test_generation_errors(client: sdk.Client, tmp_path: Path) -> None:
    blocked = client.text_to_video("a scene of gore", quality="360p")
    with pytest.raises(sdk.ModerationError) as caught:
        client.wait(blocked, timeout_s=60)
    assert caught.value.result is not None and caught.value.result.status == 7
    with pytest.raises(sdk.ModerationError):
        client.download(blocked, tmp_path / "x.mp4")


def test_connection_errors() -> None:
    with (
        sdk.Client("pf-some-key-0000000000", f"http://127.0.0.1:{free_port()}", max_retries=1) as c,
        pytest.raises(sdk.APIConnectionError),
    ):
        c.balance()


class DropFirstResponse(httpx.BaseTransport):
    """Delivers the first generate request to the server, then drops its answer on the floor."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.trace_ids: list[str] = []
        self.dropped = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.endswith("/generate"):
            self.trace_ids.append(request.headers["ai-trace-id"])
            if not self.dropped:
                self.dropped = True
                response.read()
                response.close()
                raise httpx.RemoteProtocolError("connection dropped", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


def test_retry_after_a_dropped_connection_is_idempotent(live: LiveServer) -> None:
    key = live.new_account(monthly=1000, concurrency=10)
    transport = DropFirstResponse()
    with sdk.Client(key, live.base_url, transport=transport, poll_interval_s=0.5) as c:
        video_id = c.text_to_video("a fox", quality="360p")
        assert transport.dropped and len(transport.trace_ids) == 2
        assert transport.trace_ids[0] == transport.trace_ids[1], "retry must reuse the trace id"
        assert c.balance().credit_monthly == 1000 - 45, "charged exactly once"
        c.wait(video_id, timeout_s=60)
    with httpx.Client() as http:
        body = http.get(
            f"{live.base_url}/openapi/v2/video/result/{video_id}",
            headers={"API-KEY": key, "Ai-trace-id": "2f1f8a3e-9a4e-4c55-9d0a-0d5cf1b0c001"},
        ).json()
    assert body["Resp"]["status"] == 1


def test_async_client(live: LiveServer, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with sdk.AsyncClient(live.api_key, live.base_url, poll_interval_s=0.5) as c:
            assert (await c.balance()).credit_monthly > 0
            image = await c.upload_image(image_bytes(320, 240))
            media = await c.upload_media(make_audio(tmp_path / "a.wav", 1))
            assert media.media_type == "audio"
            ids = await asyncio.gather(
                c.text_to_video("async fox", quality="360p"),
                c.image_to_video(image.img_id, "zoom", quality="360p"),
                c.transition(image.img_id, image.img_id, "same", quality="360p"),
            )
            progress: list[int] = []
            results = await asyncio.gather(
                *(c.wait(i, 120, on_progress=lambda r, _s: progress.append(r.status)) for i in ids)
            )
            assert all(r.succeeded for r in results) and progress.count(1) == 3
            saved = await c.download(results[0], tmp_path / "a.mp4")
            assert probe(saved).video is not None
            assert (await c.result(ids[1])).url == results[1].url
            with pytest.raises(sdk.InvalidRequestError):
                await c.text_to_video("x", model="v9")

    asyncio.run(scenario())


def test_docs_examples_run(live: LiveServer, tmp_path: Path) -> None:
    import re
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    blocks = re.findall(r"```python\n(.*?)```", (root / "docs" / "sdk.md").read_text(), re.S)
    assert len(blocks) >= 2
    shutil.copytree(root / "docs" / "examples", tmp_path / "docs" / "examples")
    env = {
        "PIXVERSE_BASE_URL": live.base_url,
        "PIXVERSE_API_KEY": live.api_key,
        "PATH": "/usr/bin:/bin",
    }
    for block in blocks:
        run = subprocess.run(
            [sys.executable, "-c", block],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
    assert probe(tmp_path / "fox.mp4").video is not None


def test_feature_methods(client: sdk.Client, tmp_path: Path) -> None:
    clip = client.upload_media(make_scene_video(tmp_path / "clip.mp4", 320, 240, 2))
    voice = client.upload_media(make_audio(tmp_path / "voice.wav", 1.5))
    image = client.upload_image(image_bytes(320, 240)).img_id
    speakers = client.tts_speakers(page_size=100)
    assert len(speakers) == 15 and speakers[-1].speaker_id == "Auto"
    looks = client.restyles()
    assert len(looks) == 8 and looks[0].cover_url.startswith("http")
    selection = client.select_masks(media_id=clip.media_id, keyframe_id=1)
    assert selection.mask_info[-1].mask_name == "background" and selection.credits == 2
    ids = [
        client.extend("onward", media_id=clip.media_id, quality="360p", model="v4.5"),
        client.lip_sync(media_id=clip.media_id, speaker_id="3", text="Hello from the SDK."),
        client.lip_sync(media_id=clip.media_id, audio_media_id=voice.media_id),
        client.sound_effect(media_id=clip.media_id, content="birds in a forest"),
        client.fusion(
            [sdk.ImageReference(type="subject", img_id=image, ref_name="hero")],
            "@hero waves",
            quality="360p",
        ),
        client.restyle(media_id=clip.media_id, restyle_id=looks[1].restyle_id),
        client.multi_transition(
            [{"img_id": image, "duration": 1}, sdk.Keyframe(img_id=image)], quality="360p"
        ),
        client.swap(
            media_id=clip.media_id,
            keyframe_id=1,
            mask_id=selection.mask_info[0].mask_id,
            image=image_bytes(100, 100, colour=(255, 255, 0)),
            quality="360p",
        ),
    ]
    ids.append(client.mimic(PERSON, media_id=clip.media_id, quality="360p"))
    results = [client.wait(i, timeout_s=120) for i in ids]
    assert all(r.succeeded for r in results)
    assert [r.has_audio for r in results] == [
        False,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
        False,
    ]
    with pytest.raises(sdk.InvalidRequestError) as refused:
        client.mimic(image_bytes(200, 200, colour=(9, 9, 9)), media_id=clip.media_id)
    assert refused.value.err_code == 701002
    with pytest.raises(sdk.InvalidRequestError, match="restyle_id or restyle_prompt"):
        client.restyle(media_id=clip.media_id)
    with pytest.raises(sdk.InvalidRequestError, match="img_id"):
        client.fusion([{"type": "subject", "ref_name": "x"}], "@x")  # type: ignore[list-item]


def test_async_feature_methods(live: LiveServer, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with sdk.AsyncClient(live.api_key, live.base_url, poll_interval_s=0.5) as c:
            clip = await c.upload_media(make_scene_video(tmp_path / "clip.mp4", 320, 240, 1))
            image = (await c.upload_image(image_bytes(320, 240))).img_id
            assert len(await c.tts_speakers()) == 15
            assert len(await c.restyles(page_size=3)) == 3
            masks = await c.select_masks(media_id=clip.media_id)
            ids = await asyncio.gather(
                c.extend("on", media_id=clip.media_id, quality="360p", model="v5"),
                c.lip_sync(media_id=clip.media_id, speaker_id="1", text="Hi there."),
                c.sound_effect(media_id=clip.media_id),
                c.fusion([{"img_id": image, "ref_name": "a"}], "@a", quality="360p"),
                c.restyle(media_id=clip.media_id, prompt="film noir"),
                c.multi_transition(
                    [{"img_id": image, "duration": 1}, {"img_id": image}], quality="360p"
                ),
                c.swap(
                    media_id=clip.media_id,
                    keyframe_id=1,
                    mask_id=masks.mask_info[0].mask_id,
                    image=image,
                    quality="360p",
                ),
            )
            results = await asyncio.gather(*(c.wait(i, 120) for i in ids))
            assert all(r.succeeded for r in results)

    asyncio.run(scenario())


def test_image_templates(client: sdk.Client, live: LiveServer) -> None:
    portrait = 384268229671681
    account = str(client.balance().account_id)
    done = live.cli(
        "templates", "activate", account, str(portrait), "--data-dir", str(live.data_dir)
    )
    assert done.returncode == 0, done.stderr
    image_id = client.image_template(portrait, [image_bytes(400, 300)])
    result = client.wait_image(image_id, timeout_s=60)
    assert result.succeeded and result.url.endswith(".jpg") and result.template_id == portrait
    assert (result.output_width, result.output_height) == (1440, 1080)
    with pytest.raises(sdk.InvalidRequestError, match="takes 2"):
        client.image_template(384268229671682, [image_bytes(64, 64)])

    async def scenario() -> None:
        async with sdk.AsyncClient(live.api_key, live.base_url, poll_interval_s=0.5) as c:
            found = await c.wait_image(await c.image_template(portrait, [image_bytes(64, 48)]))
            assert found.succeeded and (await c.image_result(found.image_id)).url == found.url

    asyncio.run(scenario())
