"""S3 storage against a real S3 server (SeaweedFS `weed mini`, which enforces SigV4 and presign
expiry): the BlobStore contract, an upload → generate → `/files` Range round trip, the redirect
mode's presigned URLs (signed for the public endpoint, refused once tampered or expired)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pixforge.storage.base import BlobNotFoundError, read_all
from pixforge.storage.s3 import BucketUnavailableError, S3BlobStore, S3Options
from tests.cases.generate import IMAGE, VALID_TEXT
from tests.support.media import image_bytes
from tests.support.scaleout import S3_KEY, S3_SECRET, S3Server, s3_server
from tests.support.server import make_settings, running_server

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def weed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with s3_server(tmp_path_factory.mktemp("weed")) as server:
        yield server


@pytest.fixture
def s3(weed: S3Server) -> S3Server:
    return weed.fresh_bucket()


def store_for(s3: S3Server, **changes: object) -> S3BlobStore:
    values: dict[str, object] = {
        "endpoint_url": s3.endpoint_url,
        "bucket": s3.bucket,
        "access_key_id": S3_KEY,
        "secret_access_key": S3_SECRET,
    }
    values.update(changes)
    return S3BlobStore(S3Options(**values))  # type: ignore[arg-type]


def test_blob_store_contract(s3: S3Server, tmp_path: Path) -> None:
    store = store_for(s3)
    assert store.put_bytes("images/ab/x.png", b"data") == 4
    assert read_all(store, "images/ab/x.png") == b"data"
    data = bytes(range(256)) * 4096
    source = tmp_path / "render.mp4"
    source.write_bytes(data)
    assert store.put_file("videos/cd/v.mp4", source) == len(data)
    assert not source.exists()
    assert store.size("videos/cd/v.mp4") == len(data)
    assert b"".join(store.read("videos/cd/v.mp4", 1000, 300_000)) == data[1000:300_000]
    assert b"".join(store.read("videos/cd/v.mp4", len(data) - 10)) == data[-10:]
    assert b"".join(store.read("videos/cd/v.mp4", 5, 5)) == b""
    with store.materialize("videos/cd/v.mp4") as path:
        assert path.read_bytes() == data and path.suffix == ".mp4"
    assert [key for key, _ in store.list_keys("videos/")] == ["videos/cd/v.mp4"]
    store.delete("videos/cd/v.mp4")
    store.delete("videos/cd/v.mp4")
    assert store.size("videos/cd/v.mp4") is None
    with pytest.raises(BlobNotFoundError):
        read_all(store, "videos/cd/v.mp4")
    with pytest.raises(BlobNotFoundError), store.materialize("videos/cd/v.mp4"):
        pass


def test_wrong_secret_or_bucket_is_refused_at_start(s3: S3Server) -> None:
    with pytest.raises(BucketUnavailableError):
        store_for(s3, secret_access_key="not-the-secret")
    with pytest.raises(BucketUnavailableError):
        store_for(s3, bucket="no-such-bucket")


def test_presigned_urls_are_enforced(s3: S3Server) -> None:
    store = store_for(s3, presign_expires_s=1)
    store.put_bytes("videos/ef/p.mp4", b"0123456789" * 100)
    url = store.presigned_url("videos/ef/p.mp4", "p.mp4", "video/mp4")
    ranged = httpx.get(url, headers={"Range": "bytes=10-19"})
    assert ranged.status_code == 206 and ranged.content == b"0123456789"
    assert 'filename="p.mp4"' in ranged.headers["content-disposition"]
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    assert httpx.get(tampered).status_code == 403
    time.sleep(2.2)
    assert httpx.get(url).status_code == 403


def test_upload_generate_and_download_through_the_api(s3: S3Server, tmp_path: Path) -> None:
    env = s3.env()
    settings = make_settings(
        tmp_path / "data",
        storage="s3",
        s3_endpoint_url=env["PIXFORGE_S3_ENDPOINT_URL"],
        s3_bucket=s3.bucket,
        s3_access_key_id=S3_KEY,
        s3_secret_access_key=S3_SECRET,
    )
    with running_server(settings) as server:
        api = server.api(server.create_account())
        picture = image_bytes(320, 240)
        upload = api.upload_image(picture)["Resp"]
        stored = server.http.get(upload["img_url"]) if server.http else None
        assert stored is not None and stored.content == picture
        base = {k: v for k, v in VALID_TEXT.items() if k != "aspect_ratio"}
        video_id = api.post(IMAGE, {**base, "img_id": upload["img_id"]})["Resp"]["video_id"]
        result = api.wait(video_id)
        assert result["status"] == 1
        whole = server.http.get(result["url"]) if server.http else None
        assert whole is not None and whole.status_code == 200
        assert whole.content[4:8] == b"ftyp"
        part = server.http.get(result["url"], headers={"Range": "bytes=100-199"})  # type: ignore[union-attr]
        assert part.status_code == 206 and part.content == whole.content[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{len(whole.content)}"
        keys = [key for key, _ in server.state.blobs.list_keys("videos/")]
        assert len(keys) == 1
        client = s3.client()
        assert client.head_object(Bucket=s3.bucket, Key=keys[0])["ContentLength"] == len(
            whole.content
        )
        client.close()


def test_redirect_mode_signs_for_the_public_endpoint(s3: S3Server, tmp_path: Path) -> None:
    public = s3.endpoint_url.replace("127.0.0.1", "localhost")
    settings = make_settings(
        tmp_path / "data",
        storage="s3",
        s3_endpoint_url=s3.endpoint_url,
        s3_public_endpoint_url=public,
        s3_bucket=s3.bucket,
        s3_access_key_id=S3_KEY,
        s3_secret_access_key=S3_SECRET,
        s3_downloads="redirect",
        s3_presign_expires_s=2,
    )
    with running_server(settings) as server:
        api = server.api(server.create_account())
        video_id = api.post("/openapi/v2/video/text/generate", VALID_TEXT)["Resp"]["video_id"]
        result = api.wait(video_id)
        assert server.http is not None
        answer = server.http.get(result["url"], follow_redirects=False)
        assert answer.status_code == 307
        location = answer.headers["location"]
        assert location.startswith(public + "/")
        fetched = httpx.get(location)
        assert fetched.status_code == 200 and fetched.content[4:8] == b"ftyp"
        time.sleep(3.2)
        assert httpx.get(location).status_code == 403
