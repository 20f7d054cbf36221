"""Resolve what a request refers to — images, a source video, audio, a swap mask — into the job
manifest: checked to be the caller's, stored, probed once, within the feature's limits.

This is the only place inputs are resolved; the worker reads the manifest stored at submit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from pixforge.domain.errors import (
    ImageModerationError,
    InputModerationError,
    InvalidParameterError,
    MimicMotionError,
    MimicSubjectError,
    UnknownImageError,
)
from pixforge.domain.features import Needs
from pixforge.domain.features.base import AUDIO_LIMITS, check_length_and_size, check_source
from pixforge.domain.manifest import (
    JobManifest,
    MediaFacts,
    StoredAudio,
    StoredImage,
    StoredVideo,
    facts_from_json,
)
from pixforge.domain.moderation import ModerationPolicy
from pixforge.domain.spec import Mode, VideoSource
from pixforge.domain.status import VideoStatus
from pixforge.media.images import load_rgb
from pixforge.media.probe import MediaInfo, ProbeError, probe
from pixforge.media.segment import has_subject
from pixforge.media.video import frame_at
from pixforge.storage.base import BlobNotFoundError, BlobStore
from pixforge.store import generations as generation_repo
from pixforge.store import masks as mask_repo
from pixforge.store import uploads as upload_repo
from pixforge.store.db import Connection
from pixforge.store.uploads import FileRow


def facts_of(info: MediaInfo) -> MediaFacts:
    """What the manifest keeps of a probe."""
    video = info.video
    if video is None:
        return MediaFacts(
            duration_s=info.duration_s, has_video=False, has_audio=info.audio is not None
        )
    return MediaFacts(
        duration_s=info.duration_s,
        has_video=True,
        has_audio=info.audio is not None,
        width=video.width,
        height=video.height,
        fps=video.fps or 0.0,
        # Containers without a frame count in their header: estimated from the length.
        frame_count=video.frame_count or round(info.duration_s * (video.fps or 24)),
        codec=video.codec,
    )


@dataclass(frozen=True, slots=True)
class _Media:
    video: StoredVideo | None
    audio: StoredAudio | None
    mask_key: str | None
    more_mask_keys: tuple[str, ...] = ()
    videos: tuple[StoredVideo, ...] = ()


def images(conn: Connection, account_id: int, needs: Needs) -> tuple[StoredImage, ...]:
    """Every referenced image, checked to be an image of the caller's (400032 otherwise)."""
    found: list[StoredImage] = []
    for image in needs.images:
        upload = upload_repo.get_upload(conn, image.image_id)
        file = upload_repo.get_file(conn, upload.file_token) if upload else None
        if upload is None or upload.account_id != account_id or upload.kind != "image" or not file:
            raise UnknownImageError(
                f"{image.field}: image {image.image_id} does not exist or does not belong to "
                "this account"
            )
        found.append(
            StoredImage(image.image_id, file.storage_key, upload.width or 0, upload.height or 0)
        )
    if needs.image_required and not any(i.width and i.height for i in found):
        raise UnknownImageError("img_id: an image is required for this mode")
    return tuple(found)


def media(conn: Connection, blobs: BlobStore, account_id: int, needs: Needs) -> _Media:
    """The source video, the audio and the swap mask a request names."""
    video = None
    if needs.video is not None:
        video = _source_video(conn, blobs, account_id, needs.video)
        assert needs.video_limits is not None
        field = "source_video_id" if needs.video.video_id is not None else "video_media_id"
        check_source(field, video, needs.video_limits)
    audio = _audio(conn, account_id, needs.audio_media_id) if needs.audio_media_id else None
    mask_key = None
    if needs.mask is not None:
        assert needs.video is not None
        mask_key = _mask(conn, account_id, needs.video, needs.mask.mask_id, needs.mask.keyframe)
    keys = []
    for index, need in enumerate(needs.masks):
        assert needs.video is not None
        field = f"mask_ids.{index}"
        keys.append(_mask(conn, account_id, needs.video, need.mask_id, need.keyframe, field))
    if keys:
        mask_key = keys[0]
    references = []
    for prefix, source in needs.reference_videos:
        reference = _source_video(conn, blobs, account_id, source, prefix)
        assert needs.reference_video_limits is not None
        check_source(prefix + _source_field(source), reference, needs.reference_video_limits)
        references.append(reference)
    return _Media(video, audio, mask_key, tuple(keys[1:]), tuple(references))


def manifest_of(stored_images: tuple[StoredImage, ...], found: _Media) -> JobManifest:
    return JobManifest(
        stored_images,
        found.video,
        found.audio,
        found.mask_key,
        found.more_mask_keys,
        found.videos,
    )


def _source_field(source: VideoSource) -> str:
    return "source_video_id" if source.video_id is not None else "video_media_id"


