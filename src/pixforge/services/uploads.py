"""Upload use cases: accept images and media (limits, sniffing, probing) and store them."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pixforge.domain.errors import (
    ImageDimensionError,
    ImageFetchError,
    ImageFormatError,
    ImageTooLargeError,
    ImageUnreadableError,
    ImageUrlError,
    InternalError,
    InvalidParameterError,
    MissingParameterError,
    PixforgeError,
)
from pixforge.domain.ids import file_url, new_public_id, new_token
from pixforge.domain.manifest import facts_to_json
from pixforge.media.fetch import FetchFailedError, FetchLimits, FetchRefusedError, fetch
from pixforge.media.images import ImageLimits, ImageRejectedError, inspect_image
from pixforge.media.probe import MediaInfo, ProbeError, probe
from pixforge.services.accounts import Caller
from pixforge.services.idempotency import replayed
from pixforge.services.inputs import facts_of
from pixforge.services.workload import SlowWork, storage_errors
from pixforge.storage.base import BlobStore, SignsUrls
from pixforge.store import idempotency as replay_repo
from pixforge.store import uploads as repo
from pixforge.store.db import ConflictError, Database
from pixforge.store.uploads import FileRow, UploadRow

log = logging.getLogger(__name__)

_IMAGE_PROBLEMS: Mapping[str, type[PixforgeError]] = {
    "too_large": ImageTooLargeError,
    "unreadable": ImageUnreadableError,
    "format": ImageFormatError,
    "dimension": ImageDimensionError,
}

# FFmpeg demuxer name -> (content type for video, content type for audio-only, extension).
_MEDIA_CONTAINERS: Mapping[str, tuple[str | None, str | None, str]] = {
    "mov,mp4,m4a,3gp,3g2,mj2": ("video/mp4", "audio/mp4", "mp4"),
    "matroska,webm": ("video/webm", "audio/webm", "webm"),
    "mp3": (None, "audio/mpeg", "mp3"),
    "wav": (None, "audio/wav", "wav"),
    "aac": (None, "audio/aac", "aac"),
}


# Codecs accepted inside the containers above (FFmpeg decoder names); others are refused at
# upload so every later feature can decode what it was given.
VIDEO_CODECS = ("h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "prores")
AUDIO_CODECS = ("aac", "mp3", "mp3float", "opus", "vorbis", "alac", "flac")


def _audio_codec_ok(codec: str) -> bool:
    return codec in AUDIO_CODECS or codec.startswith("pcm_")


@dataclass(frozen=True, slots=True)
class MediaLimits:
    max_bytes: int
    max_duration_s: float
    max_side_px: int


@dataclass(frozen=True, slots=True)
class StoredUpload:
    """An accepted upload: its public id, detected kind and absolute URL."""

    upload_id: int
    kind: str
    url: str


@dataclass(frozen=True, slots=True)
class ImageUpload:
    """One image given by file bytes or by URL (exactly one)."""

    data: bytes | None
    url: str | None


class UploadService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        public_url: str,
        image_limits: ImageLimits,
        media_limits: MediaLimits,
        fetch_limits: FetchLimits,
        scratch_dir: Path,
        slow_work: SlowWork,
        *,
        redirect_downloads: bool = False,
    ) -> None:
        self.db = db
        # Downloads answered with a redirect to the store (S3 presigned GET) instead of
        # streamed through this process.
        self.redirect_downloads = redirect_downloads and isinstance(blobs, SignsUrls)
        # An upload fetches, decodes and probes: bounded per account and in all.
        self.slow_work = slow_work
        self.blobs = blobs
        # Uploads are written here to be probed (PyAV reads files) before they are stored.
        self.scratch_dir = scratch_dir
        self.public_url = public_url
        self.image_limits = image_limits
        self.media_limits = media_limits
        self.fetch_limits = fetch_limits

    def file_url(self, token: str, name: str) -> str:
        return file_url(self.public_url, token, name)

    # -- images

    def upload_image(
        self, caller: Caller, trace_id: str, fingerprint: str, upload: ImageUpload
    ) -> StoredUpload:
        previous = replayed(self.db, caller.api_key_id, trace_id, fingerprint)
        if previous is not None:
            return StoredUpload(**previous)
        with self.slow_work.slot(caller.account_id, "image/upload"), storage_errors():
            return self._upload_image(caller, trace_id, fingerprint, upload)

    def _upload_image(
        self, caller: Caller, trace_id: str, fingerprint: str, upload: ImageUpload
    ) -> StoredUpload:
        data = self._image_bytes(upload)
        try:
            info = inspect_image(data, self.image_limits)
        except ImageRejectedError as problem:
            raise _IMAGE_PROBLEMS[problem.kind](problem.message) from problem
        token = new_token()
        key = f"images/{token[:2]}/{token}.{info.extension}"
        size = self.blobs.put_bytes(key, data)
        upload_id = new_public_id()
        response = StoredUpload(
            upload_id, "image", self.file_url(token, f"{upload_id}.{info.extension}")
        )
        row = UploadRow(
            id=upload_id,
            account_id=caller.account_id,
            kind="image",
            file_token=token,
            format=info.format.lower(),
            width=info.width,
            height=info.height,
            duration_s=None,
            created_at=time.time(),
        )
        file = FileRow(token, key, info.content_type, size, 0.0)
        return self._commit(caller, trace_id, fingerprint, file, row, response)

    def _image_bytes(self, upload: ImageUpload) -> bytes:
        if upload.data is not None and upload.url:
            raise InvalidParameterError("image, image_url: send exactly one of them, not both")
        if upload.data is not None:
            return upload.data
        if not upload.url:
            raise MissingParameterError("image or image_url is required")
        limits = FetchLimits(
            max_bytes=self.image_limits.max_bytes,
            timeout_s=self.fetch_limits.timeout_s,
            max_redirects=self.fetch_limits.max_redirects,
            allowed_networks=self.fetch_limits.allowed_networks,
        )
        try:
            return fetch(upload.url, limits).data
        except FetchRefusedError as error:
            raise ImageUrlError(f"image_url: {error}") from error
        except FetchFailedError as error:
            raise ImageFetchError(f"image_url: {error}") from error

    # -- video and audio

    def upload_media(
        self,
        caller: Caller,
        trace_id: str,
        fingerprint: str,
        data: bytes | None,
        url: str | None,
    ) -> StoredUpload:
        previous = replayed(self.db, caller.api_key_id, trace_id, fingerprint)
        if previous is not None:
            return StoredUpload(**previous)
        with self.slow_work.slot(caller.account_id, "media/upload"), storage_errors():
            return self._upload_media(caller, trace_id, fingerprint, data, url)

    def _upload_media(
        self,
        caller: Caller,
        trace_id: str,
        fingerprint: str,
        data: bytes | None,
        url: str | None,
    ) -> StoredUpload:
        payload = self._media_bytes(data, url)
        self.scratch_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.scratch_dir, prefix="upload-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            info = self._check_media(tmp)
            video_ct, audio_ct, ext = _MEDIA_CONTAINERS[info.format_name]
            kind = "video" if info.video is not None else "audio"
            content_type = video_ct if kind == "video" else audio_ct
            assert content_type is not None
            token = new_token()
            key = f"media/{token[:2]}/{token}.{ext}"
            size = self.blobs.put_file(key, tmp)
        finally:
            tmp.unlink(missing_ok=True)
        media_id = new_public_id()
        response = StoredUpload(media_id, kind, self.file_url(token, f"{media_id}.{ext}"))
        row = UploadRow(
            id=media_id,
            account_id=caller.account_id,
            kind=kind,
            file_token=token,
            format=ext,
            width=info.video.width if info.video else None,
            height=info.video.height if info.video else None,
            duration_s=info.duration_s,
            created_at=time.time(),
        )
        facts = facts_to_json(facts_of(info))
        return self._commit(
            caller,
            trace_id,
            fingerprint,
            FileRow(token, key, content_type, size, 0.0, facts),
            row,
            response,
        )

    def _media_bytes(self, data: bytes | None, url: str | None) -> bytes:
        if data is not None and url:
            raise InvalidParameterError("file, file_url: send exactly one of them, not both")
        if data is not None:
            if len(data) > self.media_limits.max_bytes:
                raise InvalidParameterError(
                    f"file: {len(data)} bytes exceeds the limit of "
                    f"{self.media_limits.max_bytes} bytes"
                )
            return data
        if not url:
            raise MissingParameterError("file or file_url is required")
        limits = FetchLimits(
            max_bytes=self.media_limits.max_bytes,
            timeout_s=self.fetch_limits.timeout_s,
            max_redirects=self.fetch_limits.max_redirects,
            allowed_networks=self.fetch_limits.allowed_networks,
        )
        try:
            return fetch(url, limits).data
        except (FetchRefusedError, FetchFailedError) as error:
            raise InvalidParameterError(f"file_url: {error}") from error

    def _check_media(self, path: Path) -> MediaInfo:
        try:
            info = probe(path)
        except ProbeError as error:
            raise InvalidParameterError(
                "file: not a readable video (mp4, mov, webm) or audio (mp3, wav, m4a, aac) file"
            ) from error
        allowed = _MEDIA_CONTAINERS.get(info.format_name)
        if allowed is None or (info.video is None and info.audio is None):
            raise InvalidParameterError(
                f"file: unsupported format {info.format_name!r}; allowed: mp4, mov, webm, "
                "mp3, wav, m4a, aac"
            )
        if info.video is not None and allowed[0] is None:
            raise InvalidParameterError(f"file: {info.format_name} cannot carry video")
        if info.video is not None and info.video.codec not in VIDEO_CODECS:
            raise InvalidParameterError(
                f"file: video codec {info.video.codec!r} is not supported; allowed: "
                f"{', '.join(VIDEO_CODECS)}"
            )
        if info.audio is not None and not _audio_codec_ok(info.audio.codec):
            raise InvalidParameterError(
                f"file: audio codec {info.audio.codec!r} is not supported; allowed: "
                f"{', '.join(AUDIO_CODECS)}, PCM"
            )
        limits = self.media_limits
        if info.duration_s > limits.max_duration_s:
            raise InvalidParameterError(
                f"file: {info.duration_s:.1f} s exceeds the limit of {limits.max_duration_s:g} s"
            )
        if info.video is not None and (
            max(info.video.width, info.video.height) > limits.max_side_px
        ):
            raise InvalidParameterError(
                f"file: {info.video.width}x{info.video.height} px exceeds {limits.max_side_px} px "
                "per side"
            )
        return info

    # -- shared

    def _commit(
        self,
        caller: Caller,
        trace_id: str,
        fingerprint: str,
        file: FileRow,
        row: UploadRow,
        response: StoredUpload,
    ) -> StoredUpload:
        now = time.time()
        key = file.storage_key
        try:
            with self.db.write() as conn:
                repo.insert_file(conn, dataclasses.replace(file, created_at=now))
                repo.insert_upload(conn, row)
                replay_repo.insert_record(
                    conn,
                    caller.api_key_id,
                    trace_id,
                    fingerprint,
                    json.dumps(dataclasses.asdict(response)),
                    now,
                )
        except ConflictError as error:
            # A concurrent request with the same trace id won the race: answer as it did.
            self.blobs.delete(key)
            previous = replayed(self.db, caller.api_key_id, trace_id, fingerprint)
            if previous is not None:
                return StoredUpload(**previous)
            raise InternalError("could not record the upload") from error
        return response

    def download_redirect(self, row: FileRow, name: str) -> str | None:
        """Where to send a client for this file (a presigned URL), or None to stream it."""
        if not self.redirect_downloads:
            return None
        blobs = self.blobs
        assert isinstance(blobs, SignsUrls)
        return blobs.presigned_url(row.storage_key, name, row.content_type)

    def stored_file(self, token: str) -> FileRow | None:
        """A stored file's metadata by its unguessable token (the bytes are in the blobs)."""
        with self.db.read() as conn:
            return repo.get_file(conn, token)
