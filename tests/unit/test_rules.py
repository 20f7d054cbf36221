"""Exhaustive checks of the model matrix and cross-field rules in domain/rules.py."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from pixforge.domain import rules
from pixforge.domain.errors import (
    InvalidParameterError,
    MissingParameterError,
    NegativePromptTooLongError,
    PixforgeError,
    PromptTooLongError,
    TemplateQualityError,
)
from pixforge.domain.spec import GenerationSpec, Mode
from tests.support.specs import flat_spec, validate

BASE: dict[str, object] = {
    "mode": Mode.TEXT,
    "model": "v4.5",
    "prompt": "a fox",
    "quality": "540p",
    "duration_s": 5,
    "aspect_ratio": "16:9",
}

# (model, duration, quality) -> allowed?, straight from spec §4.1.
EXPECTED_DURATIONS = {
    "v3.5": ({5, 8}, {5}),
    "v4": ({5, 8}, {5}),
    "v4.5": ({5, 8}, {5}),
    "v5": ({5, 8}, {5, 8}),
    "v5.5": ({5, 8, 10}, {5, 8}),
    "v5.6": ({5, 8, 10}, {5, 8}),
    "v6": (set(range(1, 16)), set(range(1, 16))),
    "c1": (set(range(1, 16)), set(range(1, 16))),
}


def spec(**changes: object) -> GenerationSpec:
    return flat_spec(**{**BASE, **changes})


def test_default_models_are_the_spec_list() -> None:
    assert list(rules.MODELS) == ["v3.5", "v4", "v4.5", "v5", "v5.5", "v5.6", "v6", "c1"]


@pytest.mark.parametrize(
    ("model", "duration", "quality"),
    list(itertools.product(EXPECTED_DURATIONS, range(0, 17), rules.QUALITY_SHORT_SIDE_PX)),
)
def test_duration_matrix(model: str, duration: int, quality: str) -> None:
    allowed, allowed_1080 = EXPECTED_DURATIONS[model]
    ok = duration in (allowed_1080 if quality == "1080p" else allowed)
    candidate = spec(model=model, duration_s=duration, quality=quality)
    if ok:
        validate(candidate)
    else:
        with pytest.raises(InvalidParameterError, match="duration"):
            validate(candidate)


@pytest.mark.parametrize(
    ("model", "aspect"),
    list(itertools.product(rules.MODELS, [*rules.WIDE_ASPECT_RATIOS, "9.16", "2:1", ""])),
)
def test_aspect_ratio_matrix(model: str, aspect: str) -> None:
    wide = model in ("v6", "c1")
    allowed = rules.WIDE_ASPECT_RATIOS if wide else rules.CLASSIC_ASPECT_RATIOS
    candidate = spec(model=model, aspect_ratio=aspect)
    if aspect in allowed:
        validate(candidate)
    elif not aspect:
        with pytest.raises(MissingParameterError, match="aspect_ratio"):
            validate(candidate)
    else:
        with pytest.raises(InvalidParameterError, match="aspect_ratio"):
            validate(candidate)


def test_aspect_ratio_is_ignored_for_image_modes() -> None:
    validate(spec(mode=Mode.IMAGE, aspect_ratio=None, image_ids=(2**52,)))


@pytest.mark.parametrize(
    ("model", "duration", "quality", "error"),
    [
        ("v3.5", 5, "540p", None),
        ("v4", 5, "720p", None),
        ("v4.5", 5, "360p", None),
        ("v4.5", 8, "540p", "requires duration 5"),
        ("v4.5", 5, "1080p", "1080p"),
        ("v5", 5, "540p", "not supported on model v5"),
        ("v5.5", 5, "540p", "not supported"),
        ("v6", 5, "540p", "not supported"),
        ("c1", 5, "540p", "not supported"),
    ],
)
def test_fast_motion(model: str, duration: int, quality: str, error: str | None) -> None:
    candidate = spec(model=model, duration_s=duration, quality=quality, motion_mode="fast")
    if error is None:
        validate(candidate)
    else:
        with pytest.raises(InvalidParameterError, match=error):
            validate(candidate)


@pytest.mark.parametrize("model", list(rules.MODELS))
def test_normal_motion_is_accepted_on_every_model(model: str) -> None:
    validate(spec(model=model, motion_mode="normal"))


def test_unknown_motion_mode() -> None:
    with pytest.raises(InvalidParameterError, match="motion_mode"):
        validate(spec(motion_mode="slow"))


@pytest.mark.parametrize(
    ("model", "limit"),
    [("v3.5", 2048), ("v4.5", 2048), ("v5", 2048), ("v5.5", 5000), ("v6", 5000), ("c1", 5000)],
)
def test_prompt_lengths(model: str, limit: int) -> None:
    validate(spec(model=model, prompt="x" * limit, negative_prompt="y" * limit))
    with pytest.raises(PromptTooLongError, match="prompt"):
        validate(spec(model=model, prompt="x" * (limit + 1)))
    with pytest.raises(NegativePromptTooLongError, match="negative_prompt"):
        validate(spec(model=model, negative_prompt="y" * (limit + 1)))


@pytest.mark.parametrize("prompt", ["", "   "])
def test_empty_prompt_is_missing(prompt: str) -> None:
    with pytest.raises(MissingParameterError, match="prompt"):
        validate(spec(prompt=prompt))


@pytest.mark.parametrize(
    ("seed", "ok"), [(None, True), (0, True), (2147483647, True), (-1, False), (2147483648, False)]
)
def test_seed_range(seed: int | None, ok: bool) -> None:
    if ok:
        validate(spec(seed=seed))
    else:
        with pytest.raises(InvalidParameterError, match="seed"):
            validate(spec(seed=seed))


@pytest.mark.parametrize("style", [*rules.STYLES, "", "day", "realistic", "ANIME"])
def test_styles(style: str) -> None:
    if style in rules.STYLES or style == "":
        validate(spec(style=style))
    else:
        with pytest.raises(InvalidParameterError, match="style"):
            validate(spec(style=style))


@pytest.mark.parametrize(
    ("model", "movement"),
    list(itertools.product(rules.MODELS, [*rules.CAMERA_MOVEMENTS, "", "default", "spin"])),
)
def test_camera_movement_matrix(model: str, movement: str) -> None:
    candidate = spec(model=model, camera_movement=movement)
    if movement in ("", "default") or (movement != "spin" and model in ("v4", "v4.5")):
        validate(candidate)
    else:
        with pytest.raises(InvalidParameterError, match="camera_movement"):
            validate(candidate)


def test_camera_movement_not_with_template() -> None:
    template = rules.DEFAULT_TEMPLATES[0]
    with pytest.raises(InvalidParameterError, match="camera_movement cannot be combined"):
        validate(spec(template_id=template.template_id, camera_movement="zoom_in"))


def test_camera_movement_not_on_transitions() -> None:
    with pytest.raises(InvalidParameterError, match="transitions"):
        validate(
            spec(mode=Mode.TRANSITION, camera_movement="zoom_in", image_ids=(2**52, 2**52 + 1))
        )


def test_unknown_template() -> None:
    with pytest.raises(InvalidParameterError, match="template_id"):
        validate(spec(template_id=123))


def test_template_quality_not_allowed() -> None:
    narrow = next(t for t in rules.DEFAULT_TEMPLATES if "1080p" not in t.qualities)
    with pytest.raises(TemplateQualityError, match="quality"):
        validate(spec(template_id=narrow.template_id, quality="1080p"))


def test_template_allows_empty_prompt_and_dictates_duration() -> None:
    template = rules.DEFAULT_TEMPLATES[0]
    candidate = spec(template_id=template.template_id, prompt="", duration_s=8, quality="1080p")
    validate(candidate)
    table = {t.template_id: t for t in rules.DEFAULT_TEMPLATES}
    assert rules.effective_duration_s(candidate, table) == template.duration_s


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"model": ""}, MissingParameterError, "model"),
        ({"model": "v7"}, InvalidParameterError, "model"),
        ({"quality": ""}, MissingParameterError, "quality"),
        ({"quality": "4k"}, InvalidParameterError, "quality"),
        ({"sound_effect_content": "x" * 2049}, InvalidParameterError, "sound_effect_content"),
        ({"lip_sync_switch": True}, MissingParameterError, "lip_sync_tts_content"),
        (
            {"lip_sync_switch": True, "lip_sync_tts_content": "x" * 201},
            InvalidParameterError,
            "lip_sync_tts_content",
        ),
        ({"mode": Mode.IMAGE, "image_ids": (0,)}, InvalidParameterError, "img_id"),
        ({"mode": Mode.IMAGE, "image_ids": (2**53,)}, InvalidParameterError, "img_id"),
    ],
)
def test_field_errors_name_the_field(
    changes: dict[str, object], error: type[PixforgeError], field: str
) -> None:
    with pytest.raises(error) as caught:
        validate(spec(**changes))
    assert field in caught.value.message


@pytest.mark.parametrize(
    ("quality", "aspect", "size"),
    [
        ("360p", "16:9", (640, 360)),
        ("540p", "16:9", (960, 540)),
        ("540p", "9:16", (540, 960)),
        ("540p", "4:3", (720, 540)),
        ("540p", "3:4", (540, 720)),
        ("540p", "1:1", (540, 540)),
        ("720p", "16:9", (1280, 720)),
        ("1080p", "16:9", (1920, 1080)),
        ("1080p", "9:16", (1080, 1920)),
        ("540p", "21:9", (1260, 540)),
        ("540p", "3:2", (810, 540)),
        ("540p", "2:3", (540, 810)),
        ("360p", "21:9", (840, 360)),
    ],
)
def test_output_sizes(quality: str, aspect: str, size: tuple[int, int]) -> None:
    output = rules.aspect_format(quality, aspect, 5)
    assert (output.width, output.height) == size
    assert output.fps == 24 and output.frame_count == 120


@pytest.mark.parametrize(
    ("image", "model", "expected"),
    [
        ((800, 600), "v4.5", (720, 540)),
        ((600, 800), "v4.5", (540, 720)),
        ((4000, 1000), "v4.5", (960, 540)),  # clamped to 16:9
        ((1000, 4000), "v4.5", (540, 960)),  # clamped to 9:16
        ((4000, 1000), "v6", (1260, 540)),  # clamped to 21:9
        ((1001, 1000), "v4.5", (540, 540)),
    ],
)
def test_image_modes_follow_the_image(
    image: tuple[int, int], model: str, expected: tuple[int, int]
) -> None:
    output = rules.image_format("540p", rules.MODELS[model], image, 8)
    assert (output.width, output.height) == expected
    assert output.frame_count == 8 * 24


def test_frame_size_is_always_even() -> None:
    for quality in rules.QUALITY_SHORT_SIDE_PX:
        for num in range(1, 40):
            ratio = Fraction(num, 17)
            width, height = rules.frame_size(quality, ratio)
            assert width % 2 == 0 and height % 2 == 0
