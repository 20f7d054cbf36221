"""Preview engine: a deterministic CPU renderer (not an AI model) honouring every request option.

Text-to-video draws a procedural scene from (prompt, seed); image-to-video moves the requested
camera over the uploaded image starting exactly on it; transitions morph the first image into the
last along optical flow. Style, effect template, watermark, caption and sound are applied on top.
Frames stream into the encoder one at a time, so memory stays flat whatever the duration.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from pixforge.domain.catalogue import RESTYLES_BY_ID, restyle_for_prompt
from pixforge.domain.rules import Template
from pixforge.domain.spec import Mode, RenderJob
from pixforge.engines.base import EngineConfig, ProgressFn, RenderResult
from pixforge.engines.preview._cv import cv2, u8
from pixforge.engines.preview.audio import synthesize
from pixforge.engines.preview.camera import CameraPath, camera_frames, moving_camera, path_for
from pixforge.engines.preview.edits import (
    chained_transitions,
    fused,
    mimicked,
    motion_track,
    restyled,
    subject_cutout,
    swapped,
    track_region,
)
from pixforge.engines.preview.overlay import Patch, caption, watermark
from pixforge.engines.preview.scene import SceneParams, scene_frames
from pixforge.engines.preview.styles import STYLES
from pixforge.engines.preview.transition import transition_frames
from pixforge.engines.preview.voice import loudness_per_frame, moving_mouth, voice
from pixforge.media.encode import AUDIO_RATE_HZ, VideoEncoder, prefetched
from pixforge.media.images import cover, load_rgb
from pixforge.media.segment import jpeg, read_mask, segment
from pixforge.media.video import decode_audio, fit_length, frames_at_rate, last_frame

Frame = NDArray[np.uint8]
Samples = NDArray[np.float32]
FAST_SPEED = 2.0
TRACK_SIDE_PX = 320


class PreviewEngine:
    """Renders every mode on the CPU; identical (job, seed) gives identical bytes."""

    name = "preview"

    def __init__(self, config: EngineConfig) -> None:
        self.config = config

    def render(self, job: RenderJob, out_path: Path, progress: ProgressFn) -> RenderResult:
        spec, out = job.spec, job.output
        template = self.config.templates.get(spec.template_id) if spec.template_id else None
        if spec.mode is Mode.IMAGE_TEMPLATE:
            assert template is not None
            out_path.write_bytes(jpeg(self._template_picture(job, template)))
            progress(1.0)
            return RenderResult(has_audio=False)
        audio = self._audio(job, template)
        frames = self._finished_frames(job, template)
        if spec.mode is Mode.LIP_SYNC or (spec.lip_sync_switch and audio is not None):
            assert audio is not None
            frames = moving_mouth(frames, loudness_per_frame(audio, out.fps, out.frame_count))
        encoder_settings = self.config.encoder
        with VideoEncoder(
            out_path, out.width, out.height, out.fps, encoder_settings, audio=audio
        ) as encoder:
            step = max(1, out.frame_count // 20)
            for index, frame in enumerate(prefetched(frames, depth=4)):
                encoder.write(frame)
                if index % step == 0:
                    progress(index / out.frame_count)
        progress(1.0)
        return RenderResult(has_audio=audio is not None)

    def _audio(self, job: RenderJob, template: Template | None) -> Samples | None:
        """The clip's sound track, exactly the video's length, or None for a silent clip."""
        spec, out = job.spec, job.output
        length = round(out.duration_s * AUDIO_RATE_HZ)

        def original() -> Samples | None:
            """The source video's own sound, decoded only by the modes that keep it."""
            if job.video is None or not job.video.has_audio:
                return None
            return decode_audio(Path(job.video.path), AUDIO_RATE_HZ)

        if spec.mode is Mode.LIP_SYNC:
            if job.audio_path is not None:
                voice = decode_audio(Path(job.audio_path), AUDIO_RATE_HZ)
                if voice is None:
                    raise ValueError("the audio upload has no audio track")
            else:
                voice = self._voice(spec.lip_sync_tts_content, spec.lip_sync_tts_speaker_id, job)
            return fit_length(voice, length)
        if spec.mode is Mode.SOUND_EFFECT:
            prompt = job.video.prompt if job.video is not None else ""
            effect = synthesize(spec.sound_effect_content or prompt, job.seed, out.duration_s)
            kept = original() if spec.original_sound else None
            if kept is not None:
                return fit_length(0.55 * fit_length(kept, length) + 0.55 * effect, length)
            return fit_length(effect, length)
        if spec.mode in (Mode.SWAP, Mode.RESTYLE):
            keep = spec.original_sound if spec.mode is Mode.SWAP else True
            kept = original() if keep else None
            return fit_length(kept, length) if kept is not None else None
        if spec.lip_sync_switch and spec.lip_sync_tts_content:
            voice = self._voice(spec.lip_sync_tts_content, spec.lip_sync_tts_speaker_id, job)
            return fit_length(voice, length)
        if spec.sound_effect_switch:
            content = spec.sound_effect_content or (template.prompt if template else spec.prompt)
            return fit_length(synthesize(content, job.seed, out.duration_s), length)
        return None

    def _template_picture(self, job: RenderJob, template: Template) -> Frame:
        """The images side by side (one panel each), in the template's style and effect."""
        out = job.output
        count = len(job.images)
        edges = [round(i * out.width / count) for i in range(count + 1)]
        panels = [
            cover(load_rgb(Path(image.path)), edges[i + 1] - edges[i], out.height)
            for i, image in enumerate(job.images)
        ]
        picture = np.concatenate(panels, axis=1)
        patches: list[Patch] = []
        if job.spec.water_mark:
            patches.append(watermark(out.width, out.height))
        # The effect at its midpoint, as a still would show it.
        frames = _post(
            iter([picture, picture, picture]), template.style, template.effect, patches, 3
        )
        next(frames)
        return next(frames)

    def _voice(self, text: str, speaker_id: str, job: RenderJob) -> Samples:
        return voice(text, speaker_id or "Auto", job.seed, self.config.tts_engine)

    def close(self) -> None:
        """Nothing to release: the preview engine holds no model."""

    def _finished_frames(self, job: RenderJob, template: Template | None) -> Iterator[Frame]:
        spec, out = job.spec, job.output
        speed = FAST_SPEED if spec.motion_mode == "fast" else 1.0
        camera_name = spec.camera_movement if spec.camera_movement not in ("", "default") else ""
        if template is not None and not camera_name:
            camera_name = template.camera
        path = path_for(camera_name, job.seed)
        if spec.mode is Mode.TEXT:
            prompt = spec.prompt or (template.prompt if template else "")
            scene = scene_frames(
                prompt,
                spec.negative_prompt,
                job.seed,
                SceneParams(out.width, out.height, out.frame_count, speed),
            )
            frames = moving_camera(scene, out.frame_count, path, speed) if camera_name else scene
        elif spec.mode is Mode.IMAGE:
            image = cover(load_rgb(Path(job.images[0].path)), out.width, out.height)
            frames = camera_frames(image, out.frame_count, path, speed)
        elif spec.mode is Mode.TRANSITION:
            first = cover(load_rgb(Path(job.images[0].path)), out.width, out.height)
            last = cover(load_rgb(Path(job.images[-1].path)), out.width, out.height)
            frames = transition_frames(first, last, out.frame_count)
        else:
            frames = self._feature_frames(job, path, speed)
        style = spec.style or (template.style if template else "")
        effect = template.effect if template else ""
        patches: list[Patch] = []
        if self.config.caption and spec.prompt:
            patches.append(caption(spec.prompt, out.width, out.height))
        if spec.water_mark:
            patches.append(watermark(out.width, out.height))
        return _post(frames, style, effect, patches, out.frame_count)

    def _feature_frames(self, job: RenderJob, path: CameraPath, speed: float) -> Iterator[Frame]:
        spec, out = job.spec, job.output
        size = (out.width, out.height)
        if spec.mode is Mode.EXTEND:
            assert job.video is not None
            start = cover(Image.fromarray(last_frame(Path(job.video.path))), *size)
            return camera_frames(start, out.frame_count, path, speed)
        if spec.mode is Mode.MULTI_TRANSITION:
            keyframes = [cover(load_rgb(Path(image.path)), *size) for image in job.images]
            counts = [seconds * out.fps for seconds in spec.segment_durations_s[:-1]]
            return chained_transitions(keyframes, counts)
        if spec.mode is Mode.FUSION:
            return self._fusion_frames(job, path)
        assert job.video is not None
        if spec.mode is Mode.MIMIC:
            return self._mimic_frames(job)
        source = frames_at_rate(
            Path(job.video.path),
            out.width,
            out.height,
            out.fps,
            out.frame_count,
            bounce=spec.mode is Mode.LIP_SYNC,
        )
        if spec.mode is Mode.RESTYLE:
            look = RESTYLES_BY_ID.get(spec.restyle_id or 0) or restyle_for_prompt(
                spec.restyle_prompt
            )
            return restyled(source, look)
        if spec.mode is Mode.SWAP:
            assert job.mask_path is not None
            mask = read_mask(Path(job.mask_path).read_bytes())
            replacement = np.asarray(load_rgb(Path(job.images[0].path)), np.uint8)
            return swapped(source, mask, replacement, self._track(job, mask))
        return source

    def _mimic_frames(self, job: RenderJob) -> Iterator[Frame]:
        """The character image's subject moves as the reference video's subject does."""
        assert job.video is not None
        out = job.output
        image = cover(load_rgb(Path(job.images[0].path)), out.width, out.height)
        subjects = [r for r in segment(image) if r.name != "background"]
        if not subjects:
            raise ValueError("the character image has no subject to animate")
        # The reference's motion, measured in its own frame so it reads the same at any size.
        reference = (job.video.width, job.video.height)
        greys, _ = self._greys(job, reference)
        # Shifts are in the small grey frame: as fractions of it, applied to the output.
        scale_x, scale_y = out.width / greys[0].shape[1], out.height / greys[0].shape[0]
        moves = [(dx * scale_x, dy * scale_y) for dx, dy in motion_track(greys)]
        return mimicked(image, subjects[0].mask, moves)

    def _greys(
        self, job: RenderJob, frame_size: tuple[int, int]
    ) -> tuple[list[NDArray[np.uint8]], float]:
        """A small grey copy of the source at the output's rate, and its scale."""
        assert job.video is not None
        out = job.output
        width, height = frame_size
        scale = min(1.0, TRACK_SIDE_PX / max(width, height))
        size = (max(8, round(width * scale)), max(8, round(height * scale)))
        greys = [
            u8(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY))
            for frame in frames_at_rate(Path(job.video.path), *size, out.fps, out.frame_count)
        ]
        return greys, scale

    def _track(self, job: RenderJob, mask: NDArray[np.bool_]) -> list[tuple[float, float]]:
        """A region's shift per output frame, from the keyframe it was drawn on."""
        assert job.video is not None
        out = job.output
        greys, scale = self._greys(job, (out.width, out.height))
        inside = np.asarray(
            cv2.resize(
                mask.astype(np.uint8), greys[0].shape[::-1], interpolation=cv2.INTER_NEAREST
            ),
            bool,
        )
        # A keyframe index counts the source's own frames; map it to the output's 24 fps.
        source_fps = job.video.frame_count / job.video.duration_s if job.video.frame_count else 24
        start = min(len(greys) - 1, round(((job.spec.keyframe or 1) - 1) * out.fps / source_fps))
        shifts = track_region(greys, max(0, start), inside)
        return [(dx / scale, dy / scale) for dx, dy in shifts]

    def _fusion_frames(self, job: RenderJob, path: CameraPath) -> Iterator[Frame]:
        spec, out = job.spec, job.output
        background: Iterator[Frame] | None = None
        subjects = []
        for image, kind in zip(job.images, spec.ref_kinds, strict=True):
            pixels = np.asarray(load_rgb(Path(image.path)), np.uint8)
            if kind == "background":
                still = cover(Image.fromarray(pixels), out.width, out.height)
                background = camera_frames(still, out.frame_count, path, 1.0)
            else:
                subjects.append(subject_cutout(_bounded(pixels, 480)))
        if background is None:
            params = SceneParams(out.width, out.height, out.frame_count, 1.0)
            background = scene_frames(spec.prompt, spec.negative_prompt, job.seed, params)
        return fused(background, subjects, out.frame_count)


