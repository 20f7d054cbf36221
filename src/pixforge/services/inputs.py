"""Resolve the media a request points at (a finished generation, an uploaded video or audio)
into probed inputs, checking the caller owns them and that the feature's limits hold."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pixforge.domain import features
from pixforge.domain.errors import (
    InvalidParameterError,
    MimicMotionError,
    MimicSubjectError,
    UnknownImageError,
)
from pixforge.domain.spec import Mode, SourceVideo
from pixforge.domain.status import VideoStatus
from pixforge.media.images import load_rgb
from pixforge.media.probe import ProbeError, probe
from pixforge.media.segment import has_subject
from pixforge.media.video import frame_at
from pixforge.storage.base import BlobStore
from pixforge.store import generations as generation_repo
from pixforge.store import uploads as upload_repo
from pixforge.store.db import Connection


@dataclass(frozen=True, slots=True)
class SourceAudio:
    path: Path
    duration_s: float


def source_video(
    conn: Connection,
    blobs: BlobStore,
    account_id: int,
    mode: Mode,
    video_id: int | None,
    media_id: int | None,
) -> SourceVideo:
    """The input video of a video-input request, probed and checked against `mode`'s limits."""
    prompt = ""
    if video_id is not None:
        field = "source_video_id"
        row = generation_repo.get_generation(conn, video_id)
        if (
            row is None
            or row.account_id != account_id
            or row.status != VideoStatus.SUCCEEDED
            or row.output_token is None
        ):
            raise InvalidParameterError(
                f"source_video_id: couldn't find a matching source_video_id {video_id} "
                "(it must be a finished video of this account)"
            )
        token, prompt = row.output_token, row.prompt
    else:
        assert media_id is not None
        field = "video_media_id"
        upload = upload_repo.get_upload(conn, media_id)
        if upload is None or upload.account_id != account_id:
            raise InvalidParameterError(
                f"video_media_id: couldn't find a matching video_media_id {media_id}"
            )
        if upload.kind != "video":
            raise InvalidParameterError(f"video_media_id: media {media_id} is not a video")
        token = upload.file_token
    file = upload_repo.get_file(conn, token)
    path = blobs.path(file.storage_key) if file else None
    if file is None or path is None or not path.is_file():
        raise InvalidParameterError(f"{field}: the video's file is no longer stored")
    try:
        info = probe(path)
    except ProbeError as error:
        raise InvalidParameterError(f"{field}: the video cannot be read") from error
    if info.video is None:
        raise InvalidParameterError(f"{field}: the file has no video track")
    source = SourceVideo(
        path=str(path),
        width=info.video.width,
        height=info.video.height,
        duration_s=info.duration_s,
        has_audio=info.audio is not None,
        codec=info.video.codec,
        size_bytes=file.size_bytes,
        frame_count=info.video.frame_count or round(info.duration_s * (info.video.fps or 24)),
        prompt=prompt,
    )
    features.check_source(mode, field, source)
    return source


def source_audio(conn: Connection, blobs: BlobStore, account_id: int, media_id: int) -> SourceAudio:
    upload = upload_repo.get_upload(conn, media_id)
    if upload is None or upload.account_id != account_id:
        raise InvalidParameterError(
            f"audio_media_id: couldn't find a matching audio_media_id {media_id}"
        )
    if upload.kind != "audio":
        raise InvalidParameterError(f"audio_media_id: media {media_id} is not audio")
    file = upload_repo.get_file(conn, upload.file_token)
    if file is None:
        raise InvalidParameterError("audio_media_id: the audio's file is no longer stored")
    duration_s = float(upload.duration_s or 0.0)
    features.check_audio("audio_media_id", duration_s, file.size_bytes)
    return SourceAudio(blobs.path(file.storage_key), duration_s)


def image_path(conn: Connection, blobs: BlobStore, image_id: int) -> Path:
    """Where an uploaded image (already checked to be the caller's) is stored."""
    upload = upload_repo.get_upload(conn, image_id)
    file = upload_repo.get_file(conn, upload.file_token) if upload else None
    if file is None:
        raise UnknownImageError(f"img_id: image {image_id} does not exist")
    return blobs.path(file.storage_key)


def check_mimic_subjects(image: Path, source: SourceVideo) -> None:
    """Mimic needs a clear subject in the character image (701002) and in the reference
    video's first frame (701003); both are looked for with the swap segmentation."""
    if not has_subject(np.asarray(load_rgb(image), np.uint8)):
        raise MimicSubjectError(
            "img_id: the image has no clear subject (a person or an animal) to animate"
        )
    if not has_subject(frame_at(Path(source.path), 0)):
        raise MimicMotionError("the reference video has no clear subject whose motion to copy")
