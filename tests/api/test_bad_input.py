"""Bad input never gets a 500: deep JSON, Unicode digits, ids past 64 bits, cut-off images,
unparsable URLs, NUL characters; 405s carry Allow; a client that hangs up is not an error."""

from __future__ import annotations

import io
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.cases.generate import VALID_TEXT
from tests.support.server import Account, Api, RunningServer, make_settings, running_server

V2 = "/openapi/v2"
TOO_BIG_ID = 2**63  # one past the largest signed 64-bit integer
DEEP = 1000


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One server for the checks that change nothing (each request is refused)."""
    with pytest.MonkeyPatch.context() as env:
        for name in [n for n in os.environ if n.startswith(("PIXFORGE_", "PIXVERSE_"))]:
            env.delenv(name)
        settings = make_settings(tmp_path_factory.mktemp("bad-input"), workers=0)
    with running_server(settings) as server:
        api = server.api(server.create_account())
        yield api
        api.close()


def _raw_post(api: Api, path: str, raw: bytes, content_type: str) -> httpx.Response:
    return api.http.post(path, content=raw, headers=api.headers(**{"Content-Type": content_type}))


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _envelope(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 500, response.text
    body = response.json()
    assert set(body) == {"ErrCode", "ErrMsg", "Resp"}, body
    return dict(body)


@pytest.mark.parametrize(
    "raw",
    [
        _nested(DEEP),
        '{"model": "v4.5", "extra": ' + _nested(DEEP) + "}",
        '{"a": ' * DEEP + "1" + "}" * DEEP,
    ],
    ids=["array", "inside an ignored field", "objects"],
)
def test_deeply_nested_json_is_refused_naming_the_body(shared: Api, raw: str) -> None:
    for path in (f"{V2}/video/text/generate", f"{V2}/video/mask/selection"):
        body = _envelope(_raw_post(shared, path, raw.encode(), "application/json"))
        assert body["ErrCode"] == 400013, body
        assert "request body" in body["ErrMsg"] and "nested" in body["ErrMsg"], body
    upload = _envelope(_raw_post(shared, f"{V2}/image/upload", raw.encode(), "application/json"))
    assert upload["ErrCode"] == 400013 and "request body" in upload["ErrMsg"], upload


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("image/upload", b'{"image_url": "http://\\ud800.example/a.png"}'),
        ("media/upload", b'{"file_url": "http://x.example/\\udfff"}'),
        ("video/text/generate", b'{"model": "v4.5", "prompt": "a \\ud800 fox"}'),
        ("video/mask/selection", b'{"\\ud800": 1}'),
    ],
)
def test_lone_surrogates_are_not_json(shared: Api, path: str, raw: bytes) -> None:
    body = _envelope(_raw_post(shared, f"{V2}/{path}", raw, "application/json"))
    assert body["ErrCode"] == 400013 and "request body" in body["ErrMsg"], body


def test_deeply_nested_paging_body_is_ignored(shared: Api) -> None:
    response = shared.http.request(
        "GET",
        f"{V2}/video/lip_sync/tts_list",
        content=_nested(DEEP).encode(),
        headers=shared.headers(**{"Content-Type": "application/json"}),
    )
    body = _envelope(response)
    assert body["ErrCode"] == 0 and body["Resp"]["total"] == 15, body


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"{V2}/video/result/²", "video_id"),
        (f"{V2}/video/result/١٢٣", "video_id"),
        (f"{V2}/image/result/²", "image_id"),
        (f"{V2}/video/credits/²", "video_id"),
        (f"{V2}/video/lip_sync/tts_list?page_num=²&page_size=10", "page_num"),
        (f"{V2}/video/lip_sync/tts_list?page_num=1&page_size=١٠", "page_size"),
        (f"{V2}/video/restyle/list?page_num=²", "page_num"),
        (f"{V2}/video/effects/templates/list?page=²", "page"),
        (f"{V2}/video/effects/templates/list?pageSize=²", "pageSize"),
    ],
)
def test_unicode_digits_are_not_ids_or_numbers(shared: Api, path: str, field: str) -> None:
    body = _envelope(shared.http.get(path, headers=shared.headers()))
    assert body["ErrCode"] == 400013 and field in body["ErrMsg"], body
    # `type` is an enumeration (1 or 2): anything else breaks its rule.
    kind = _envelope(
        shared.http.get(f"{V2}/video/effects/templates/list?type=²", headers=shared.headers())
    )
    assert kind["ErrCode"] == 400017 and "type" in kind["ErrMsg"], kind


@pytest.mark.parametrize("kind", ["video/result", "image/result", "video/credits"])
@pytest.mark.parametrize("value", [str(TOO_BIG_ID), "9999999999999999999"])
def test_path_ids_past_64_bits(shared: Api, kind: str, value: str) -> None:
    body = _envelope(shared.http.get(f"{V2}/{kind}/{value}", headers=shared.headers()))
    field = "image_id" if kind.startswith("image") else "video_id"
    assert body["ErrCode"] == 400013 and field in body["ErrMsg"], body


GENERATE = {k: v for k, v in VALID_TEXT.items() if k != "aspect_ratio"}
SOURCE = {"video_media_id": 4503599627370497}

# (path, body, the field the answer must name): every integer id field of every request model.
BIG_ID_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("video/img/generate", {**GENERATE, "img_id": TOO_BIG_ID}, "img_id"),
    ("video/img/generate", {**GENERATE, "img_ids": [1, TOO_BIG_ID]}, "img_ids.1"),
    ("video/img/generate", {**GENERATE, "img_id": 1, "template_id": TOO_BIG_ID}, "template_id"),
    (
        "video/transition/generate",
        {**GENERATE, "first_frame_img": TOO_BIG_ID, "last_frame_img": 1},
        "first_frame_img",
    ),
    (
        "video/transition/generate",
        {**GENERATE, "first_frame_img": 1, "last_frame_img": TOO_BIG_ID},
        "last_frame_img",
    ),
    ("video/text/generate", {**VALID_TEXT, "template_id": TOO_BIG_ID}, "template_id"),
    ("video/extend/generate", {**GENERATE, "source_video_id": TOO_BIG_ID}, "source_video_id"),
    ("video/extend/generate", {**GENERATE, "video_media_id": TOO_BIG_ID}, "video_media_id"),
    ("video/lip_sync/generate", {**SOURCE, "audio_media_id": TOO_BIG_ID}, "audio_media_id"),
    ("video/lip_sync/generate", {"source_video_id": TOO_BIG_ID}, "source_video_id"),
    ("video/sound_effect/generate", {"video_media_id": TOO_BIG_ID}, "video_media_id"),
    ("video/restyle/generate", {**SOURCE, "restyle_id": TOO_BIG_ID}, "restyle_id"),
    (
        "video/fusion/generate",
        {
            **GENERATE,
            "image_references": [{"type": "subject", "img_id": TOO_BIG_ID, "ref_name": "a"}],
        },
        "image_references.0.img_id",
    ),
    (
        "video/multi_transition/generate",
        {"multi_transition": [{"img_id": 1, "duration": 5}, {"img_id": TOO_BIG_ID}]},
        "multi_transition.1.img_id",
    ),
    ("video/mask/selection", {**SOURCE, "keyframe_id": TOO_BIG_ID}, "keyframe_id"),
    ("video/mask/selection", {"source_video_id": TOO_BIG_ID}, "source_video_id"),
    (
        "video/swap/generate",
        {**SOURCE, "keyframe_id": 1, "mask_id": "1", "img_id": TOO_BIG_ID, "quality": "360p"},
        "img_id",
    ),
    (
        "video/swap/generate",
        {**SOURCE, "keyframe_id": TOO_BIG_ID, "mask_id": "1", "img_id": 1, "quality": "360p"},
        "keyframe_id",
    ),
    ("video/mimic/generate", {**SOURCE, "img_id": TOO_BIG_ID, "quality": "360p"}, "img_id"),
    ("video/mimic/generate", {"img_id": 1, "video_media_id": TOO_BIG_ID}, "video_media_id"),
    ("image/template/generate", {"template_id": TOO_BIG_ID, "img_ids": [1]}, "template_id"),
    ("image/template/generate", {"template_id": 1, "img_ids": [TOO_BIG_ID]}, "img_ids.0"),
]


@pytest.mark.parametrize(("path", "body", "field"), BIG_ID_CASES)
def test_body_ids_past_64_bits_name_the_field(
    shared: Api, path: str, body: dict[str, Any], field: str
) -> None:
    for value in (TOO_BIG_ID, str(TOO_BIG_ID)):  # digit strings are ids too
        sent = {k: (_replace(v, value) if _holds_big(v) else v) for k, v in body.items()}
        answer = _envelope(shared.http.post(f"{V2}/{path}", json=sent, headers=shared.headers()))
        assert answer["ErrCode"] == 400017, answer
        assert answer["ErrMsg"].startswith(f"{field}:"), answer
    assert shared.balance() == (100_000, 0)


def _holds_big(value: object) -> bool:
    if isinstance(value, list):
        return any(_holds_big(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_big(item) for item in value.values())
    return value == TOO_BIG_ID


def _replace(value: object, new: object) -> object:
    if isinstance(value, list):
        return [_replace(item, new) for item in value]
    if isinstance(value, dict):
        return {k: _replace(v, new) for k, v in value.items()}
    return new if value == TOO_BIG_ID else value


def _encoded(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        _encoded("JPEG")[:6],
        _encoded("JPEG")[:24],
        _encoded("JPEG")[:200],
        b"RIFF\x24\x00\x00\x00WEBPVP8 ",
        b"RIFF\x24\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00",
        _encoded("WEBP")[:30],
    ],
    ids=["jpeg-6", "jpeg-24", "jpeg-200", "webp-vp8", "webp-vp8x", "webp-30"],
)
def test_image_header_without_data_is_unreadable(shared: Api, data: bytes) -> None:
    body = shared.upload_image(data, name="cut")
    assert body["ErrCode"] == 500031 and "image" in body["ErrMsg"], body


@pytest.mark.parametrize("url", ["http://[::1", "http://[::1/x.png", "https://[nope]/a"])
def test_unparsable_urls(shared: Api, url: str) -> None:
    image_path, media_path = f"{V2}/image/upload", f"{V2}/media/upload"
    answers = [
        shared.http.post(image_path, data={"image_url": url}, headers=shared.headers()),
        shared.http.post(image_path, files={"image_url": (None, url)}, headers=shared.headers()),
        shared.http.post(image_path, json={"image_url": url}, headers=shared.headers()),
    ]
    for response in answers:
        body = _envelope(response)
        assert body["ErrCode"] == 500042 and "image_url" in body["ErrMsg"], body
    media = _envelope(
        shared.http.post(media_path, json={"file_url": url}, headers=shared.headers())
    )
    assert media["ErrCode"] == 400017 and "file_url" in media["ErrMsg"], media


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("video/text/generate", {**VALID_TEXT, "prompt": "a fox\x00"}, "prompt"),
        ("video/text/generate", {**VALID_TEXT, "model": "v4.5\x00"}, "model"),
        ("video/text/generate", {**VALID_TEXT, "webhook_id": "wh\x00"}, "webhook_id"),
        ("video/lip_sync/generate", {**SOURCE, "lip_sync_tts_speaker_id": "1\x00"}, "lip_sync"),
        ("video/swap/generate", {**SOURCE, "mask_id": "\x00"}, "mask_id"),
        (
            "video/fusion/generate",
            {
                **GENERATE,
                "image_references": [{"type": "subject", "img_id": 1, "ref_name": "a\x00"}],
            },
            "image_references.0.ref_name",
        ),
        (
            "video/multi_transition/generate",
            {"multi_transition": [{"img_id": 1, "duration": 5, "prompt": "\x00"}, {"img_id": 2}]},
            "multi_transition.0.prompt",
        ),
        ("video/restyle/generate", {**SOURCE, "restyle_prompt": "noir\x00"}, "restyle_prompt"),
    ],
)
def test_nul_in_text_is_refused_at_the_wire(
    shared: Api, path: str, body: dict[str, Any], field: str
) -> None:
    answer = _envelope(shared.http.post(f"{V2}/{path}", json=body, headers=shared.headers()))
    assert answer["ErrCode"] == 400017 and answer["ErrMsg"].startswith(field), answer
    assert "NUL" in answer["ErrMsg"]


def test_nul_in_a_file_token_is_not_found(shared: Api) -> None:
    response = shared.http.get("/files/abc%00def/x.mp4")
    assert response.status_code == 404 and _envelope(response)["ErrCode"] == 400017


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", f"{V2}/video/text/generate", "POST"),
        ("DELETE", f"{V2}/account/balance", "GET"),
        ("POST", "/files/token/x.mp4", "GET, HEAD"),
    ],
)
def test_405_carries_allow(shared: Api, method: str, path: str, allowed: str) -> None:
    response = shared.http.request(method, path, headers=shared.headers())
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == set(allowed.split(", "))
    assert _envelope(response)["ErrCode"] == 400017


@pytest.mark.parametrize(
    ("path", "content_type", "partial_body"),
    [
        ("video/text/generate", "application/json", b'{"model": "v4.5", "prompt": "a fo'),
        (
            "image/upload",
            "multipart/form-data; boundary=zz",
            b"--zz\r\nContent-Disposition: form-data; "
            b'name="image"; filename="a.png"\r\n\r\n\x89PNG',
        ),
    ],
    ids=["json", "multipart"],
)
@pytest.mark.socket
def test_client_hanging_up_mid_body_is_not_a_server_error(
    server: RunningServer,
    account: Account,
    caplog: pytest.LogCaptureFixture,
    path: str,
    content_type: str,
    partial_body: bytes,
) -> None:
    path = f"{V2}/{path}"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAPI-KEY: {account.api_key}\r\n"
        f"Ai-trace-id: {uuid.uuid4()}\r\nContent-Type: {content_type}\r\n"
        "Content-Length: 5000\r\n\r\n"
    )
    with caplog.at_level(logging.INFO, logger="pixforge"):
        with socket.create_connection(("127.0.0.1", server.settings.port)) as sock:
            sock.sendall(head.encode() + partial_body)
            time.sleep(0.3)  # let the server start reading the body
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            done = [r for r in caplog.records if r.name == "pixforge.access"]
            if any(getattr(r, "path", None) == path for r in done):
                break
            time.sleep(0.05)
        else:
            pytest.fail("no access log line for the abandoned request")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    metrics = httpx.get(f"{server.base_url}/metrics").text
    assert 'err_code="499"' in metrics
    assert 'err_code="500100"' not in metrics and 'err_code="500"' not in metrics
    assert 'err_code="400013"' not in metrics, "a hang-up is not a malformed body"
