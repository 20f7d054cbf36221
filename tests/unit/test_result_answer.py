"""The result poll's answer is built as a plain dict: it must be exactly the documented model."""

from __future__ import annotations

from pixforge.api.v2.schemas.video import VideoResultResponse
from pixforge.services.generations import GenerationView


def _view(**changes: object) -> GenerationView:
    values: dict[str, object] = {
        "id": 4503599627370497,
        "status": 1,
        "url": "http://127.0.0.1:8000/files/tok/4503599627370497.mp4",
        "prompt": "a red fox in the snow",
        "negative_prompt": "blur",
        "seed": 77,
        "style": "anime",
        "resolution": 540,
        "width": 960,
        "height": 540,
        "size_bytes": 123456,
        "created_at": 1_795_996_800.9,
        "modified_at": 1_795_996_861.2,
        "has_audio": True,
        "progress_percent": 100,
    }
    values.update(changes)
    return GenerationView(**values)  # type: ignore[arg-type]


def test_the_answer_has_the_models_fields_in_order_and_validates_unchanged() -> None:
    answer = VideoResultResponse.answer(_view())
    assert list(answer) == list(VideoResultResponse.model_fields)
    assert VideoResultResponse.model_validate(answer).model_dump() == answer


def test_the_answer_maps_each_view_field_to_its_wire_name() -> None:
    answer = VideoResultResponse.answer(_view(status=5, url="", progress_percent=42))
    assert answer == {
        "id": 4503599627370497,
        "status": 5,
        "url": "",
        "prompt": "a red fox in the snow",
        "negative_prompt": "blur",
        "seed": 77,
        "style": "anime",
        "resolution_ratio": 540,
        "outputWidth": 960,
        "outputHeight": 540,
        "size": 123456,
        "create_time": "2026-11-30T00:00:00Z",
        "modify_time": "2026-11-30T00:01:01Z",
        "has_audio": True,
        "progress": 42,
    }
