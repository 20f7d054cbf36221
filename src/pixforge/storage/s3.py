"""S3-compatible BlobStore (boto3): every API replica and worker node sees the same blobs.

Keys are object keys in one bucket. Reads pass byte ranges through to S3 (`Range`), so
`/files/{token}/{name}` can stream a slice without fetching the whole object; `materialize`
downloads to a temporary file for the engines; `presigned_url` signs a GET for the endpoint
clients reach (the redirect download mode). Imported only when PIXFORGE_STORAGE=s3.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from pixforge.storage.base import CHUNK_BYTES, BlobNotFoundError

_MISSING = {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True, slots=True)
class S3Options:
    endpoint_url: str
    bucket: str
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: str | None = None
    addressing_style: str = "path"
    # The endpoint clients reach (presigned URLs are signed for this host).
    public_endpoint_url: str | None = None
    presign_expires_s: int = 900


class BucketUnavailableError(RuntimeError):
    """The bucket does not exist or these credentials cannot use it."""


class S3BlobStore:
    """Blobs as objects in one bucket; thread-safe (one boto3 client, shared)."""

    def __init__(self, options: S3Options) -> None:
        self.options = options
        self.bucket = options.bucket
        self._client = self._make_client(options.endpoint_url)
        # Used only to sign URLs (no requests): the host in them must be the public one.
        self._signer = self._make_client(options.public_endpoint_url or options.endpoint_url)
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise BucketUnavailableError(
                f"S3 bucket {self.bucket!r} at {options.endpoint_url} is not usable ({code}): "
                "create it, or check PIXFORGE_S3_ACCESS_KEY_ID / _SECRET_ACCESS_KEY"
            ) from error

    def _make_client(self, endpoint_url: str) -> Any:
        options = self.options
        return boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=options.region,
            aws_access_key_id=options.access_key_id,
            aws_secret_access_key=options.secret_access_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": options.addressing_style},
                retries={"max_attempts": 3, "mode": "standard"},
                max_pool_connections=64,
            ),
        )

    def put_file(self, key: str, source: Path) -> int:
        size = source.stat().st_size
        self._client.upload_file(str(source), self.bucket, key)
        source.unlink(missing_ok=True)
        return size

    def put_bytes(self, key: str, data: bytes) -> int:
        self._client.put_object(Bucket=self.bucket, Key=key, Body=bytes(data))
        return len(data)

    def size(self, key: str) -> int | None:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _missing(error):
                return None
            raise
        return int(head["ContentLength"])

    def read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if end is not None and end <= start:
            if self.size(key) is None:
                raise BlobNotFoundError(key)
            return iter(())
        request: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if start or end is not None:
            request["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        try:
            answer = self._client.get_object(**request)
        except ClientError as error:
            if _missing(error):
                raise BlobNotFoundError(key) from error
            if error.response.get("Error", {}).get("Code") == "InvalidRange":
                return iter(())  # past the end: nothing to read
            raise
        return _chunks(answer["Body"])

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=key)

    @contextmanager
    def materialize(self, key: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="pixforge-s3-") as folder:
            path = Path(folder) / f"blob{Path(key).suffix}"
            try:
                self._client.download_file(self.bucket, key, str(path))
            except ClientError as error:
                if _missing(error):
                    raise BlobNotFoundError(key) from error
                raise
            yield path

    def list_keys(self, prefix: str) -> Iterator[tuple[str, float]]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield str(item["Key"]), float(item["LastModified"].timestamp())

    def presigned_url(self, key: str, filename: str, content_type: str) -> str:
        """A GET URL for the public endpoint, valid for the configured expiry, that names the
        file (Content-Disposition) and its type."""
        return str(
            self._signer.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "ResponseContentDisposition": f'inline; filename="{filename}"',
                    "ResponseContentType": content_type,
                },
                ExpiresIn=self.options.presign_expires_s,
            )
        )


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code", "")) in _MISSING


def _chunks(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK_BYTES)
    finally:
        body.close()
