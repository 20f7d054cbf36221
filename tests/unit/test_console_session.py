"""Console sessions and forms without a browser: signatures, expiry, the secret file, and how a
submitted form becomes the API's request body."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from pixforge.console.forms import FORMS, payload, to_request
from pixforge.console.session import Signer, load_secret, new_session
from pixforge.domain.errors import MissingParameterError
from pixforge.domain.spec import Mode


def test_a_session_survives_signing_and_nothing_else_does() -> None:
    signer = Signer(b"secret-one")
    session = new_session("account", "ab" * 32)
    cookie = signer.dump(session)
    assert signer.load(cookie) == session
    body, mac = cookie.split(".")
    assert Signer(b"secret-two").load(cookie) is None
    assert signer.load(body + "." + mac[:-2] + "AA") is None
    assert signer.load(body[:-2] + "AA." + mac) is None
    assert signer.load("") is None and signer.load("no-dot") is None
    expired = dataclasses.replace(session, expires_at=time.time() - 1)
    assert signer.load(signer.dump(expired)) is None
    # Every new session has its own id and CSRF token.
    other = new_session("account", "ab" * 32)
    assert (other.sid, other.csrf) != (session.sid, session.csrf)


def test_the_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    first = load_secret(None, tmp_path)
    assert len(first) >= 32 and load_secret(None, tmp_path) == first
    assert (tmp_path / "console-secret").stat().st_mode & 0o077 == 0
    assert load_secret("configured", tmp_path) == b"configured"


def test_a_form_becomes_the_api_body() -> None:
    form = FORMS[Mode.MULTI_TRANSITION]
    data = {
        "csrf": "x",
        "model": "v4.5",
        "quality": "540p",
        "water_mark": "on",
        "multi_transition.0.img_id": "11",
        "multi_transition.0.duration": "3",
        "multi_transition.1.img_id": "12",
        "multi_transition.1.duration": "3",
        "multi_transition.2.duration": "3",  # no image: left out
    }
    body = payload(form, data)
    assert body == {
        "model": "v4.5",
        "quality": "540p",
        "water_mark": True,
        "multi_transition": [{"img_id": "11", "duration": "3"}, {"img_id": "12"}],
    }
    spec = to_request(form, body).to_spec()
    assert [k.image.image_id for k in spec.feature.keyframes] == [11, 12]  # type: ignore[union-attr]
    swap = payload(FORMS[Mode.SWAP], {"source": "m:5", "masks": "3:mask-a", "img_id": "9"})
    assert swap["video_media_id"] == "5" and (swap["keyframe_id"], swap["mask_id"]) == (
        "3",
        "mask-a",
    )
    with pytest.raises(MissingParameterError):
        to_request(FORMS[Mode.TEXT], payload(FORMS[Mode.TEXT], {"prompt": "x"}))
