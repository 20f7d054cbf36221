"""The playground's forms: one per generation type, each field with its allowed values from
`pixforge.values`, and the conversion of a submitted form into the API's own request model
(so validation, prices and error codes are the API's).

A form's field names are the wire names; list fields are spelled `name.N` (a list of values)
or `name.N.sub` (a list of objects), as the browser submits them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from pixforge.api.envelope import from_pydantic
from pixforge.api.v2.generate import GENERATE_ROUTES
from pixforge.api.v2.schemas.common import SpecRequest
from pixforge.domain.catalogue import RESTYLES, TTS_SPEAKERS
from pixforge.domain.spec import Mode
from pixforge.values import (
    CAMERA_MOVEMENTS,
    FUSION_MODELS,
    FUSION_REFERENCE_KINDS,
    MIMIC_QUALITIES,
    MODELS,
    MOTION_MODES,
    MULTI_TRANSITION_MODELS,
    QUALITIES,
    STYLES,
    SWAP_QUALITIES,
    WIDE_ASPECT_RATIOS,
)


@dataclass(frozen=True, slots=True)
class Field:
    """One form control. `kind`: text, textarea, select, number, check, image (an upload that
    fills an image id), video / audio (an upload that fills a media id), source (a video of
    the account's or an upload), masks (the swap's mask selection)."""

    name: str
    label: str
    kind: str = "text"
    options: Sequence[tuple[str, str]] = ()
    required: bool = False
    default: str = ""
    hint: str = ""
    # Filled by the model rules in the browser (duration, aspect_ratio, motion, camera).
    rule: str = ""


@dataclass(frozen=True, slots=True)
class ModeForm:
    mode: Mode
    title: str
    request: type[SpecRequest]
    fields: tuple[Field, ...]
    blurb: str = ""
    # Repeated groups: (prefix, how many, fields) -> names `prefix.N.field`.
    groups: tuple[tuple[str, int, int, tuple[Field, ...]], ...] = field(default=())


def _opts(values: Sequence[str], blank: str | None = None) -> tuple[tuple[str, str], ...]:
    head = (("", blank),) if blank is not None else ()
    return head + tuple((v, v) for v in values)


PROMPT = Field("prompt", "Prompt", "textarea", required=True, hint="What the video shows")
NEGATIVE = Field("negative_prompt", "Negative prompt", "textarea")
SEED = Field("seed", "Seed", "number", hint="Empty: a random seed")
WATERMARK = Field("water_mark", "Watermark", "check")


def _launch(models: Sequence[str] = MODELS, aspect: bool = False) -> tuple[Field, ...]:
    fields = [
        Field("model", "Model", "select", _opts(models), required=True, default="v5"),
        Field("quality", "Quality", "select", _opts(QUALITIES), required=True, default="540p"),
        Field("duration", "Duration (s)", "select", _opts(["5", "8"]), True, "5", rule="duration"),
    ]
    if aspect:
        fields.append(
            Field(
                "aspect_ratio",
                "Aspect ratio",
                "select",
                _opts(WIDE_ASPECT_RATIOS),
                True,
                "16:9",
                rule="aspect",
            )
        )
    fields += [
        Field(
            "motion_mode", "Motion", "select", _opts(MOTION_MODES), default="normal", rule="motion"
        ),
        Field("style", "Style", "select", _opts(STYLES, "none")),
        Field(
            "camera_movement",
            "Camera movement",
            "select",
            _opts(CAMERA_MOVEMENTS, "none"),
            rule="camera",
        ),
    ]
    return tuple(fields)


SOURCE = Field(
    "source",
    "Source video",
    "source",
    required=True,
    hint="One of your videos, or drop a video file",
)


def _request(mode: Mode) -> type[SpecRequest]:
    path = {
        Mode.TEXT: "/video/text/generate",
        Mode.IMAGE: "/video/img/generate",
        Mode.TRANSITION: "/video/transition/generate",
        Mode.EXTEND: "/video/extend/generate",
        Mode.LIP_SYNC: "/video/lip_sync/generate",
        Mode.SOUND_EFFECT: "/video/sound_effect/generate",
        Mode.FUSION: "/video/fusion/generate",
        Mode.RESTYLE: "/video/restyle/generate",
        Mode.MULTI_TRANSITION: "/video/multi_transition/generate",
        Mode.SWAP: "/video/swap/generate",
        Mode.MIMIC: "/video/mimic/generate",
        Mode.IMAGE_TEMPLATE: "/image/template/generate",
    }[mode]
    return next(r.request for r in GENERATE_ROUTES if r.path == path)


def api_path(mode: Mode) -> str:
    """The API path of a mode's generate endpoint (for copy-as commands)."""
    request = _request(mode)
    return "/openapi/v2" + next(r.path for r in GENERATE_ROUTES if r.request is request)