def _bounded(pixels: Frame, side: int) -> Frame:
    height, width = pixels.shape[:2]
    scale = min(1.0, side / max(height, width))
    if scale == 1.0:
        return pixels
    size = (max(2, int(width * scale)), max(2, int(height * scale)))
    return u8(cv2.resize(pixels, size, interpolation=cv2.INTER_AREA))


def _post(
    frames: Iterator[Frame], style: str, effect: str, patches: list[Patch], frame_count: int
) -> Iterator[Frame]:
    style_filter = STYLES.get(style)
    vignette = _vignette(frames) if effect == "vignette" else None
    total = max(1, frame_count - 1)
    for index, frame in enumerate(frames if vignette is None else vignette[1]):
        if style_filter is not None:
            frame = style_filter(frame)
        if effect:
            frame = _effect(frame, effect, index / total, vignette[0] if vignette else None)
        if patches:
            frame = np.ascontiguousarray(frame).copy()
            for patch in patches:
                patch.apply(frame)
        yield frame


def _vignette(frames: Iterator[Frame]) -> tuple[NDArray[np.float32], Iterator[Frame]]:
    first = next(frames)
    height, width = first.shape[:2]
    ys, xs = np.ogrid[:height, :width]
    r2 = ((xs - width / 2) / (width / 2)) ** 2 + ((ys - height / 2) / (height / 2)) ** 2
    mask = np.clip(1.0 - 0.45 * r2, 0.35, 1.0).astype(np.float32)[..., None]

    def chained() -> Iterator[Frame]:
        yield first
        yield from frames

    return mask, chained()


def _effect(frame: Frame, effect: str, t: float, mask: NDArray[np.float32] | None) -> Frame:
    if effect == "vignette" and mask is not None:
        return (frame.astype(np.float32) * mask).astype(np.uint8)
    if effect == "pulse":
        gain = 1.0 + 0.18 * math.sin(2 * math.pi * 2.0 * t) ** 2
        return u8(cv2.convertScaleAbs(frame, alpha=gain, beta=0))
    if effect == "flash":
        flash = max(0.0, 1.0 - abs(t - 0.3) / 0.08)
        return u8(
            cv2.addWeighted(frame, 1.0 - 0.6 * flash, np.full_like(frame, 255), 0.6 * flash, 0)
        )
    if effect == "shake":
        height, width = frame.shape[:2]
        amplitude = 0.012 * min(width, height) * (1.0 - t)
        dx = amplitude * math.sin(2 * math.pi * 7 * t)
        dy = amplitude * math.cos(2 * math.pi * 5 * t)
        matrix = np.array([[1.03, 0, dx - width * 0.015], [0, 1.03, dy - height * 0.015]])
        return u8(cv2.warpAffine(frame, matrix, (width, height), borderMode=cv2.BORDER_REFLECT_101))
    return frame
