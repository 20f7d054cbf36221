"""MCP server: PixVerse video tools for AI assistants, built on the SDK, for any compatible API.

Transports: stdio (for desktop assistants) and streamable HTTP. Tools that generate wait for the
video by default and answer with its URL; the allowed values of every option are in the schemas.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from pixforge import values
from pixforge.mcp.tools import TOOLS
from pixforge.sdk import (
    AsyncClient,
    GenerationError,
    PixverseError,
    VideoResult,
    image_reference,
)

if TYPE_CHECKING:
    Model: TypeAlias = str
    FusionModel: TypeAlias = str
    MultiTransitionModel: TypeAlias = str
    Quality: TypeAlias = str
    SwapQuality: TypeAlias = str
    AspectRatio: TypeAlias = str
    Style: TypeAlias = str
    MotionMode: TypeAlias = str
    ThinkingType: TypeAlias = str
    CameraMovement: TypeAlias = str
else:
    # Enums in the tool schemas, from the one table of allowed values (pixforge.values).
    Model = Literal[values.MODELS]
    FusionModel = Literal[values.FUSION_MODELS]
    MultiTransitionModel = Literal[values.MULTI_TRANSITION_MODELS]
    Quality = Literal[values.QUALITIES]
    SwapQuality = Literal[values.SWAP_QUALITIES]
    AspectRatio = Literal[values.WIDE_ASPECT_RATIOS]
    Style = Literal[values.STYLES]
    MotionMode = Literal[values.MOTION_MODES]
    ThinkingType = Literal[values.THINKING_TYPES]
    CameraMovement = Literal[values.CAMERA_MOVEMENTS]

Duration = Annotated[
    int,
    Field(ge=1, le=15, description=f"Seconds per model: {values.durations_help()}"),
]
Seed = Annotated[int | None, Field(ge=0, le=values.SEED_MAX, description="Random seed")]
Wait = Annotated[bool, Field(description="Wait for the finished video (else return the id)")]
TimeoutS = Annotated[float, Field(gt=0, le=3600, description="Seconds to wait at most")]
ImageRef = Annotated[
    str, Field(description="Local image path on this machine, an http(s) URL, or an img_id")
]


VideoRef = Annotated[
    str,
    Field(
        description=(
            "The input video: a video_id from this API (digits), media:<media_id> for an "
            "uploaded video, or a local video path / http(s) URL to upload first"
        )
    ),
]
SpeakerId = Annotated[str, Field(description="TTS speaker id from get_tts_speakers, e.g. Auto")]
ToolFunction = TypeVar("ToolFunction", bound=Callable[..., Awaitable[Any]])


def _result(result: VideoResult) -> dict[str, Any]:
    return {
        "video_id": result.id,
        "status": result.status,
        "url": result.url,
        "width": result.output_width,
        "height": result.output_height,
        "size_bytes": result.size,
        "seed": result.seed,
        "has_audio": result.has_audio,
        "progress": result.progress,
    }


def _image(value: str) -> int | str | Path:
    try:
        return image_reference(value)
    except FileNotFoundError as error:
        raise ValueError(f"image {value!r}: no such file on the MCP server's machine") from error


def _options(**values: Any) -> dict[str, Any]:
    sound = values.pop("sound_effect_content", None)
    if sound:
        values["sound_effect_switch"] = True
        values["sound_effect_content"] = sound
    return {k: v for k, v in values.items() if v is not None}


def build_server(base_url: str | None = None, api_key: str | None = None) -> MCPServer[Any]:
    """The MCP server; every tool call talks to `base_url` with `api_key` (or PIXVERSE_*)."""
    server: MCPServer[Any] = MCPServer(
        name="pixforge",
        instructions=(
            "Generate short videos through a PixVerse-compatible API (pixforge or PixVerse). "
            "Generation tools wait for the video and return its URL."
        ),
    )

    def tool(function: ToolFunction) -> ToolFunction:
        """Register `function` as the tool of its name, described as in TOOLS."""
        return server.tool(name=function.__name__, description=TOOLS[function.__name__])(function)

    @asynccontextmanager
    async def client() -> AsyncIterator[AsyncClient]:
        """An SDK client whose errors reach the assistant as readable tool errors."""
        try:
            async with AsyncClient(api_key=api_key, base_url=base_url, poll_interval_s=2.0) as api:
                yield api
        except (PixverseError, ValueError) as error:
            raise ToolError(str(error)) from error

    async def finish(
        api: AsyncClient, video_id: int, wait: bool, timeout_s: float
    ) -> dict[str, Any]:
        if not wait:
            return _result(await api.result(video_id))
        try:
            return _result(await api.wait(video_id, timeout_s))
        except GenerationError as error:
            if error.result is None:
                raise
            return {**_result(error.result), "error": str(error)}

    @tool
    async def text_to_video(
        prompt: Annotated[str, Field(min_length=1, max_length=5000)],
        model: Model = "v5",
        duration: Duration = 5,
        quality: Quality = "540p",
        aspect_ratio: AspectRatio = "16:9",
        negative_prompt: str | None = None,
        style: Style | None = None,
        camera_movement: CameraMovement | None = None,
        motion_mode: MotionMode | None = None,
        seed: Seed = None,
        sound_effect_content: Annotated[
            str | None, Field(description="Add sound described so")
        ] = None,
        generate_audio_switch: Annotated[
            bool | None,
            Field(description=f"Native audio ({', '.join(values.models_with('audio'))})"),
        ] = None,
        generate_multi_clip_switch: Annotated[
            bool | None,
            Field(description=f"Several shots ({', '.join(values.models_with('multi_clip'))})"),
        ] = None,
        thinking_type: Annotated[
            ThinkingType | None,
            Field(description=f"enabled only on {', '.join(values.models_with('thinking'))}"),
        ] = None,
        wait: Wait = True,
        timeout_s: TimeoutS = 600.0,
    ) -> dict[str, Any]:
        options = _options(
            model=model,
            duration=duration,
            quality=quality,
            aspect_ratio=aspect_ratio,
            negative_prompt=negative_prompt,
            style=style,
            camera_movement=camera_movement,
            motion_mode=motion_mode,
            seed=seed,
            sound_effect_content=sound_effect_content,
            generate_audio_switch=generate_audio_switch,
            generate_multi_clip_switch=generate_multi_clip_switch,
            thinking_type=thinking_type,
        )
        async with client() as api:
            return await finish(api, await api.text_to_video(prompt, **options), wait, timeout_s)

    @tool
    async def image_to_video(
        image: ImageRef,
        prompt: str = "",
        model: Model = "v5",
        duration: Duration = 5,
        quality: Quality = "540p",
        style: Style | None = None,
        camera_movement: CameraMovement | None = None,
        motion_mode: MotionMode | None = None,
        seed: Seed = None,
        template_id: int | None = None,
        sound_effect_content: Annotated[
            str | None, Field(description="Add sound described so")
        ] = None,
        wait: Wait = True,
        timeout_s: TimeoutS = 600.0,
    ) -> dict[str, Any]:
        options = _options(
            model=model,
            duration=duration,
            quality=quality,
            style=style,
            camera_movement=camera_movement,
            motion_mode=motion_mode,
            seed=seed,
            template_id=template_id,
            sound_effect_content=sound_effect_content,
        )
        async with client() as api:
            video_id = await api.image_to_video(_image(image), prompt, **options)
            return await finish(api, video_id, wait, timeout_s)

    @tool
    async def transition(
        first_image: ImageRef,
        last_image: ImageRef,
        prompt: Annotated[str, Field(min_length=1)] = "transition",
        model: Model = "v5",
        duration: Duration = 5,
        quality: Quality = "540p",
        motion_mode: MotionMode | None = None,
        seed: Seed = None,
        wait: Wait = True,
        timeout_s: TimeoutS = 600.0,
    ) -> dict[str, Any]:
        options = _options(
            model=model, duration=duration, quality=quality, motion_mode=motion_mode, seed=seed
        )
        async with client() as api:
            video_id = await api.transition(
                _image(first_image), _image(last_image), prompt, **options
            )
            return await finish(api, video_id, wait, timeout_s)

    @tool
    async def video_status(video_id: int) -> dict[str, Any]:
        async with client() as api:
            return _result(await api.result(video_id))

    @tool
    async def balance() -> dict[str, Any]:
        async with client() as api:
            result = await api.balance()
            return {**result.model_dump(), "total": result.total}

    async def source(api: AsyncClient, value: str) -> dict[str, int]:
        """video_id / media_id keyword arguments for a VideoRef, uploading a file or URL."""
        try:
            return await api.video_source(value)
        except FileNotFoundError as error:
            raise ValueError(
                f"video {value!r}: no such file on the MCP server's machine"
            ) from error

    @tool
    async def upload_media(
        file: Annotated[str, Field(description="Local file path or http(s) URL")],
    ) -> dict[str, Any]:
        async with client() as api:
            target: str | Path = file
            if not file.startswith(("http://", "https://")):
                target = Path(file).expanduser()
                if not target.is_file():
                    raise ValueError(f"{file!r}: no such file on the MCP server's machine")
            uploaded = await api.upload_media(target)
            return uploaded.model_dump()

    @tool
    async def extend_video(
        video: VideoRef,
        prompt: Annotated[str, Field(min_length=1, max_length=5000)],
        model: Model = "v5",
        duration: Duration = 5,
        quality: Quality = "540p",
        seed: Seed = None,
        wait: Wait = True,
        timeout_s: TimeoutS = 600.0,
    ) -> dict[str, Any]:
        options = _options(model=model, duration=duration, quality=quality, seed=seed)
        async with client() as api:
            video_id = await api.extend(prompt, **await source(api, video), **options)
            return await finish(api, video_id, wait, timeout_s)

    @tool
    async def lip_sync_video(
        video: VideoRef,
        text: Annotated[str | None, Field(max_length=200, description="Words to speak")] = None,
        speaker_id: SpeakerId = "Auto",
        audio_media_id: Annotated[
            int | None, Field(description="An uploaded audio's media_id (instead of text)")
        ] = None,
        wait: Wait = True,
        timeout_s: TimeoutS = 600.0,
    ) -> dict[str, Any]:
        async with client() as api:
            video_id = await api.lip_sync(
                **await source(api, video),
                audio_media_id=audio_media_id,
                speaker_id=None if audio_media_id else speaker_id,
                text=text,
            )
            return await finish(api, video_id, wait, timeout_s)

    @tool
    async def sound_effect_video(
        video: VideoRef,
        sound_effect_content: Annotated[
            str | None, Field(max_length=2048, description="The sound; empty = from the video")
        ] = None,
        keep_original_sound: bool = False,
        wait: Wait = True,
        timeout_s: TimeoutS = 600.0,
    ) -> dict[str, Any]:
        async with client() as api:
            video_id = await api.sound_effect(
                **await source(api, video),
                content=sound_effect_content,
                keep_original_sound=keep_original_sound,
            )
            return await finish(api, video_id, wait, timeout_s)

    @tool
    async def fusion_video(
        prompt: Annotated[str, Field(min_length=1, description="Mentions every @ref_name")],
        subjects: Annotated[
            dict[str, str], Field(description="ref_name -> image (path, URL or img_id)")
        ],
        background: Annotated[
            dict[str, str] | None, Field(description="{ref_name: image} for the background")
        ] = None,
        model: FusionModel = "v4.5",
        duration: Duration = 5,
        quality: Quality = "540p",
        aspect_ratio: AspectRatio = "16:9",
        seed: Seed = None,
        wait: Wait = True,
        timeout_s: TimeoutS = 600.0,
    ) -> dict[str, Any]:
        options = _options(
            model=model, duration=duration, quality=quality, aspect_ratio=aspect_ratio, seed=seed
        )
        async with client() as api:
            references = []
            for kind, named in (("subject", subjects), ("background", background or {})):
                for name, image in named.items():
                    img_id = await api.image_id(_image(image))
                    references.append({"type": kind, "img_id": img_id, "ref_name": name})
            video_id = await api.fusion(references, prompt, **options)
            return await finish(api, video_id, wait, timeout_s)

    @tool
    async def restyle_video(
        video: VideoRef,
        restyle_id: Annotated[int | None, Field(description="From list_restyles")] = None,
        restyle_prompt: Annotated[str | None, Field(max_length=2048)] = None,
        seed: Seed = None,
        wait: Wait = True,
        timeout_s: TimeoutS = 600.0,
    ) -> dict[str, Any]:
        async with client() as api:
            video_id = await api.restyle(
                **await source(api, video),
                restyle_id=restyle_id,
                prompt=restyle_prompt,
                seed=seed,
            )
            return await finish(api, video_id, wait, timeout_s)

    @tool
    async def multi_transition_video(
        images: Annotated[list[str], Field(min_length=2, max_length=7)],
        durations: Annotated[list[int], Field(description="One fewer than images, 1-8 s each")],
        model: MultiTransitionModel = "v5",
        quality: Quality = "540p",
        seed: Seed = None,
        wait: Wait = True,
        timeout_s: TimeoutS = 600.0,
    ) -> dict[str, Any]:
        if len(durations) != len(images) - 1:
            raise ToolError("durations: give one duration fewer than images")
        async with client() as api:
            keyframes: list[dict[str, Any]] = []
            for index, image in enumerate(images):
                keyframe: dict[str, Any] = {"img_id": await api.image_id(_image(image))}
                if index < len(durations):
                    keyframe["duration"] = durations[index]
                keyframes.append(keyframe)
            options = _options(model=model, quality=quality, seed=seed)
            video_id = await api.multi_transition(keyframes, **options)
            return await finish(api, video_id, wait, timeout_s)

    @tool
    async def select_masks(
        video: VideoRef,
        keyframe_id: Annotated[int, Field(ge=1, description="1-based frame number")] = 1,
    ) -> dict[str, Any]:
        async with client() as api:
            selection = await api.select_masks(**await source(api, video), keyframe_id=keyframe_id)
            return selection.model_dump()

    @tool
    async def swap_video(
        video: VideoRef,
        mask_id: str,
        keyframe_id: int,
        image: ImageRef,
        quality: SwapQuality = "540p",
        keep_original_sound: bool = False,
        wait: Wait = True,
        timeout_s: TimeoutS = 600.0,
    ) -> dict[str, Any]:
        async with client() as api:
            video_id = await api.swap(
                **await source(api, video),
                mask_id=mask_id,
                keyframe_id=keyframe_id,
                image=_image(image),
                quality=quality,
                keep_original_sound=keep_original_sound,
            )
            return await finish(api, video_id, wait, timeout_s)

    @tool
    async def mimic_video(
        video: VideoRef,
        image: ImageRef,
        quality: SwapQuality = "540p",
        wait: Wait = True,
        timeout_s: TimeoutS = 600.0,
    ) -> dict[str, Any]:
        async with client() as api:
            video_id = await api.mimic(_image(image), **await source(api, video), quality=quality)
            return await finish(api, video_id, wait, timeout_s)

    @tool
    async def modify_video(
        video: VideoRef,
        prompt: Annotated[str, Field(min_length=1, max_length=values.MODIFY_PROMPT_MAX_CHARS)],
        quality: SwapQuality = "540p",
        mask_ids: Annotated[list[str], Field(max_length=values.MODIFY_MAX_MASKS)] = [],  # noqa: B006
        images: Annotated[list[ImageRef], Field(max_length=values.MODIFY_MAX_IMAGES)] = [],  # noqa: B006
        keyframe_id: int | None = None,
        wait: Wait = True,
        timeout_s: TimeoutS = 600.0,
    ) -> dict[str, Any]:
        async with client() as api:
            video_id = await api.modify(
                prompt,
                **await source(api, video),
                quality=quality,
                mask_ids=mask_ids,
                images=[_image(i) for i in images],
                keyframe_id=keyframe_id,
            )
            return await finish(api, video_id, wait, timeout_s)

    @tool
    async def image_template(
        template_id: int,
        images: Annotated[list[ImageRef], Field(min_length=1, max_length=5)],
        timeout_s: TimeoutS = 300.0,
    ) -> dict[str, Any]:
        async with client() as api:
            image_id = await api.image_template(template_id, [_image(i) for i in images])
            result = await api.wait_image(image_id, timeout_s)
            return result.model_dump(by_alias=True)

    @tool
    async def get_tts_speakers() -> list[dict[str, Any]]:
        async with client() as api:
            return [speaker.model_dump() for speaker in await api.tts_speakers(page_size=100)]

    @tool
    async def list_restyles() -> list[dict[str, Any]]:
        async with client() as api:
            return [look.model_dump() for look in await api.restyles(page_size=100)]

    return server


def run(transport: str, base_url: str | None, api_key: str | None, host: str, port: int) -> None:
    """Run until stopped: stdio, or streamable HTTP at http://host:port/mcp."""
    # One line per HTTP poll is noise in an assistant's MCP log; errors still show.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        server = build_server(base_url, api_key)
    except PixverseError as error:
        raise SystemExit(f"pixforge mcp: {error}") from error
    if transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host=host, port=port)