def _source_video(
    conn: Connection, blobs: BlobStore, account_id: int, source: VideoSource, prefix: str = ""
) -> StoredVideo:
    """The video a request names; `prefix` is where its id sits in the body (for errors)."""
    prompt = ""
    if source.video_id is not None:
        field = prefix + "source_video_id"
        row = generation_repo.get_generation(conn, source.video_id)
        if (
            row is None
            or row.account_id != account_id
            or row.status != VideoStatus.SUCCEEDED
            or row.output_token is None
            or row.mode == Mode.IMAGE_TEMPLATE.value
        ):
            raise InvalidParameterError(
                f"{field}: couldn't find a matching source_video_id {source.video_id} "
                "(it must be a finished video of this account)"
            )
        token, prompt = row.output_token, row.prompt
    else:
        assert source.media_id is not None
        field = prefix + "video_media_id"
        upload = upload_repo.get_upload(conn, source.media_id)
        if upload is None or upload.account_id != account_id:
            raise InvalidParameterError(
                f"{field}: couldn't find a matching video_media_id {source.media_id}"
            )
        if upload.kind != "video":
            raise InvalidParameterError(f"{field}: media {source.media_id} is not a video")
        token = upload.file_token
    file = upload_repo.get_file(conn, token)
    if file is None:
        raise InvalidParameterError(f"{field}: the video's file is no longer stored")
    facts = stored_facts(blobs, file, field)
    if not facts.has_video:
        raise InvalidParameterError(f"{field}: the file has no video track")
    return StoredVideo(
        key=file.storage_key,
        width=facts.width,
        height=facts.height,
        duration_s=facts.duration_s,
        fps=facts.fps,
        frame_count=facts.frame_count,
        has_audio=facts.has_audio,
        codec=facts.codec,
        size_bytes=file.size_bytes,
        prompt=prompt,
    )


def stored_facts(blobs: BlobStore, file: FileRow, field: str) -> MediaFacts:
    """The probed facts kept with a file, or probed now for files stored before they were."""
    if file.media_json:
        return facts_from_json(file.media_json)
    try:
        with blobs.materialize(file.storage_key) as path:
            return facts_of(probe(path))
    except BlobNotFoundError as error:
        raise InvalidParameterError(f"{field}: the video's file is no longer stored") from error
    except ProbeError as error:
        raise InvalidParameterError(f"{field}: the video cannot be read") from error


def _audio(conn: Connection, account_id: int, media_id: int) -> StoredAudio:
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
    check_length_and_size("audio_media_id", duration_s, file.size_bytes, AUDIO_LIMITS)
    return StoredAudio(file.storage_key, duration_s, file.size_bytes)


def _mask(
    conn: Connection,
    account_id: int,
    source: VideoSource,
    mask_id: str,
    keyframe: int | None,
    field: str = "mask_id",
) -> str:
    mask = mask_repo.get_mask(conn, mask_id)
    file = upload_repo.get_file(conn, mask.file_token) if mask else None
    if (
        mask is None
        or file is None
        or mask.account_id != account_id
        or mask.source_video_id != source.video_id
        or mask.source_media_id != source.media_id
        or mask.keyframe != keyframe
    ):
        raise InvalidParameterError(
            f"{field}: {mask_id[:40]!r} did not come from a mask selection of this "
            "source video and keyframe_id"
        )
    return file.storage_key


def check_subjects(blobs: BlobStore, manifest: JobManifest) -> None:
    """Mimic needs a clear subject in the character image (701002) and in the reference video's
    first frame (701003); both are looked for with the swap segmentation. Slow: call it outside
    any transaction."""
    assert manifest.images and manifest.video is not None
    with blobs.materialize(manifest.images[0].key) as image_path:
        image = np.asarray(load_rgb(image_path), np.uint8)
    if not has_subject(image):
        raise MimicSubjectError(
            "img_id: the image has no clear subject (a person or an animal) to animate"
        )
    with blobs.materialize(manifest.video.key) as video_path:
        first = frame_at(video_path, 0)
    if not has_subject(first):
        raise MimicMotionError("the reference video has no clear subject whose motion to copy")


def check_moderation(
    blobs: BlobStore,
    policy: ModerationPolicy,
    needs: Needs,
    manifest: JobManifest,
    texts: tuple[str, ...] | None,
) -> None:
    """Refuse inputs moderation blocks, before anything is charged: a listed image (500054),
    a listed source video or, when `texts` are given, a blocked term (500063). Reads the
    files only when digests are listed; call it outside any transaction."""
    if texts is not None:
        term = policy.blocked_term(*texts)
        if term is not None:
            raise InputModerationError(
                f"prompt: the request's text did not pass content moderation ({term!r})"
            )
    if not policy.blocked_digests:
        return
    for reference, image in zip(needs.images, manifest.images, strict=False):
        if policy.blocked_file(_digest(blobs, image.key)):
            raise ImageModerationError(
                f"{reference.field}: image {reference.image_id} did not pass content moderation"
            )
    if manifest.video is not None and needs.video is not None:
        field = "source_video_id" if needs.video.video_id is not None else "video_media_id"
        if policy.blocked_file(_digest(blobs, manifest.video.key)):
            raise InputModerationError(f"{field}: the video did not pass content moderation")
    for (prefix, source), video in zip(needs.reference_videos, manifest.videos, strict=False):
        if policy.blocked_file(_digest(blobs, video.key)):
            raise InputModerationError(
                f"{prefix}{_source_field(source)}: the video did not pass content moderation"
            )


def _digest(blobs: BlobStore, key: str) -> str:
    sha = hashlib.sha256()
    for chunk in blobs.read(key):
        sha.update(chunk)
    return sha.hexdigest()
