"""A stored generation's options as the API request that makes it again, and that request as a
curl, Python SDK and CLI command (the gallery's "copy as")."""

from __future__ import annotations

import json
import shlex
from typing import Any

from pixforge.console.forms import api_path
from pixforge.domain.spec import (
    ExtendSpec,
    FusionSpec,
    GenerationSpec,
    ImageSpec,
    ImageTemplateSpec,
    LipSyncSpec,
    MimicSpec,
    Mode,
    MultiTransitionSpec,
    RestyleSpec,
    SoundEffectSpec,
    SwapSpec,
    TextSpec,
    TransitionSpec,
    VideoSource,
)


def _source(source: VideoSource) -> dict[str, Any]:
    if source.video_id:
        return {"source_video_id": source.video_id}
    return {"video_media_id": source.media_id}


def wire_body(spec: GenerationSpec) -> dict[str, Any]:
    """The JSON body of the API request with these options (what was sent, normalised)."""
    body: dict[str, Any] = {}
    feature = spec.feature
    if isinstance(feature, TextSpec | ImageSpec | TransitionSpec | ExtendSpec | FusionSpec):
        options = spec.options
        body |= {"model": spec.model, "quality": spec.quality, "duration": spec.duration_s}
        if spec.prompt:
            body["prompt"] = spec.prompt
        if options.negative_prompt:
            body["negative_prompt"] = options.negative_prompt
        if options.motion_mode != "normal":
            body["motion_mode"] = options.motion_mode
        for name in ("style", "camera_movement", "sound_effect_content"):
            if getattr(options, name):
                body[name] = getattr(options, name)
        if options.sound_effect_switch:
            body["sound_effect_switch"] = True
        if options.template_id:
            body["template_id"] = options.template_id
    if isinstance(feature, TextSpec | FusionSpec) and feature.aspect_ratio:
        body["aspect_ratio"] = feature.aspect_ratio
    if isinstance(feature, ImageSpec):
        if len(feature.images) == 1:
            body["img_id"] = feature.images[0].image_id
        else:
            body["img_ids"] = [i.image_id for i in feature.images]
    elif isinstance(feature, TransitionSpec):
        body["first_frame_img"] = feature.first.image_id
        body["last_frame_img"] = feature.last.image_id
    elif isinstance(feature, ExtendSpec):
        body |= _source(feature.source)
    elif isinstance(feature, FusionSpec):
        body["image_references"] = [
            {"type": r.kind, "img_id": r.image.image_id, "ref_name": r.name}
            for r in feature.references
        ]
    elif isinstance(feature, LipSyncSpec):
        body |= _source(feature.source)
        if feature.audio_media_id:
            body["audio_media_id"] = feature.audio_media_id
        else:
            body["lip_sync_tts_speaker_id"] = feature.speaker_id
            body["lip_sync_tts_content"] = feature.tts_content
    elif isinstance(feature, SoundEffectSpec):
        body |= _source(feature.source)
        body["sound_effect_content"] = feature.content
        body["original_sound_switch"] = feature.original_sound
    elif isinstance(feature, RestyleSpec):
        body |= _source(feature.source)
        if feature.restyle_id:
            body["restyle_id"] = feature.restyle_id
        if feature.restyle_prompt:
            body["restyle_prompt"] = feature.restyle_prompt
    elif isinstance(feature, MultiTransitionSpec):
        body |= {"model": spec.model, "quality": spec.quality}
        body["multi_transition"] = [
            {"img_id": k.image.image_id, "duration": k.duration_s, "prompt": k.prompt}
            for k in feature.keyframes
        ]
    elif isinstance(feature, SwapSpec):
        body |= _source(feature.source)
        body |= {"keyframe_id": feature.keyframe, "mask_id": feature.mask_id}
        if feature.image:
            body["img_id"] = feature.image.image_id
        body["quality"] = spec.quality
    elif isinstance(feature, MimicSpec):
        body |= _source(feature.source)
        if feature.image:
            body["img_id"] = feature.image.image_id
        body["quality"] = spec.quality
    elif isinstance(feature, ImageTemplateSpec):
        body["template_id"] = feature.template_id
        body["img_ids"] = [i.image_id for i in feature.images]
    if spec.seed is not None and "seed" not in body:
        body["seed"] = spec.seed
    if spec.water_mark:
        body["water_mark"] = True
    return body


def curl_command(base_url: str, spec: GenerationSpec) -> str:
    body = json.dumps(wire_body(spec), ensure_ascii=False)
    return (
        f"curl -sS -X POST {shlex.quote(base_url + api_path(spec.mode))} \\\n"
        '  -H "API-KEY: $PIXVERSE_API_KEY" -H "Ai-trace-id: $(uuidgen)" \\\n'
        f"  -H 'Content-Type: application/json' \\\n  -d {shlex.quote(body)}"
    )


def sdk_snippet(base_url: str, spec: GenerationSpec) -> str:
    """Python: the SDK's own call for text and image to video, httpx posting the body for the
    other endpoints (the SDK names their arguments differently)."""
    body = wire_body(spec)
    if spec.mode is Mode.TEXT or (spec.mode is Mode.IMAGE and "img_id" in body):
        image = f"{body.pop('img_id')}, " if spec.mode is Mode.IMAGE else ""
        prompt = body.pop("prompt", "")
        args = "".join(f", {k}={v!r}" for k, v in body.items())
        call = "text_to_video" if spec.mode is Mode.TEXT else "image_to_video"
        return (
            "from pixforge.sdk import Client\n\n"
            f"client = Client(base_url={base_url!r})  # the key from PIXVERSE_API_KEY\n"
            f"video_id = client.{call}({image}{prompt!r}{args})"
        )
    return (
        "import os, uuid, httpx\n\n"
        f"answer = httpx.post(\n    {base_url + api_path(spec.mode)!r},\n"
        '    headers={"API-KEY": os.environ["PIXVERSE_API_KEY"], '
        '"Ai-trace-id": str(uuid.uuid4())},\n'
        f"    json={body!r},\n).json()"
    )


_CLI_OPTIONS = {
    "model": "--model",
    "quality": "--quality",
    "duration": "--duration",
    "aspect_ratio": "--aspect-ratio",
    "camera_movement": "--camera",
    "style": "--style",
    "motion_mode": "--motion",
    "seed": "--seed",
    "negative_prompt": "--negative-prompt",
    "template_id": "--template-id",
    "sound_effect_content": "--sound",
}


def cli_command(base_url: str, spec: GenerationSpec) -> str | None:
    """`pixforge generate text|image ...` for those two modes; None for the others."""
    body = wire_body(spec)
    if spec.mode is Mode.TEXT:
        words = ["pixforge", "generate", "text", body.pop("prompt", "")]
    elif spec.mode is Mode.IMAGE and "img_id" in body:
        words = ["pixforge", "generate", "image", str(body.pop("img_id"))]
        if body.get("prompt"):
            words += ["--prompt", body.pop("prompt")]
    else:
        return None
    for name, option in _CLI_OPTIONS.items():
        if name in body:
            words += [option, str(body[name])]
    if body.get("water_mark"):
        words.append("--water-mark")
    words += ["--base-url", base_url]
    return " ".join(shlex.quote(w) for w in words)
