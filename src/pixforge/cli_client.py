"""Client commands of `pixforge`: generate, status, balance — through the SDK, with live progress.

They talk to a local pixforge server (http://127.0.0.1:8000) unless told otherwise: `--base-url`,
then PIXVERSE_BASE_URL, then that default; PixVerse's hosted API is reached only on request
(`--hosted`), so a local key is never sent to a third party by accident. Each command says on
stderr which server it talks to.
Exit codes: 0 done, 1 the API refused the request, 2 bad usage (e.g. no API key), 3 the
generation ended without a video (moderation, failure, deletion), 4 wait timed out, 5 the server
could not be reached, 130 interrupted (Ctrl-C) while waiting.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from pixforge import values

if TYPE_CHECKING:
    # The SDK (httpx, pydantic models) is imported when a command runs, not for --help.
    from pixforge.sdk import Client, VideoResult

LOCAL_BASE_URL = "http://127.0.0.1:8000"
# PixVerse's hosted API; equal to pixforge.sdk.DEFAULT_BASE_URL (a test keeps them equal).
HOSTED_BASE_URL = "https://app-api.pixverse.ai"
EXIT_USAGE, EXIT_INTERRUPTED = 2, 130
EXIT_API_ERROR, EXIT_GENERATION, EXIT_TIMEOUT, EXIT_CONNECTION = 1, 3, 4, 5
STATUS_NAMES = {
    1: "succeeded",
    5: "generating",
    6: "deleted",
    7: "blocked by moderation",
    8: "failed",
}

generate_app = typer.Typer(no_args_is_help=True, help="Generate videos through the API.")
console = Console()
err_console = Console(stderr=True)

# PIXVERSE_BASE_URL is read in server_url, not by typer: --hosted must beat the variable, but
# conflict with the option.
BaseUrl = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        show_default=False,
        help=f"API origin, default {LOCAL_BASE_URL} (a local pixforge) "
        "\\[env var: PIXVERSE_BASE_URL]",
    ),
]
Hosted = Annotated[
    bool,
    typer.Option("--hosted", help=f"Talk to PixVerse's hosted API ({HOSTED_BASE_URL})."),
]
ApiKey = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="PIXVERSE_API_KEY",
        help="API key (pixforge: printed by `make serve`, or `pixforge keys create`)",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for scripts (no progress).")]
Out = Annotated[Path | None, typer.Option("--out", help="Save the finished MP4 here.")]
# Help texts list the allowed values from the one table (pixforge.values, no imports of its own).
Model = Annotated[str, typer.Option(help=", ".join(values.MODELS))]
Quality = Annotated[str, typer.Option(help=", ".join(values.QUALITIES))]
Duration = Annotated[int, typer.Option(help=f"Seconds: {values.durations_help()}")]
Camera = Annotated[
    str | None,
    typer.Option(
        "--camera",
        help=f"camera_movement ({', '.join(values.models_with('camera_movement'))}): "
        + ", ".join(values.CAMERA_MOVEMENTS),
    ),
]
Style = Annotated[str | None, typer.Option(help=", ".join(values.STYLES))]
Motion = Annotated[
    str | None,
    typer.Option(
        "--motion",
        help=f"{' or '.join(values.MOTION_MODES)} "
        f"(fast: {', '.join(values.models_with('fast_motion'))})",
    ),
]
Seed = Annotated[int | None, typer.Option(help=f"Seed (0..{values.SEED_MAX})")]
ASPECT_HELP = values.aspect_ratios_help()
Negative = Annotated[str | None, typer.Option("--negative-prompt", help="Negative prompt")]
Template = Annotated[int | None, typer.Option("--template-id", help="Effect template id")]
Watermark = Annotated[bool, typer.Option("--water-mark", help="Ask for a watermark")]
Sound = Annotated[str | None, typer.Option("--sound", help="Add sound described by this text")]
Audio = Annotated[
    bool,
    typer.Option(
        "--audio",
        help=f"Native audio (generate_audio_switch: {', '.join(values.models_with('audio'))})",
    ),
]
MultiClip = Annotated[
    bool,
    typer.Option(
        "--multi-clip",
        help="Several shots (generate_multi_clip_switch: "
        f"{', '.join(values.models_with('multi_clip'))})",
    ),
]
Thinking = Annotated[
    str | None,
    typer.Option(
        "--thinking",
        help=f"thinking_type: {', '.join(values.THINKING_TYPES)} "
        f"(enabled: {', '.join(values.models_with('thinking'))})",
    ),
]
NoWait = Annotated[bool, typer.Option("--no-wait", help="Print the video_id and return.")]
Timeout = Annotated[float, typer.Option("--timeout", help="Seconds to wait for the video")]
CancelOnInterrupt = Annotated[
    bool,
    typer.Option(
        "--cancel-on-interrupt",
        help="Ctrl-C cancels the generation without asking (pixforge servers; refunded).",
    ),
]


def _options(**values: Any) -> dict[str, Any]:
    sound = values.pop("sound", None)
    if sound is not None:
        values["sound_effect_switch"] = True
        values["sound_effect_content"] = sound
    if values.pop("water_mark", False):  # a flag: only sent when set
        values["water_mark"] = True
    if values.pop("audio", False):
        values["generate_audio_switch"] = True
    if values.pop("multi_clip", False):
        values["generate_multi_clip_switch"] = True
    values["thinking_type"] = values.pop("thinking", None)
    return {k: v for k, v in values.items() if v is not None}


def server_url(base_url: str | None, hosted: bool) -> str:
    """The API origin: --base-url or --hosted, else PIXVERSE_BASE_URL, else the local server."""
    if base_url and hosted:
        err_console.print("[red]error:[/red] give --base-url or --hosted, not both")
        raise typer.Exit(code=EXIT_USAGE)
    if hosted:
        return HOSTED_BASE_URL
    return (base_url or os.environ.get("PIXVERSE_BASE_URL") or LOCAL_BASE_URL).rstrip("/")


def require_api_key(api_key: str | None, base_url: str) -> str:
    """The key, or exit 2 with how to pass one (typer already read PIXVERSE_API_KEY into it)."""
    if api_key and api_key.strip():
        return api_key.strip()
    hint = (
        " (a pixforge key: printed by `make serve`, or `pixforge keys create ACCOUNT_ID`)"
        if base_url != HOSTED_BASE_URL
        else ""
    )
    err_console.print(
        f"[red]error:[/red] no API key for {escape(base_url)}: pass --api-key KEY or set "
        f"PIXVERSE_API_KEY{escape(hint)}",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(code=EXIT_USAGE)


@contextmanager
def _client(base_url: str | None, api_key: str | None, hosted: bool) -> Iterator[Client]:
    from pixforge.sdk import (
        APIConnectionError,
        APIError,
        Client,
        GenerationError,
        PixverseError,
        WaitTimeoutError,
    )

    url = server_url(base_url, hosted)
    key = require_api_key(api_key, url)
    err_console.print(f"[dim]server {escape(url)}[/dim]", highlight=False, soft_wrap=True)
    try:
        client = Client(api_key=key, base_url=url)
    except PixverseError as error:
        err_console.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(code=EXIT_API_ERROR) from error
    try:
        yield client
    except WaitTimeoutError as error:
        err_console.print(f"[yellow]timeout:[/yellow] {escape(str(error))}")
        raise typer.Exit(code=EXIT_TIMEOUT) from error
    except GenerationError as error:
        err_console.print(f"[red]generation ended without a video:[/red] {escape(str(error))}")
        raise typer.Exit(code=EXIT_GENERATION) from error
    except APIConnectionError as error:
        err_console.print(f"[red]cannot reach {escape(url)}:[/red] {escape(str(error))}")
        raise typer.Exit(code=EXIT_CONNECTION) from error
    except APIError as error:
        err_console.print(f"[red]error {error.err_code}:[/red] {escape(error.message)}")
        raise typer.Exit(code=EXIT_API_ERROR) from error
    finally:
        client.close()


def _run(
    client: Client,
    start: Callable[[], int],
    out: Path | None,
    as_json: bool,
    no_wait: bool,
    timeout_s: float,
    cancel_on_interrupt: bool = False,
) -> None:
    video_id = start()
    if no_wait:
        _emit({"video_id": video_id}, as_json, f"video_id {video_id}")
        return
    try:
        result = _wait(client, video_id, timeout_s, show_progress=not as_json)
    except KeyboardInterrupt:
        if _offer_cancel(client, video_id, cancel_on_interrupt):
            raise typer.Exit(code=EXIT_INTERRUPTED) from None
        # The generation goes on on the server: leave the user its id and how to follow it.
        err_console.print(
            f"video {video_id} is still generating; follow it with: "
            f"pixforge status {video_id} --wait",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=EXIT_INTERRUPTED) from None
    saved = client.download(result, out) if out is not None else None
    data = result.model_dump(by_alias=True)
    if saved is not None:
        data["saved_to"] = str(saved)
    summary = (
        f"video {result.id}: {result.output_width}x{result.output_height}, {result.size} bytes"
        f"{', with audio' if result.has_audio else ''}\n{result.url}"
        + (f"\nsaved to {saved}" if saved else "")
    )
    _emit(data, as_json, summary)


def _offer_cancel(client: Client, video_id: int, without_asking: bool) -> bool:
    """Ctrl-C while waiting: a pixforge server can cancel the generation (refunded). Asked on a
    terminal; `--cancel-on-interrupt` cancels without asking. True when it was cancelled."""
    import sys

    from pixforge.sdk import APIError, PixverseError

    if client.base_url == HOSTED_BASE_URL:
        return False  # PixVerse has no cancel
    if not without_asking:
        if not sys.stdin.isatty():
            return False
        try:
            if not typer.confirm(f"\ncancel video {video_id} (refunded)?", default=False):
                return False
        except (KeyboardInterrupt, EOFError, typer.Abort):
            return False
    try:
        client.cancel(video_id)
    except (APIError, PixverseError) as error:
        err_console.print(
            f"[yellow]could not cancel video {video_id}:[/yellow] {escape(str(error))}"
        )
        return False
    err_console.print(f"video {video_id} cancelled (refunded)", highlight=False)
    return True


def _wait(client: Client, video_id: int, timeout_s: float, show_progress: bool) -> VideoResult:
    """Wait for the video, with a live progress line on stderr unless `show_progress` is off."""
    if not show_progress:
        return client.wait(video_id, timeout_s)
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]video {task.fields[video_id]}[/bold] {task.fields[state]}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("wait", total=100, video_id=video_id, state="queued")

        def update(current: VideoResult, _elapsed_s: float) -> None:
            percent = current.progress if current.progress is not None else 0
            state = STATUS_NAMES.get(current.status, str(current.status))
            progress.update(task, completed=percent if current.status == 5 else 100, state=state)

        return client.wait(video_id, timeout_s, on_progress=update)


def _emit(data: dict[str, Any], as_json: bool, text: str) -> None:
    if as_json:
        print(json.dumps(data))
    else:
        console.print(text, highlight=False, soft_wrap=True)


@generate_app.command("text")
def generate_text(
    prompt: str,
    model: Model = "v5",
    quality: Quality = "540p",
    duration: Duration = 5,
    aspect_ratio: Annotated[str, typer.Option(help=ASPECT_HELP)] = "16:9",
    camera: Camera = None,
    style: Style = None,
    motion: Motion = None,
    seed: Seed = None,
    negative_prompt: Negative = None,
    template_id: Template = None,
    water_mark: Watermark = False,
    sound: Sound = None,
    audio: Audio = False,
    multi_clip: MultiClip = False,
    thinking: Thinking = None,
    out: Out = None,
    no_wait: NoWait = False,
    timeout: Timeout = 600.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
    cancel_on_interrupt: CancelOnInterrupt = False,
) -> None:
    """Text-to-video."""
    options = _options(
        model=model,
        quality=quality,
        duration=duration,
        aspect_ratio=aspect_ratio,
        camera_movement=camera,
        style=style,
        motion_mode=motion,
        seed=seed,
        negative_prompt=negative_prompt,
        template_id=template_id,
        water_mark=water_mark,
        sound=sound,
        audio=audio,
        multi_clip=multi_clip,
        thinking=thinking,
    )
    with _client(base_url, api_key, hosted) as client:
        _run(
            client,
            lambda: client.text_to_video(prompt, **options),
            out,
            as_json,
            no_wait,
            timeout,
            cancel_on_interrupt,
        )


@generate_app.command("image")
def generate_image(
    image: Annotated[str, typer.Argument(help="Local image path, http(s) URL, or an img_id")],
    prompt: Annotated[str, typer.Option(help="Prompt")] = "",
    model: Model = "v5",
    quality: Quality = "540p",
    duration: Duration = 5,
    camera: Camera = None,
    style: Style = None,
    motion: Motion = None,
    seed: Seed = None,
    negative_prompt: Negative = None,
    template_id: Template = None,
    water_mark: Watermark = False,
    sound: Sound = None,
    out: Out = None,
    no_wait: NoWait = False,
    timeout: Timeout = 600.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Image-to-video (the image is uploaded first unless an img_id is given)."""
    options = _options(
        model=model,
        quality=quality,
        duration=duration,
        camera_movement=camera,
        style=style,
        motion_mode=motion,
        seed=seed,
        negative_prompt=negative_prompt,
        template_id=template_id,
        water_mark=water_mark,
        sound=sound,
    )
    source = _image_source(image)
    with _client(base_url, api_key, hosted) as client:
        _run(
            client,
            lambda: client.image_to_video(source, prompt, **options),
            out,
            as_json,
            no_wait,
            timeout,
        )


