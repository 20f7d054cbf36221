"""`pixforge generate / status / balance` against a real server: output, files, exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pixforge.media.probe import probe
from pixforge.sdk import Client
from tests.support.media import image_bytes
from tests.support.server import free_port
from tests.system.conftest import DEV_KEY as DEV
from tests.system.conftest import LiveServer

pytestmark = pytest.mark.system
ROOT = Path(__file__).resolve().parents[2]
DAY = str(ROOT / "docs" / "examples" / "landscape.jpg")
NIGHT = str(ROOT / "docs" / "examples" / "landscape-night.jpg")


def auth(live: LiveServer, key: str | None = None) -> list[str]:
    return ["--base-url", live.base_url, "--api-key", key or live.api_key]


def test_generate_text_to_a_file(live: LiveServer, tmp_path: Path) -> None:
    out = tmp_path / "fox.mp4"
    run = live.cli(
        "generate", "text", "a red fox", "--quality", "360p", "--out", str(out), *auth(live)
    )
    assert run.returncode == 0, run.stderr
    assert "saved to" in run.stdout and str(out) in run.stdout
    info = probe(out)
    assert info.video is not None and (info.video.width, info.video.height) == (640, 360)


def test_generate_image_and_transition_as_json(live: LiveServer, tmp_path: Path) -> None:
    image = live.cli(
        "generate",
        "image",
        DAY,
        "--prompt",
        "hills",
        "--model",
        "v4.5",
        "--camera",
        "zoom_in",
        "--quality",
        "360p",
        "--sound",
        "wind",
        "--json",
        *auth(live),
    )
    assert image.returncode == 0, image.stderr
    result = json.loads(image.stdout)
    assert result["status"] == 1 and result["has_audio"] is True
    assert (result["outputWidth"], result["outputHeight"]) == (480, 360)
    transition = live.cli(
        "generate",
        "transition",
        DAY,
        NIGHT,
        "--quality",
        "360p",
        "--out",
        str(tmp_path / "t.mp4"),
        "--json",
        *auth(live),
    )
    assert transition.returncode == 0, transition.stderr
    assert json.loads(transition.stdout)["saved_to"] == str(tmp_path / "t.mp4")


def test_no_wait_then_status(live: LiveServer, tmp_path: Path) -> None:
    started = live.cli(
        "generate", "text", "later", "--quality", "360p", "--no-wait", "--json", *auth(live)
    )
    video_id = json.loads(started.stdout)["video_id"]
    waited = live.cli(
        "status", str(video_id), "--wait", "--out", str(tmp_path / "v.mp4"), *auth(live)
    )
    assert waited.returncode == 0, waited.stderr
    shown = live.cli("status", str(video_id), *auth(live))
    assert shown.returncode == 0 and f"video {video_id}: succeeded" in shown.stdout


def test_balance(live: LiveServer) -> None:
    run = live.cli("balance", "--json", *auth(live))
    assert run.returncode == 0
    assert set(json.loads(run.stdout)) >= {"account_id", "credit_monthly", "credit_package"}
    assert "credits" in live.cli("balance", *auth(live)).stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["generate", "text", "x", "--model", "v9"], 1, "400017"),
        (["generate", "text", "a scene of gore", "--quality", "360p"], 3, "moderation"),
        (["status", "4503599627370497"], 1, "couldn't find"),
        (["generate", "image", "/no/such/file.png"], 2, "no such file"),
    ],
)
def test_errors_and_exit_codes(live: LiveServer, args: list[str], code: int, message: str) -> None:
    run = live.cli(*args, *auth(live))
    assert run.returncode == code, (run.stdout, run.stderr)
    assert message in run.stderr


def test_bad_key_and_unreachable_server(live: LiveServer) -> None:
    bad = live.cli("balance", *auth(live, "pf-wrong-key-0000000000"))
    assert bad.returncode == 1 and "10002" in bad.stderr
    gone = live.cli(
        "balance", "--base-url", f"http://127.0.0.1:{free_port()}", "--api-key", "k" * 20
    )
    assert gone.returncode == 5 and "cannot reach" in gone.stderr


def test_image_id_argument(live: LiveServer) -> None:
    from pixforge.sdk import Client

    with Client(live.api_key, live.base_url) as client:
        img_id = client.upload_image(image_bytes(200, 200)).img_id
    run = live.cli(
        "generate",
        "image",
        str(img_id),
        "--prompt",
        "still",
        "--quality",
        "360p",
        "--json",
        *auth(live),
    )
    assert run.returncode == 0 and json.loads(run.stdout)["outputWidth"] == 360


CLIP = str(ROOT / "docs" / "examples" / "clip.mp4")
PERSON = str(ROOT / "docs" / "examples" / "person.png")


def generated(live: LiveServer, *args: str) -> dict[str, object]:
    run = live.cli("generate", *args, "--json", *auth(live))
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert isinstance(result, dict)
    return result


def test_feature_commands(live: LiveServer, tmp_path: Path) -> None:
    extended = generated(live, "extend", CLIP, "--prompt", "onward", "--quality", "360p")
    assert extended["status"] == 1 and extended["outputHeight"] == 360
    spoken = generated(live, "lip-sync", str(extended["id"]), "--text", "Hi from the CLI.")
    assert spoken["has_audio"] is True
    voice = tmp_path / "voice.wav"
    from tests.support.media import make_audio

    make_audio(voice, 1.2)
    dubbed = generated(live, "lip-sync", CLIP, "--audio", str(voice))
    assert dubbed["has_audio"] is True
    # An audio already uploaded, named by its bare media id (or media:ID).
    with Client(api_key=live.api_key, base_url=live.base_url) as client:
        audio_id = client.upload_media(voice).media_id
    for reference in (str(audio_id), f"media:{audio_id}"):
        assert generated(live, "lip-sync", CLIP, "--audio", reference)["has_audio"] is True
    assert generated(live, "sound", CLIP, "--content", "rain")["has_audio"] is True
    looks = json.loads(live.cli("restyles", "--json", *auth(live)).stdout)["restyles"]
    assert (
        generated(live, "restyle", CLIP, "--restyle-id", str(looks[0]["restyle_id"]))["status"] == 1
    )
    multi = generated(
        live, "multi-transition", DAY, NIGHT, DAY, "--durations", "1,1", "--quality", "360p"
    )
    assert multi["status"] == 1
    fused = generated(
        live,
        "fusion",
        "@sun over @land",
        "--subject",
        f"sun={DAY}",
        "--background",
        f"land={NIGHT}",
        "--quality",
        "360p",
    )
    assert fused["status"] == 1
    masks = json.loads(live.cli("generate", "masks", CLIP, "--json", *auth(live)).stdout)
    swapped = generated(
        live,
        "swap",
        str(masks["video"]),
        "--mask-id",
        masks["mask_info"][0]["mask_id"],
        "--image",
        DAY,
        "--quality",
        "360p",
    )
    assert swapped["status"] == 1
    mimic = generated(live, "mimic", CLIP, "--image", PERSON, "--quality", "360p")
    assert mimic["status"] == 1
    picture = tmp_path / "portrait.jpg"
    made = live.cli(
        "generate", "image-template", "384268229671680", DAY, "--out", str(picture), *auth(live)
    )
    assert made.returncode == 0, made.stderr
    assert picture.read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG
    speakers = live.cli("speakers", *auth(live))
    assert "Auto: Auto" in speakers.stdout
    bad = live.cli("generate", "multi-transition", DAY, NIGHT, "--durations", "1,2", *auth(live))
    assert bad.returncode == 2 and "one duration fewer" in bad.stderr
    missing = live.cli("generate", "extend", str(tmp_path / "nope.mp4"), *auth(live))
    assert missing.returncode == 2
    refused = live.cli("generate", "restyle", CLIP, *auth(live))
    assert refused.returncode == 1 and "400017" in refused.stderr


GENERATE_TEXT = [sys.executable, "-m", "pixforge", "generate", "text"]


def pixforge(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`pixforge ARGS` with only `env` as PIXVERSE_* / PIXFORGE_* variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PIXFORGE_", "PIXVERSE_"))}
    return subprocess.run(
        [sys.executable, "-m", "pixforge", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **env},
    )


def test_a_missing_key_names_the_option_and_the_variable(live: LiveServer) -> None:
    run = pixforge("balance", "--base-url", live.base_url)
    assert run.returncode == 2
    assert "--api-key" in run.stderr and "PIXVERSE_API_KEY" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_cli_talks_to_the_local_server_unless_told_and_says_so(live: LiveServer) -> None:
    # No --base-url, no PIXVERSE_BASE_URL: the local default, never PixVerse's hosted API.
    default = pixforge("balance", "--api-key", "k" * 20)
    assert "server http://127.0.0.1:8000" in default.stderr
    assert "pixverse.ai" not in default.stderr + default.stdout
    # The variable, then the option, choose another server; --json output stays pure JSON.
    by_env = pixforge("balance", "--json", PIXVERSE_BASE_URL=live.base_url, PIXVERSE_API_KEY=DEV)
    assert by_env.returncode == 0, by_env.stderr
    assert f"server {live.base_url}" in by_env.stderr
    assert json.loads(by_env.stdout)["credit_monthly"] >= 0
    by_option = pixforge("balance", *auth(live), PIXVERSE_BASE_URL="http://127.0.0.1:9")
    assert by_option.returncode == 0 and f"server {live.base_url}" in by_option.stderr
    # Reaching PixVerse is an explicit choice, which beats the variable (checked here without a
    # key: no request is sent).
    hosted = pixforge("balance", "--hosted", PIXVERSE_BASE_URL=live.base_url)
    assert hosted.returncode == 2 and "no API key for https://app-api.pixverse.ai" in hosted.stderr
    both = pixforge("balance", "--hosted", *auth(live))
    assert both.returncode == 2 and "not both" in both.stderr


def test_ctrl_c_while_waiting_leaves_the_video_id_and_how_to_follow_it(tmp_path: Path) -> None:
    import signal
    import time

    from tests.support.server import Api, interruptible
    from tests.system.test_restart import serve

    port = free_port()
    key = "pf-ctrl-c-test-key-0123456789"
    # No workers: the generation stays in status 5 while the CLI waits for it.
    with serve(tmp_path / "data", port, PIXFORGE_DEV_API_KEY=key, PIXFORGE_WORKERS="0"):
        base_url = f"http://127.0.0.1:{port}"
        api = Api(base_url, key)
        before = api.balance()
        clean = {k: v for k, v in os.environ.items() if not k.startswith("PIXVERSE_")}
        process = subprocess.Popen(
            [*GENERATE_TEXT, "a fox", "--base-url", base_url, "--api-key", key],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean,
            preexec_fn=interruptible,
        )
        deadline = time.monotonic() + 60
        while api.balance() == before and time.monotonic() < deadline:
            time.sleep(0.2)  # charged: the generation exists and the CLI is waiting
        time.sleep(1)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 130, (out, err)
        match = re.search(
            r"video (\d+) is still generating; follow it with: pixforge status (\d+) --wait", err
        )
        assert match and match.group(1) == match.group(2), err
        assert "Traceback" not in err and "Aborted" not in err
        shown = pixforge("status", match.group(1), "--base-url", base_url, "--api-key", key)
        assert shown.returncode == 0 and f"video {match.group(1)}: generating" in shown.stdout
        api.close()
