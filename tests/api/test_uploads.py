"""Image and media uploads: multipart, URL (form, urlencoded, JSON), limits and sniffing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.media import image_bytes, make_audio, make_scene_video, make_video, noise_png
from tests.support.origin import QuietHandler, serving
from tests.support.server import Api, RunningServer, make_settings, running_server

PNG = image_bytes(320, 240, "PNG")
SERVED: dict[str, tuple[bytes, str]] = {}


class _Origin(QuietHandler):
    def do_GET(self) -> None:
        found = SERVED.get(self.path)
        if found is None:
            self.send_response(404)
            self.end_headers()
            return
        data, content_type = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def origin() -> Iterator[str]:
    with serving(_Origin) as url:
        yield url


@pytest.fixture
def loopback_server(tmp_path: Path) -> Iterator[RunningServer]:
    settings = make_settings(tmp_path / "d", fetch_allow_networks=["127.0.0.0/8"])
    with running_server(settings) as server:
        yield server


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_image_upload_and_download(api: Api, fmt: str) -> None:
    data = image_bytes(300, 200, fmt)
    body = api.upload_image(data, name="photo.bin")
    assert body["ErrCode"] == 0, body
    resp = body["Resp"]
    assert isinstance(resp["img_id"], int) and resp["img_url"].startswith(api.base_url)
    served = api.http.get(resp["img_url"])
    assert served.status_code == 200 and served.content == data
    assert served.headers["content-type"] == f"image/{fmt.lower()}"


@pytest.mark.parametrize(
    ("data", "err_code"),
    [
        (b"not an image, just text", 500032),
        (image_bytes(64, 64, "GIF"), 500032),
        (image_bytes(64, 64, "BMP"), 500032),
        (PNG[: len(PNG) // 2], 500031),
        (image_bytes(8, 300, "PNG"), 500033),
    ],
)
def test_bad_images(api: Api, data: bytes, err_code: int) -> None:
    body = api.upload_image(data, name="photo.png")
    assert body["ErrCode"] == err_code, body
    assert "image" in body["ErrMsg"]


def test_decompression_bomb_is_refused_over_http(api: Api) -> None:
    from tests.unit.test_images import _png_header_only

    bomb = _png_header_only(9000, 9000)  # 81 M pixels claimed in well under 2 KB
    body = api.upload_image(bomb, name="bomb.png")
    assert body["ErrCode"] == 500030 and "pixels" in body["ErrMsg"], body


def test_image_limits_are_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d", image_max_bytes=5000, image_max_side_px=500)
    with running_server(settings) as server:
        api = server.api(server.create_account())
        big_bytes = api.upload_image(noise_png(100, 100))
        assert big_bytes["ErrCode"] == 500030 and "bytes" in big_bytes["ErrMsg"]
        wide = api.upload_image(image_bytes(501, 20, "PNG", colour=(0, 0, 0)))
        assert wide["ErrCode"] == 500030 and "per side" in wide["ErrMsg"]
        api.close()


def test_upload_needs_exactly_one_source(api: Api) -> None:
    response = api.http.post("/openapi/v2/image/upload", data={"other": "x"}, headers=api.headers())
    assert response.json()["ErrCode"] == 400011
    both = api.http.post(
        "/openapi/v2/image/upload",
        files={"image": ("a.png", PNG)},
        data={"image_url": "http://example.com/a.png"},
        headers=api.headers(),
    )
    assert both.json()["ErrCode"] == 400017
    wrong_type = api.http.post(
        "/openapi/v2/image/upload",
        content=b"raw",
        headers=api.headers(**{"Content-Type": "image/png"}),
    )
    assert wrong_type.json()["ErrCode"] == 400013


def test_image_url_refuses_private_addresses_by_default(api: Api, origin: str) -> None:
    SERVED["/a.png"] = (PNG, "image/png")
    body = api.http.post(
        "/openapi/v2/image/upload", data={"image_url": f"{origin}/a.png"}, headers=api.headers()
    ).json()
    assert body["ErrCode"] == 500042 and "image_url" in body["ErrMsg"]
    for url in ("http://169.254.169.254/latest", "file:///etc/passwd", "http://10.0.0.5/x.png"):
        body = api.http.post(
            "/openapi/v2/image/upload", data={"image_url": url}, headers=api.headers()
        ).json()
        assert body["ErrCode"] == 500042, (url, body)


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded", "json"])
def test_image_url_upload(loopback_server: RunningServer, origin: str, encoding: str) -> None:
    SERVED["/b.webp"] = (image_bytes(200, 100, "WEBP"), "image/webp")
    api = loopback_server.api(loopback_server.create_account())
    url = f"{origin}/b.webp"
    if encoding == "multipart":
        response = api.http.post(
            "/openapi/v2/image/upload", files={"image_url": (None, url)}, headers=api.headers()
        )
    elif encoding == "urlencoded":
        response = api.http.post(
            "/openapi/v2/image/upload", data={"image_url": url}, headers=api.headers()
        )
    else:
        response = api.http.post(
            "/openapi/v2/image/upload", json={"image_url": url}, headers=api.headers()
        )
    body = response.json()
    assert body["ErrCode"] == 0, body
    assert api.http.get(body["Resp"]["img_url"]).content == SERVED["/b.webp"][0]
    missing = api.http.post(
        "/openapi/v2/image/upload", data={"image_url": f"{origin}/missing"}, headers=api.headers()
    ).json()
    assert missing["ErrCode"] == 500041
    api.close()


def test_media_upload_video_and_audio(api: Api, tmp_path: Path) -> None:
    video = make_video(tmp_path / "clip.mp4", 320, 240, 2)
    body = api.http.post(
        "/openapi/v2/media/upload",
        files={"file": ("clip.bin", video.read_bytes())},
        data={"media_type": "audio"},  # a wrong hint is ignored: the type is detected
        headers=api.headers(),
    ).json()
    assert body["ErrCode"] == 0, body
    assert body["Resp"]["media_type"] == "video" and isinstance(body["Resp"]["media_id"], int)
    assert api.http.get(body["Resp"]["url"]).content == video.read_bytes()
    audio = make_audio(tmp_path / "voice.wav", 1.5)
    body = api.http.post(
        "/openapi/v2/media/upload", files={"file": ("x", audio.read_bytes())}, headers=api.headers()
    ).json()
    assert body["ErrCode"] == 0 and body["Resp"]["media_type"] == "audio", body
    served = api.http.get(body["Resp"]["url"])
    assert served.headers["content-type"] == "audio/wav"


def test_media_limits(api: Api, tmp_path: Path) -> None:
    cases = [
        (make_video(tmp_path / "long.mp4", 64, 64, 31), "exceeds the limit of 30"),
        (make_video(tmp_path / "wide.mp4", 1922, 64, 0.5), "1920 px"),
        (tmp_path / "junk.mp4", "not a readable"),
        (make_audio(tmp_path / "long.wav", 31), "exceeds the limit of 30"),
        (make_scene_video(tmp_path / "png.mov", 64, 64, 0.5, codec="png"), "video codec 'png'"),
    ]
    (tmp_path / "junk.mp4").write_bytes(b"\x00\x01 junk" * 100)
    for path, message in cases:
        body = api.http.post(
            "/openapi/v2/media/upload",
            files={"file": (path.name, path.read_bytes())},
            headers=api.headers(),
        ).json()
        assert body["ErrCode"] == 400017 and message in body["ErrMsg"], (path, body)
        assert "file" in body["ErrMsg"]


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded", "json"])
def test_media_url_upload_feeds_the_features(
    loopback_server: RunningServer, origin: str, encoding: str, tmp_path: Path
) -> None:
    clip = make_scene_video(tmp_path / "remote.mp4", 320, 240, 1)
    SERVED["/clip.mp4"] = (clip.read_bytes(), "video/mp4")
    SERVED["/voice.wav"] = (make_audio(tmp_path / "v.wav", 1.0).read_bytes(), "audio/wav")
    api = loopback_server.api(loopback_server.create_account())

    def upload(url: str) -> dict[str, object]:
        if encoding == "multipart":
            kwargs: dict[str, object] = {"files": {"file_url": (None, url)}}
        elif encoding == "urlencoded":
            kwargs = {"data": {"file_url": url}}
        else:
            kwargs = {"json": {"file_url": url}}
        body = api.http.post("/openapi/v2/media/upload", headers=api.headers(), **kwargs).json()
        return dict(body)

    video = upload(f"{origin}/clip.mp4")
    audio = upload(f"{origin}/voice.wav")
    assert video["ErrCode"] == 0 and audio["ErrCode"] == 0, (video, audio)
    assert video["Resp"]["media_type"] == "video" and audio["Resp"]["media_type"] == "audio"  # type: ignore[index]
    answer = api.post(
        "/openapi/v2/video/lip_sync/generate",
        {
            "video_media_id": video["Resp"]["media_id"],  # type: ignore[index]
            "audio_media_id": audio["Resp"]["media_id"],  # type: ignore[index]
        },
    )
    assert answer["ErrCode"] == 0, answer
    assert api.wait(answer["Resp"]["video_id"])["status"] == 1
    missing = upload(f"{origin}/missing.mp4")
    assert missing["ErrCode"] == 400017 and "file_url" in str(missing["ErrMsg"])
    api.close()


def test_media_url_refuses_private_addresses_by_default(api: Api, origin: str) -> None:
    body = api.http.post(
        "/openapi/v2/media/upload", data={"file_url": f"{origin}/clip.mp4"}, headers=api.headers()
    ).json()
    assert body["ErrCode"] == 400017 and "file_url" in body["ErrMsg"]
    assert "non-public" in body["ErrMsg"]