@generate_app.command("transition")
def generate_transition(
    first: Annotated[str, typer.Argument(help="First frame: path, URL or img_id")],
    last: Annotated[str, typer.Argument(help="Last frame: path, URL or img_id")],
    prompt: Annotated[str, typer.Option(help="Prompt")] = "transition",
    model: Model = "v5",
    quality: Quality = "540p",
    duration: Duration = 5,
    motion: Motion = None,
    seed: Seed = None,
    negative_prompt: Negative = None,
    water_mark: Watermark = False,
    sound: Sound = None,
    out: Out = None,
    no_wait: NoWait = False,
    timeout: Timeout = 600.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """First/last-frame transition."""
    options = _options(
        model=model,
        quality=quality,
        duration=duration,
        motion_mode=motion,
        seed=seed,
        negative_prompt=negative_prompt,
        water_mark=water_mark,
        sound=sound,
    )
    first_source, last_source = _image_source(first), _image_source(last)
    with _client(base_url, api_key, hosted) as client:
        _run(
            client,
            lambda: client.transition(first_source, last_source, prompt, **options),
            out,
            as_json,
            no_wait,
            timeout,
        )


VideoArg = Annotated[
    str,
    typer.Argument(
        help="A video_id from this API, media:<media_id>, or a local video file / URL to upload"
    ),
]


def _video_source(client: Client, value: str) -> dict[str, int]:
    """video_id / media_id keyword arguments, uploading a file or URL first."""
    try:
        return client.video_source(value)
    except FileNotFoundError as error:
        err_console.print(f"[red]error:[/red] {value}: no such file")
        raise typer.Exit(code=2) from error


def _run_on_video(
    video: str,
    start: Callable[[Client, dict[str, int]], int],
    out: Path | None,
    as_json: bool,
    no_wait: bool,
    timeout_s: float,
    base_url: str | None,
    api_key: str | None,
    hosted: bool,
) -> None:
    """Resolve VIDEO (uploading a file or URL first), then start a generation on it and follow
    it as every generate command does."""
    with _client(base_url, api_key, hosted) as client:
        source = _video_source(client, video)
        _run(client, lambda: start(client, source), out, as_json, no_wait, timeout_s)


def _audio_media_id(client: Client, value: str) -> int:
    """An audio reference: media:<id>, a bare media id, or a file / URL to upload."""
    source = _video_source(client, value)
    # A bare number can only be an uploaded audio's media id here, never a video_id.
    return source.get("media_id", source.get("video_id", 0))


@generate_app.command("extend")
def generate_extend(
    video: VideoArg,
    prompt: Annotated[str, typer.Option(help="What happens next")] = "the scene continues",
    model: Model = "v5",
    quality: Quality = "540p",
    duration: Duration = 5,
    seed: Seed = None,
    out: Out = None,
    no_wait: NoWait = False,
    timeout: Timeout = 600.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Extend a video: the new clip starts on its last frame."""
    options = _options(model=model, quality=quality, duration=duration, seed=seed)
    _run_on_video(
        video,
        lambda client, source: client.extend(prompt, **source, **options),
        out,
        as_json,
        no_wait,
        timeout,
        base_url,
        api_key,
        hosted,
    )


@generate_app.command("lip-sync")
def generate_lip_sync(
    video: VideoArg,
    text: Annotated[str | None, typer.Option(help="Words to speak (TTS, <= 200 chars)")] = None,
    speaker: Annotated[str, typer.Option(help="TTS speaker id (see `speakers`)")] = "Auto",
    audio: Annotated[
        str | None, typer.Option(help="An audio file / URL to upload, or media:<media_id>")
    ] = None,
    out: Out = None,
    no_wait: NoWait = False,
    timeout: Timeout = 600.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Lip sync: the video speaks the TTS text or the uploaded audio."""

    def start(client: Client, source: dict[str, int]) -> int:
        audio_id = _audio_media_id(client, audio) if audio else None
        speaker_id = None if audio_id else speaker
        return client.lip_sync(**source, audio_media_id=audio_id, speaker_id=speaker_id, text=text)

    _run_on_video(video, start, out, as_json, no_wait, timeout, base_url, api_key, hosted)


@generate_app.command("sound")
def generate_sound(
    video: VideoArg,
    content: Annotated[str | None, typer.Option(help="The sound (empty: from the video)")] = None,
    keep_sound: Annotated[
        bool, typer.Option("--keep-sound", help="Mix with the video's own sound")
    ] = False,
    out: Out = None,
    no_wait: NoWait = False,
    timeout: Timeout = 600.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Add a generated sound track to a video."""
    _run_on_video(
        video,
        lambda client, source: client.sound_effect(
            **source, content=content, keep_original_sound=keep_sound or None
        ),
        out,
        as_json,
        no_wait,
        timeout,
        base_url,
        api_key,
        hosted,
    )


@generate_app.command("restyle")
def generate_restyle(
    video: VideoArg,
    restyle_id: Annotated[int | None, typer.Option(help="A look from `restyles`")] = None,
    prompt: Annotated[str | None, typer.Option(help="A free-form restyle prompt")] = None,
    seed: Seed = None,
    out: Out = None,
    no_wait: NoWait = False,
    timeout: Timeout = 600.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Restyle a video (<= 16 s)."""
    _run_on_video(
        video,
        lambda client, source: client.restyle(
            **source, restyle_id=restyle_id, prompt=prompt, seed=seed
        ),
        out,
        as_json,
        no_wait,
        timeout,
        base_url,
        api_key,
        hosted,
    )


@generate_app.command("multi-transition")
def generate_multi_transition(
    images: Annotated[list[str], typer.Argument(help="2-7 keyframes: paths, URLs or img_ids")],
    durations: Annotated[
        str, typer.Option(help="Seconds between consecutive keyframes, comma-separated")
    ],
    model: Model = "v5",
    quality: Quality = "540p",
    seed: Seed = None,
    out: Out = None,
    no_wait: NoWait = False,
    timeout: Timeout = 600.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Chain keyframes with transitions (durations: one fewer than images)."""
    try:
        seconds = [int(part) for part in durations.split(",") if part.strip()]
    except ValueError as error:
        err_console.print(f"[red]error:[/red] --durations: {durations!r} is not a list of ints")
        raise typer.Exit(code=2) from error
    if len(seconds) != len(images) - 1:
        err_console.print("[red]error:[/red] --durations: give one duration fewer than images")
        raise typer.Exit(code=2)
    sources = [_image_source(image) for image in images]
    options = _options(model=model, quality=quality, seed=seed)
    with _client(base_url, api_key, hosted) as client:

        def start() -> int:
            keyframes: list[dict[str, Any]] = []
            for index, image in enumerate(sources):
                frame: dict[str, Any] = {"img_id": client.image_id(image)}
                if index < len(seconds):
                    frame["duration"] = seconds[index]
                keyframes.append(frame)
            return client.multi_transition(keyframes, **options)

        _run(client, start, out, as_json, no_wait, timeout)


@generate_app.command("fusion")
def generate_fusion(
    prompt: Annotated[str, typer.Argument(help="Mentions every reference as @name")],
    subject: Annotated[
        list[str], typer.Option(help="name=IMAGE (path, URL or img_id); repeat for more")
    ],
    background: Annotated[str | None, typer.Option(help="name=IMAGE for the background")] = None,
    model: Model = "v4.5",
    quality: Quality = "540p",
    duration: Duration = 5,
    aspect_ratio: Annotated[str, typer.Option(help=ASPECT_HELP)] = "16:9",
    seed: Seed = None,
    out: Out = None,
    no_wait: NoWait = False,
    timeout: Timeout = 600.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Reference-to-video: subjects (and a background) named in the prompt."""
    named = [("subject", item) for item in subject]
    if background:
        named.append(("background", background))
    parsed: list[tuple[str, str, int | str | Path]] = []
    for kind, item in named:
        name, sep, image = item.partition("=")
        if not sep or not name.strip():
            err_console.print(f"[red]error:[/red] {item!r}: expected name=IMAGE")
            raise typer.Exit(code=2)
        parsed.append((kind, name.strip(), _image_source(image)))
    options = _options(
        model=model, quality=quality, duration=duration, aspect_ratio=aspect_ratio, seed=seed
    )
    with _client(base_url, api_key, hosted) as client:

        def start() -> int:
            references = [
                {"type": kind, "ref_name": name, "img_id": client.image_id(image)}
                for kind, name, image in parsed
            ]
            return client.fusion(references, prompt, **options)

        _run(client, start, out, as_json, no_wait, timeout)


@generate_app.command("masks")
def generate_masks(
    video: VideoArg,
    keyframe: Annotated[int, typer.Option(help="1-based frame number")] = 1,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Swap step 1: list the regions found on a frame (mask ids for `generate swap`)."""
    with _client(base_url, api_key, hosted) as client:
        source = _video_source(client, video)
        selection = client.select_masks(**source, keyframe_id=keyframe)
        # Swap must name the same video: an uploaded file is referred to by its media id now.
        reference = (
            str(source["video_id"]) if "video_id" in source else f"media:{source['media_id']}"
        )
        lines = [f"video {reference}, keyframe {selection.keyframe_id}: {selection.keyframe_url}"]
        lines += [f"{m.mask_id}  {m.mask_name}  {m.mask_url}" for m in selection.mask_info]
        _emit({"video": reference, **selection.model_dump()}, as_json, "\n".join(lines))


@generate_app.command("swap")
def generate_swap(
    video: VideoArg,
    mask_id: Annotated[str, typer.Option(help="From `generate masks`")],
    image: Annotated[str, typer.Option(help="Replacement: path, URL or img_id")],
    keyframe: Annotated[int, typer.Option(help="The keyframe the mask came from")] = 1,
    quality: Annotated[str, typer.Option(help=", ".join(values.SWAP_QUALITIES))] = "540p",
    keep_sound: Annotated[bool, typer.Option("--keep-sound", help="Keep the sound")] = False,
    out: Out = None,
    no_wait: NoWait = False,
    timeout: Timeout = 600.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Swap step 2: replace the masked region with an image."""
    replacement = _image_source(image)
    _run_on_video(
        video,
        lambda client, source: client.swap(
            **source,
            mask_id=mask_id,
            keyframe_id=keyframe,
            image=replacement,
            quality=quality,
            keep_original_sound=keep_sound or None,
        ),
        out,
        as_json,
        no_wait,
        timeout,
        base_url,
        api_key,
        hosted,
    )


@generate_app.command("mimic")
def generate_mimic(
    video: VideoArg,
    image: Annotated[str, typer.Option(help="The character: path, URL or img_id")],
    quality: Annotated[str, typer.Option(help=", ".join(values.SWAP_QUALITIES))] = "540p",
    out: Out = None,
    no_wait: NoWait = False,
    timeout: Timeout = 600.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Motion control: the image's character moves like the video's subject."""
    character = _image_source(image)
    _run_on_video(
        video,
        lambda client, source: client.mimic(character, **source, quality=quality),
        out,
        as_json,
        no_wait,
        timeout,
        base_url,
        api_key,
        hosted,
    )


@generate_app.command("modify")
def generate_modify(
    video: VideoArg,
    prompt: Annotated[str, typer.Option(help="The edit; masks are @selection0.., images @img0..")],
    quality: Annotated[str, typer.Option(help=", ".join(values.MODIFY_QUALITIES))] = "540p",
    mask_id: Annotated[
        list[str] | None, typer.Option(help="A mask id from `generate masks` (up to 3)")
    ] = None,
    image: Annotated[
        list[str] | None, typer.Option(help="A reference image: path, URL or img_id (up to 3)")
    ] = None,
    keyframe_id: Annotated[int | None, typer.Option(help="The masks' keyframe")] = None,
    out: Out = None,
    no_wait: NoWait = False,
    timeout: Timeout = 600.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Modify: edit a video with a prompt (colour, weather, lighting, removal, swap)."""
    references = [_image_source(i) for i in image or ()]
    _run_on_video(
        video,
        lambda client, source: client.modify(
            prompt,
            **source,
            quality=quality,
            mask_ids=mask_id or (),
            images=references,
            keyframe_id=keyframe_id,
        ),
        out,
        as_json,
        no_wait,
        timeout,
        base_url,
        api_key,
        hosted,
    )


@generate_app.command("image-template")
def generate_image_template(
    template_id: int,
    images: Annotated[list[str], typer.Argument(help="Image paths, URLs or img_ids")],
    out: Annotated[Path | None, typer.Option("--out", help="Save the picture here.")] = None,
    timeout: Timeout = 300.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Apply an image template (a picture, not a video) and wait for it."""
    sources = [_image_source(image) for image in images]
    with _client(base_url, api_key, hosted) as client:
        result = client.wait_image(client.image_template(template_id, sources), timeout)
        data = result.model_dump(by_alias=True)
        if out is not None:
            out.write_bytes(client.fetch(result.url))
            data["saved_to"] = str(out)
        summary = (
            f"image {result.image_id}: {result.output_width}x{result.output_height}\n{result.url}"
        )
        _emit(data, as_json, summary + (f"\nsaved to {out}" if out else ""))


def speakers(
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """List the TTS speakers for lip sync."""
    with _client(base_url, api_key, hosted) as client:
        found = client.tts_speakers(page_size=100)
        _emit(
            {"speakers": [s.model_dump() for s in found]},
            as_json,
            "\n".join(f"{s.speaker_id}: {s.name}" for s in found),
        )


def restyles(
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """List the restyle looks."""
    with _client(base_url, api_key, hosted) as client:
        found = client.restyles(page_size=100)
        _emit(
            {"restyles": [r.model_dump() for r in found]},
            as_json,
            "\n".join(f"{r.restyle_id}: {r.restyle_name} - {r.restyle_prompt}" for r in found),
        )


def _image_source(value: str) -> int | str | Path:
    from pixforge.sdk import image_reference

    try:
        return image_reference(value)
    except FileNotFoundError as error:
        err_console.print(f"[red]error:[/red] {value}: no such file")
        raise typer.Exit(code=2) from error


def status(
    video_id: int,
    wait: Annotated[bool, typer.Option("--wait", help="Wait until it is finished.")] = False,
    out: Out = None,
    timeout: Timeout = 600.0,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Show a generation's status (optionally wait for it and download it)."""
    with _client(base_url, api_key, hosted) as client:
        if wait or out is not None:
            _run(client, lambda: video_id, out, as_json, False, timeout)
            return
        result = client.result(video_id)
        state = STATUS_NAMES.get(result.status, str(result.status))
        progress = f" ({result.progress}%)" if result.status == 5 and result.progress else ""
        _emit(
            result.model_dump(by_alias=True),
            as_json,
            f"video {result.id}: {state}{progress}" + (f"\n{result.url}" if result.url else ""),
        )
        if result.status in (6, 7, 8):
            raise typer.Exit(code=EXIT_GENERATION)


def balance(
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    hosted: Hosted = False,
    as_json: AsJson = False,
) -> None:
    """Show the account's credits."""
    with _client(base_url, api_key, hosted) as client:
        result = client.balance()
        _emit(
            result.model_dump(),
            as_json,
            f"account {result.account_id}: {result.credit_monthly} monthly + "
            f"{result.credit_package} package = {result.total} credits",
        )
