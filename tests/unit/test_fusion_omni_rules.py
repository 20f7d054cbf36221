"""Fusion omni mode (video_references) rules, on the domain module alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pixforge.domain.errors import InvalidParameterError, MissingParameterError
from pixforge.domain.features import fusion
from pixforge.domain.features.base import RuleContext
from pixforge.domain.manifest import JobManifest, StoredVideo
from pixforge.domain.pricing import PriceTable
from pixforge.domain.spec import (
    FusionReference,
    FusionSpec,
    FusionVideoReference,
    GenerationSpec,
    ImageInput,
    LaunchOptions,
    Mode,
    VideoSource,
)
from pixforge.values import MODEL_RULES

CTX = RuleContext(MODEL_RULES, {})
PRICES = PriceTable()
CLIP = FusionVideoReference(VideoSource(media_id=7), "video1", 0)
SUBJECT = FusionReference(ImageInput(3, "image_references.0.img_id"), "subject1", "subject")


def spec(**changes: object) -> GenerationSpec:
    payload = FusionSpec((SUBJECT,), aspect_ratio="auto", videos=(CLIP,), reference_mode="omni")
    fields: dict[str, object] = {"feature": payload}
    fields.update(changes)
    base = GenerationSpec(Mode.FUSION, "v6", "@subject1 dances like @video1", "360p", 0, payload)
    return replace(base, **fields)  # type: ignore[arg-type]


def payload(**changes: object) -> FusionSpec:
    base = FusionSpec((SUBJECT,), aspect_ratio="auto", videos=(CLIP,), reference_mode="omni")
    return replace(base, **changes)  # type: ignore[arg-type]


def refused(error: type[Exception], text: str, **changes: object) -> None:
    with pytest.raises(error) as caught:
        fusion.validate(spec(**changes), CTX)
    assert text in str(caught.value)


def stored(seconds: float, width: int = 640, height: int = 360) -> StoredVideo:
    frames = round(seconds * 24)
    return StoredVideo("k", width, height, seconds, 24.0, frames, False, "h264", 1000)


def test_a_valid_omni_request_passes() -> None:
    fusion.validate(spec(), CTX)
    only_video = payload(references=(), reference_mode="")
    fusion.validate(spec(feature=only_video, prompt="@video1 spins"), CTX)


def test_omni_rules_name_the_field() -> None:
    refused(InvalidParameterError, "duration", duration_s=5)
    refused(InvalidParameterError, "model", model="c1")
    with_template = payload(options=LaunchOptions(template_id=1))
    refused(InvalidParameterError, "template_id", feature=with_template)
    refused(InvalidParameterError, "reference_mode", feature=payload(reference_mode="mix"))
    refused(MissingParameterError, "video_references", feature=payload(videos=()))
    three = tuple(replace(CLIP, name=f"video{i}", index=i) for i in range(3))
    refused(InvalidParameterError, "at most 2", feature=payload(videos=three))
    none = replace(CLIP, source=VideoSource())
    refused(
        MissingParameterError, "video_references.0.video_media_id", feature=payload(videos=(none,))
    )
    both = replace(CLIP, source=VideoSource(video_id=1, media_id=2))
    refused(InvalidParameterError, "video_references.0", feature=payload(videos=(both,)))
    refused(InvalidParameterError, "@video1", prompt="@subject1 dances")
    refused(InvalidParameterError, "@Video2 names no", prompt="@subject1 @video1 @Video2")
    refused(InvalidParameterError, "@video12 names no", prompt="@subject1 @video1 @video12")
    twice = replace(CLIP, name="subject1")
    refused(InvalidParameterError, "used twice", feature=payload(videos=(twice,)))
    eleven = tuple(replace(SUBJECT, name=f"s{i}") for i in range(11))
    refused(InvalidParameterError, "0 to 10", feature=payload(references=eleven))


def test_auto_and_duration_zero_need_a_video() -> None:
    plain = FusionSpec((SUBJECT,), aspect_ratio="auto")
    refused(InvalidParameterError, "aspect_ratio", feature=plain, prompt="@subject1 naps")
    plain = FusionSpec((SUBJECT,), aspect_ratio="16:9")
    refused(InvalidParameterError, "duration", feature=plain, prompt="@subject1 naps")
    eight = tuple(replace(SUBJECT, name=f"s{i}") for i in range(8))
    prompt = " ".join(f"@s{i}" for i in range(8))
    refused(
        InvalidParameterError,
        "1 to 7",
        feature=FusionSpec(eight, aspect_ratio="16:9"),
        prompt=prompt,
        duration_s=5,
    )


def test_the_longest_video_sets_the_length_and_auto_follows_the_first() -> None:
    manifest = JobManifest(videos=(stored(2.0, 360, 640), stored(3.5)))
    planned = fusion.plan(spec(), MODEL_RULES["v6"], manifest, CTX)
    assert planned.output.frame_count == 84
    assert (planned.output.width, planned.output.height) == (360, 640)  # portrait, as video 1
    assert planned.spec.duration_s == 4
    credits = fusion.price(planned.spec, planned.output, manifest, PRICES)
    five = fusion.price(replace(planned.spec, duration_s=5), planned.output, manifest, PRICES)
    assert 0 < credits == five  # priced on the output's 4 started seconds either way
    fixed = fusion.plan(spec(feature=payload(aspect_ratio="1:1")), None, manifest, CTX)
    assert (fixed.output.width, fixed.output.height) == (360, 360)


def test_reference_videos_together_last_at_most_15_s() -> None:
    manifest = JobManifest(videos=(stored(8.0), stored(7.5)))
    with pytest.raises(InvalidParameterError, match="video_references"):
        fusion.plan(spec(), None, manifest, CTX)


def test_the_sdk_sends_the_omni_wire_shape() -> None:
    from pixforge.sdk import FusionRequest as SdkFusion
    from pixforge.sdk import FusionVideoReference as SdkVideo

    request = SdkFusion(
        model="v6",
        prompt="@video1 spins",
        duration=0,
        aspect_ratio="auto",
        image_references=[],
        video_references=[SdkVideo(ref_name="video1", video_media_id=5)],
        reference_mode="omni",
    )
    body = request.body()
    assert body["video_references"] == [{"ref_name": "video1", "video_media_id": 5}]
    assert (body["reference_mode"], body["duration"], body["aspect_ratio"]) == ("omni", 0, "auto")
