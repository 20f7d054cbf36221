"""On PostgreSQL, which refuses NUL in text, a NUL anywhere in a request is a clear refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cases.generate import VALID_TEXT
from tests.support.server import make_settings, running_server
from tests.system.test_postgres import pg_url  # noqa: F401 - the fixture

pytestmark = pytest.mark.system


def test_nul_characters_are_refused_before_the_database(tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    settings = make_settings(tmp_path / "d", database_url=pg_url, workers=0)
    with running_server(settings) as server:
        assert server.state.db.engine.dialect.name == "postgresql"
        api = server.api(server.create_account())
        for field in ("prompt", "model", "webhook_id", "lip_sync_tts_speaker_id"):
            body = {**VALID_TEXT, field: "x\x00y"}
            answer = api.http.post(
                "/openapi/v2/video/text/generate", json=body, headers=api.headers()
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["ErrCode"] == 400017, answer.text
            assert answer.json()["ErrMsg"].startswith(field), answer.text
        for token in ("abc%00def", "%00"):
            response = api.http.get(f"/files/{token}/x.mp4")
            assert response.status_code == 404, response.text
            assert response.json()["ErrCode"] == 400017
        assert api.balance() == (100_000, 0)
        api.close()