FORMS: dict[Mode, ModeForm] = {
    form.mode: form
    for form in (
        ModeForm(
            Mode.TEXT,
            "Text to video",
            _request(Mode.TEXT),
            (
                PROMPT,
                NEGATIVE,
                *_launch(aspect=True),
                SEED,
                WATERMARK,
                Field("sound_effect_switch", "Add sound", "check"),
                Field("sound_effect_content", "Sound description"),
            ),
            "A video from a prompt.",
        ),
        ModeForm(
            Mode.IMAGE,
            "Image to video",
            _request(Mode.IMAGE),
            (
                Field("img_id", "Image", "image", required=True),
                Field("prompt", "Prompt", "textarea"),
                NEGATIVE,
                *_launch(),
                SEED,
                WATERMARK,
            ),
            "Animate a still image.",
        ),
        ModeForm(
            Mode.TRANSITION,
            "First and last frame",
            _request(Mode.TRANSITION),
            (
                Field("first_frame_img", "First frame", "image", required=True),
                Field("last_frame_img", "Last frame", "image", required=True),
                Field("prompt", "Prompt", "textarea"),
                *_launch(),
                SEED,
                WATERMARK,
            ),
            "A video that moves from one picture to another.",
        ),
        ModeForm(
            Mode.EXTEND,
            "Extend a video",
            _request(Mode.EXTEND),
            (SOURCE, Field("prompt", "Prompt", "textarea"), *_launch(), SEED),
            "Continue a video.",
        ),
        ModeForm(
            Mode.LIP_SYNC,
            "Lip sync",
            _request(Mode.LIP_SYNC),
            (
                SOURCE,
                Field(
                    "audio_media_id",
                    "Voice track",
                    "audio",
                    hint="Drop an audio file, or pick a voice and a text below",
                ),
                Field(
                    "lip_sync_tts_speaker_id",
                    "Voice",
                    "select",
                    (
                        ("", "none: use the voice track"),
                        *((s.speaker_id, s.name) for s in TTS_SPEAKERS),
                    ),
                ),
                Field("lip_sync_tts_content", "Text to speak", "textarea"),
                SEED,
            ),
            "Make the face in a video speak.",
        ),
        ModeForm(
            Mode.SOUND_EFFECT,
            "Sound effect",
            _request(Mode.SOUND_EFFECT),
            (
                SOURCE,
                Field("sound_effect_content", "Sound description"),
                Field("original_sound_switch", "Keep the original sound", "check"),
                SEED,
            ),
            "Add a sound track to a video.",
        ),
        ModeForm(
            Mode.FUSION,
            "Fusion",
            _request(Mode.FUSION),
            (PROMPT, *_launch(FUSION_MODELS, aspect=True), SEED, WATERMARK),
            "Combine subjects and a background; name them in the prompt with @name.",
            groups=(
                (
                    "image_references",
                    1,
                    3,
                    (
                        Field("img_id", "Image", "image"),
                        Field("ref_name", "Name"),
                        Field(
                            "type",
                            "Kind",
                            "select",
                            _opts(FUSION_REFERENCE_KINDS),
                            default="subject",
                        ),
                    ),
                ),
            ),
        ),
        ModeForm(
            Mode.RESTYLE,
            "Restyle",
            _request(Mode.RESTYLE),
            (
                SOURCE,
                Field(
                    "restyle_id",
                    "Effect",
                    "select",
                    tuple((str(r.restyle_id), r.name) for r in RESTYLES),
                ),
                Field("restyle_prompt", "Or describe a look", "textarea"),
                SEED,
            ),
            "Give a video another look.",
        ),
        ModeForm(
            Mode.MULTI_TRANSITION,
            "Multi-keyframe",
            _request(Mode.MULTI_TRANSITION),
            (
                Field("model", "Model", "select", _opts(MULTI_TRANSITION_MODELS), True, "v4.5"),
                Field("quality", "Quality", "select", _opts(QUALITIES), True, "540p"),
                Field("motion_mode", "Motion", "select", _opts(MOTION_MODES), default="normal"),
                SEED,
                WATERMARK,
            ),
            "A video through 2 to 7 keyframes (the last one has no duration).",
            groups=(
                (
                    "multi_transition",
                    2,
                    7,
                    (
                        Field("img_id", "Keyframe", "image"),
                        Field("duration", "Seconds to the next", "number", default="3"),
                        Field("prompt", "Prompt"),
                    ),
                ),
            ),
        ),
        ModeForm(
            Mode.SWAP,
            "Swap a region",
            _request(Mode.SWAP),
            (
                SOURCE,
                Field("masks", "Region", "masks", required=True),
                Field("img_id", "Replacement image", "image", required=True),
                Field("quality", "Quality", "select", _opts(SWAP_QUALITIES), True, "540p"),
                Field("original_sound_switch", "Keep the original sound", "check"),
                SEED,
            ),
            "Replace a region of a video with an image.",
        ),
        ModeForm(
            Mode.MIMIC,
            "Motion control",
            _request(Mode.MIMIC),
            (
                SOURCE,
                Field("img_id", "Subject image", "image", required=True),
                Field("quality", "Quality", "select", _opts(MIMIC_QUALITIES), True, "540p"),
                SEED,
            ),
            "Make the subject of an image move like the video.",
        ),
        ModeForm(
            Mode.IMAGE_TEMPLATE,
            "Image template",
            _request(Mode.IMAGE_TEMPLATE),
            (Field("template_id", "Template", "template", required=True), WATERMARK),
            "Turn photos into a picture with an activated template.",
            groups=(("img_ids", 1, 3, (Field("", "Photo", "image"),)),),
        ),
    )
}


