"""Effect templates come from config: a catalogue file replaces the built-in one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pixforge.containers.common import load_templates
from tests.support.media import image_bytes
from tests.support.server import make_settings, running_server

CUSTOM = [
    {
        "template_id": 4503599627370600,
        "name": "Spin",
        "qualities": ["360p"],
        "duration_s": 3,
        "camera": "camera_rotation",
        "style": "comic",
        "effect": "pulse",
    }
]


def test_catalogue_from_a_file(tmp_path: Path) -> None:
    catalogue = tmp_path / "templates.json"
    catalogue.write_text(json.dumps(CUSTOM))
    settings = make_settings(tmp_path / "d", templates_file=catalogue)
    with running_server(settings) as server:
        account = server.create_account()
        api = server.api(account)
        body_id = CUSTOM[0]["template_id"]
        assert isinstance(body_id, int)
        server.state.operator.activate_templates(account.account_id, [body_id])
        img_id = api.image_id(image_bytes(320, 240))
        body = {"model": "v5", "prompt": "", "duration": 5, "quality": "360p", "img_id": img_id}
        ok = api.post(
            "/openapi/v2/video/img/generate", {**body, "template_id": CUSTOM[0]["template_id"]}
        )
        assert ok["ErrCode"] == 0, ok
        result = api.wait(ok["Resp"]["video_id"])
        assert result["status"] == 1
        assert api.balance()[0] == 100_000 - 27  # 3 s at 360p, pro rata
        builtin = api.post(
            "/openapi/v2/video/img/generate", {**body, "template_id": 302325299692608}
        )
        assert builtin["ErrCode"] == 400017 and "template_id" in builtin["ErrMsg"]
        wrong_quality = api.post(
            "/openapi/v2/video/img/generate",
            {**body, "quality": "540p", "template_id": CUSTOM[0]["template_id"]},
        )
        assert wrong_quality["ErrCode"] == 500071
        api.close()


@pytest.mark.parametrize(
    "entry",
    [
        {"camera": "barrel_roll"},
        {"style": "oil"},
        {"effect": "explode"},
        {"qualities": ["4k"]},
        {"duration_s": 0},
        {"template_id": 0},
    ],
)
def test_bad_catalogue_entries_are_refused_at_start(
    tmp_path: Path, entry: dict[str, object]
) -> None:
    catalogue = tmp_path / "templates.json"
    catalogue.write_text(json.dumps([{**CUSTOM[0], **entry}]))
    with pytest.raises(ValueError):
        load_templates(make_settings(tmp_path / "d", templates_file=catalogue))
