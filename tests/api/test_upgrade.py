"""An upgrade from 0.1: generations queued with the flat spec layout and no job manifest are
resolved once at start-up and rendered; one whose input is gone fails, refunded."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from tests.cases.generate import VALID_TEXT
from tests.support.media import image_bytes
from tests.support.server import make_settings, running_server

# How pixforge 0.1 stored an image-to-video spec: one flat object of 37 fields.
FLAT_FIELDS = {
    "negative_prompt": "",
    "aspect_ratio": None,
    "motion_mode": "normal",
    "seed": 5,
    "style": "",
    "camera_movement": "zoom_in",
    "template_id": None,
    "water_mark": False,
    "sound_effect_switch": False,
    "sound_effect_content": "",
    "lip_sync_switch": False,
    "lip_sync_tts_speaker_id": "",
    "lip_sync_tts_content": "",
    "source_video_id": None,
    "source_media_id": None,
    "audio_media_id": None,
    "original_sound": False,
    "restyle_id": None,
    "restyle_prompt": "",
    "segment_durations_s": [],
    "segment_prompts": [],
    "ref_names": [],
    "ref_kinds": [],
    "keyframe": None,
    "mask_id": "",
    "webhook_id": "",
}


def test_queued_rows_of_0_1_are_resolved_and_rendered(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    with running_server(make_settings(data_dir, workers=0, storage="local")) as server:
        account = server.create_account(monthly=1000)
        api = server.api(account)
        image_id = api.image_id(image_bytes(320, 240))
        kept = api.post(
            "/openapi/v2/video/img/generate", {**VALID_TEXT, "img_id": image_id, "seed": 5}
        )["Resp"]["video_id"]
        lost_image = api.image_id(image_bytes(200, 200))
        lost = api.post("/openapi/v2/video/img/generate", {**VALID_TEXT, "img_id": lost_image})[
            "Resp"
        ]["video_id"]
        after_submit = api.balance()
        with server.state.db.write() as conn:
            for video_id, img in ((kept, image_id), (lost, lost_image)):
                flat = {
                    **FLAT_FIELDS,
                    "mode": "image",
                    "model": VALID_TEXT["model"],
                    "prompt": VALID_TEXT["prompt"],
                    "quality": VALID_TEXT["quality"],
                    "duration_s": VALID_TEXT["duration"],
                    "image_ids": [img],
                    "image_fields": ["img_id"],
                }
                conn.execute(
                    text(
                        "UPDATE generations SET spec_json = :s, manifest_json = NULL WHERE id = :i"
                    ),
                    {"s": json.dumps(flat), "i": video_id},
                )
            token = conn.execute(
                text("SELECT file_token FROM uploads WHERE id = :i"), {"i": lost_image}
            ).scalar_one()
            key = conn.execute(
                text("SELECT storage_key FROM files WHERE token = :t"), {"t": token}
            ).scalar_one()
            conn.execute(text("DELETE FROM uploads WHERE id = :i"), {"i": lost_image})
        server.state.blobs.delete(key)
        api.close()
    with running_server(make_settings(data_dir, workers=1, storage="local")) as server:
        api = server.api(account)
        done = api.wait(kept)
        assert done["status"] == 1 and done["seed"] == 5
        assert api.wait(lost)["status"] == 8
        assert api.balance()[0] == after_submit[0] + 45, "the lost one is refunded, once"
        with server.state.db.read() as conn:
            manifest = conn.execute(
                text("SELECT manifest_json FROM generations WHERE id = :i"), {"i": kept}
            ).scalar_one()
        assert json.loads(manifest)["images"][0]["image_id"] == image_id
        api.close()