def _put(body: dict[str, Any], name: str, value: Any) -> None:
    """`a` -> body[a]; `a.N` -> body[a][N]; `a.N.b` -> body[a][N][b] (N: ints, lists later)."""
    parts = name.split(".")
    if len(parts) == 1:
        body[name] = value
    elif len(parts) == 2 and parts[1].isdigit():
        body.setdefault(parts[0], {})[int(parts[1])] = value
    elif len(parts) == 3 and parts[1].isdigit():
        body.setdefault(parts[0], {}).setdefault(int(parts[1]), {})[parts[2]] = value


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        if value and all(isinstance(k, int) for k in value):
            return [_lists(value[k]) for k in sorted(value)]
        return {k: _lists(v) for k, v in value.items()}
    return value


def payload(form: ModeForm, data: Mapping[str, str]) -> dict[str, Any]:
    """The wire body a submitted form stands for: empty values left out, check boxes as
    booleans, `name.N.sub` fields as lists (entries left empty dropped)."""
    checks = {f.name for f in form.fields if f.kind == "check"}
    body: dict[str, Any] = {}
    for name, raw in data.items():
        if name in ("csrf", "source", "masks") or name.startswith("_"):
            continue
        text = raw.strip()
        if text == "":
            continue
        _put(body, name, text in ("on", "true", "1") if name in checks else text)
    body = _lists(body)
    for prefix, _min, _max, fields in form.groups:
        items = body.get(prefix)
        if isinstance(items, list):
            if fields and fields[0].name:
                # An entry without its image was left empty.
                items = [i for i in items if isinstance(i, dict) and i.get(fields[0].name)]
            if prefix == "multi_transition" and items:
                items[-1].pop("duration", None)  # the last keyframe takes none
            body[prefix] = items
    for name in checks:
        body.setdefault(name, False)
    # The video source: "v:<id>" one of the account's videos, "m:<id>" an uploaded file.
    source = str(data.get("source", "")).strip()
    if source.startswith("v:"):
        body["source_video_id"] = source[2:]
    elif source.startswith("m:"):
        body["video_media_id"] = source[2:]
    masks = str(data.get("masks", "")).strip()
    if ":" in masks:
        body["keyframe_id"], body["mask_id"] = masks.split(":", 1)
    return body


def to_request(form: ModeForm, body: dict[str, Any]) -> SpecRequest:
    """The API's request model for a body, or the PixforgeError the API would answer."""
    try:
        return form.request.model_validate(body)
    except ValidationError as error:
        raise from_pydantic(error) from error
