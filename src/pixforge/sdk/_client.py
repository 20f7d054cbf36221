"""Client and AsyncClient: the PixVerse Platform API over httpx, with idempotent retries.

Every call gets a fresh Ai-trace-id; automatic retries of transient failures (dropped
connections, timeouts, HTTP 5xx without an envelope, ErrCode 500069/500100) re-send the same
trace id, so a retried generate or upload can never create or charge twice.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import (
    AsyncRetrying,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from pixforge.sdk._exceptions import (
    APIConnectionError,
    APIError,
    GenerationDeletedError,
    GenerationFailedError,
    InvalidRequestError,
    ModerationError,
    PixverseError,
    ServerError,
    WaitTimeoutError,
    error_class,
)
from pixforge.sdk._models import (
    DELETED,
    FAILED,
    MODERATION_FAILED,
    Balance,
    ExtendRequest,
    FusionRequest,
    ImageReference,
    ImageResult,
    ImageToVideoRequest,
    Keyframe,
    LipSyncRequest,
    MaskSelection,
    MaskSelectionRequest,
    MimicRequest,
    ModifyRequest,
    MultiTransitionRequest,
    RestyleEffect,
    RestyleRequest,
    SoundEffectRequest,
    Speaker,
    SwapRequest,
    TextToVideoRequest,
    TransitionRequest,
    UploadedImage,
    UploadedMedia,
    VideoPage,
    VideoResult,
)

DEFAULT_BASE_URL = "https://app-api.pixverse.ai"
# pixforge's own routes beyond PixVerse's (docs/sandbox.md).
EXTENSIONS = "/pixforge/v1"
RETRYABLE_ERR_CODES = frozenset({500069, 500100})
ImageSource = str | Path | bytes
ProgressCallback = Callable[[VideoResult, float], None]
"""Called after every poll with the latest result and the seconds waited so far."""


class _Config:
    """What both clients share: credentials, URLs, and turning responses into results or errors."""

    def __init__(
        self,
        api_key: str | None,
        base_url: str | None,
        max_retries: int,
        poll_interval_s: float,
    ) -> None:
        key = api_key or os.environ.get("PIXVERSE_API_KEY", "")
        if not key:
            raise PixverseError("no API key: pass api_key= or set PIXVERSE_API_KEY")
        self.api_key = key
        self.base_url = base_url or os.environ.get("PIXVERSE_BASE_URL") or DEFAULT_BASE_URL
        self.base_url = self.base_url.rstrip("/")
        self.max_retries = max_retries
        self.poll_interval_s = poll_interval_s

    def headers(self, trace_id: str) -> dict[str, str]:
        return {"API-KEY": self.api_key, "Ai-trace-id": trace_id}

    def retry_policy(self) -> dict[str, Any]:
        return {
            "stop": stop_after_attempt(self.max_retries + 1),
            "wait": wait_exponential_jitter(multiplier=0.5, max=8.0),
            "retry": retry_if_exception(_is_transient),
            "reraise": True,
        }

    @staticmethod
    def parse(response: httpx.Response, trace_id: str) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, Mapping) or "ErrCode" not in body:
            raise ServerError(
                f"HTTP {response.status_code} without a PixVerse envelope", 0, trace_id
            )
        code = int(body.get("ErrCode") or 0)
        if code != 0:
            message = str(body.get("ErrMsg") or "error")
            raise error_class(code)(message, code, trace_id)
        return body.get("Resp")


def _is_transient(error: BaseException) -> bool:
    if isinstance(error, APIConnectionError):
        return True
    return isinstance(error, APIError) and (
        error.err_code in RETRYABLE_ERR_CODES or error.err_code == 0
    )


def image_reference(value: str) -> int | str | Path:
    """Read a user-typed image reference: digits are an img_id, http(s) is a URL, else a file.

    Raises FileNotFoundError when it names no existing file.
    """
    if value.isdigit():
        return int(value)
    if value.startswith(("http://", "https://")):
        return value
    path = Path(value).expanduser()
    if not path.is_file():
        raise FileNotFoundError(value)
    return path


def video_reference(value: str | int | Path) -> dict[str, int] | str | Path:
    """Read a video reference: an int or digits is a video_id, `media:N` an uploaded media_id;
    an http(s) URL or an existing file is returned as is, to be uploaded.

    Raises FileNotFoundError when it names no existing file.
    """
    if isinstance(value, int):
        return {"video_id": value}
    text = str(value).strip()
    if text.isdigit():
        return {"video_id": int(text)}
    if text.startswith("media:") and text[6:].isdigit():
        return {"media_id": int(text[6:])}
    if text.startswith(("http://", "https://")):
        return text
    path = Path(text).expanduser()
    if not path.is_file():
        raise FileNotFoundError(text)
    return path


def _image_form(source: ImageSource) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    """(files, data) for an image upload from a URL, a local path or raw bytes."""
    if isinstance(source, bytes):
        return {"image": ("image", source, "application/octet-stream")}, None
    text = str(source)
    if isinstance(source, str) and text.startswith(("http://", "https://")):
        return None, {"image_url": text}
    path = Path(source)
    return {"image": (path.name, path.read_bytes(), "application/octet-stream")}, None


def _media_form(
    source: ImageSource, media_type: str | None
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    data = {"media_type": media_type} if media_type else {}
    if isinstance(source, bytes):
        return {"file": ("media", source, "application/octet-stream")}, data
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        return None, {**data, "file_url": source}
    path = Path(source)
    return {"file": (path.name, path.read_bytes(), "application/octet-stream")}, data


RequestT = TypeVar("RequestT", bound=BaseModel)


def _request(request_type: type[RequestT], /, **fields: Any) -> RequestT:
    """Build a typed request; a wrong type fails here, before anything is sent (400013)."""
    try:
        return request_type(**fields)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "request"
        raise InvalidRequestError(f"{field}: {first['msg']}", 400013) from error


EXTEND = "/openapi/v2/video/extend/generate"
LIP_SYNC = "/openapi/v2/video/lip_sync/generate"
SOUND_EFFECT = "/openapi/v2/video/sound_effect/generate"
FUSION = "/openapi/v2/video/fusion/generate"
RESTYLE = "/openapi/v2/video/restyle/generate"
MULTI_TRANSITION = "/openapi/v2/video/multi_transition/generate"
MASK_SELECTION = "/openapi/v2/video/mask/selection"
SWAP = "/openapi/v2/video/swap/generate"
MIMIC = "/openapi/v2/video/mimic/generate"
MODIFY = "/openapi/v2/video/modify/generate"
IMAGE_TEMPLATE = "/openapi/v2/image/template/generate"
TTS_LIST = "/openapi/v2/video/lip_sync/tts_list"
RESTYLE_LIST = "/openapi/v2/video/restyle/list"


def _page(page_num: int, page_size: int) -> dict[str, str]:
    return {"page_num": str(page_num), "page_size": str(page_size)}


def _lip_sync(
    video_id: int | None,
    media_id: int | None,
    audio_media_id: int | None,
    speaker_id: str | None,
    text: str | None,
) -> dict[str, object]:
    return _request(
        LipSyncRequest,
        source_video_id=video_id,
        video_media_id=media_id,
        audio_media_id=audio_media_id,
        lip_sync_tts_speaker_id=speaker_id,
        lip_sync_tts_content=text,
    ).body()


def _sound(
    video_id: int | None, media_id: int | None, content: str | None, keep: bool | None
) -> dict[str, object]:
    return _request(
        SoundEffectRequest,
        source_video_id=video_id,
        video_media_id=media_id,
        sound_effect_content=content,
        original_sound_switch=keep,
    ).body()


def _restyle(
    video_id: int | None,
    media_id: int | None,
    restyle_id: int | None,
    prompt: str | None,
    seed: int | None,
) -> dict[str, object]:
    return _request(
        RestyleRequest,
        source_video_id=video_id,
        video_media_id=media_id,
        restyle_id=restyle_id,
        restyle_prompt=prompt,
        seed=seed,
    ).body()


def _finished(result: VideoResult) -> VideoResult:
    """The result itself when it succeeded; the matching error when it did not."""
    if result.status == MODERATION_FAILED:
        raise ModerationError(f"video {result.id} was blocked by content moderation", result)
    if result.status == FAILED:
        raise GenerationFailedError(f"video {result.id} failed to generate", result)
    if result.status == DELETED:
        raise GenerationDeletedError(f"video {result.id} was deleted", result)
    return result


def _image_failure(result: ImageResult) -> str | None:
    if result.status in (MODERATION_FAILED, FAILED, DELETED):
        return f"image {result.image_id} ended with status {result.status}"
    return None


def _next_poll_s(current_s: float, ceiling_s: float) -> float:
    return min(ceiling_s, current_s * 1.5)


class Client:
    """Synchronous client. Configure with arguments or PIXVERSE_API_KEY / PIXVERSE_BASE_URL."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        poll_interval_s: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._config = _Config(api_key, base_url, max_retries, poll_interval_s)
        self._http = httpx.Client(
            base_url=self._config.base_url, timeout=timeout_s, transport=transport
        )

    @property
    def base_url(self) -> str:
        return self._config.base_url

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        trace_id = str(uuid.uuid4())
        for attempt in Retrying(**self._config.retry_policy()):
            with attempt:
                try:
                    response = self._http.request(
                        method, path, headers=self._config.headers(trace_id), **kwargs
                    )
                except httpx.TransportError as error:
                    raise APIConnectionError(f"{method} {path}: {error}", 0, trace_id) from error
                return self._config.parse(response, trace_id)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def balance(self) -> Balance:
        return Balance.model_validate(self._call("GET", "/openapi/v2/account/balance"))

    def upload_image(self, source: ImageSource) -> UploadedImage:
        """Upload from a local path, raw bytes, or an http(s) URL the server fetches."""
        files, data = _image_form(source)
        resp = self._call("POST", "/openapi/v2/image/upload", files=files, data=data)
        return UploadedImage.model_validate(resp)

    def upload_media(self, source: ImageSource, media_type: str | None = None) -> UploadedMedia:
        """Upload a video or audio file (path, bytes or URL); the server detects the type."""
        files, data = _media_form(source, media_type)
        resp = self._call("POST", "/openapi/v2/media/upload", files=files, data=data)
        return UploadedMedia.model_validate(resp)

    def image_id(self, image: int | ImageSource) -> int:
        """An img_id: returned as is, or got by uploading a path, bytes or URL."""
        return image if isinstance(image, int) else self.upload_image(image).img_id

    def video_source(self, video: str | int | Path) -> dict[str, int]:
        """`video_id=` / `media_id=` keyword arguments for a video reference (see
        video_reference), uploading a file or URL first."""
        reference = video_reference(video)
        if isinstance(reference, dict):
            return reference
        return {"media_id": self.upload_media(reference).media_id}

    def text_to_video(self, prompt: str, **options: Any) -> int:
        """Start a text-to-video generation; returns its video_id."""
        request = _request(TextToVideoRequest, prompt=prompt, **options)
        return int(
            self._call("POST", "/openapi/v2/video/text/generate", json=request.body())["video_id"]
        )

    def image_to_video(self, image: int | ImageSource, prompt: str = "", **options: Any) -> int:
        """Start an image-to-video generation from an img_id or an image to upload first."""
        request = _request(
            ImageToVideoRequest, img_id=self.image_id(image), prompt=prompt, **options
        )
        return int(
            self._call("POST", "/openapi/v2/video/img/generate", json=request.body())["video_id"]
        )

    def transition(
        self, first: int | ImageSource, last: int | ImageSource, prompt: str, **options: Any
    ) -> int:
        """Start a first/last-frame transition; images may be ids or sources to upload."""
        request = _request(
            TransitionRequest,
            first_frame_img=self.image_id(first),
            last_frame_img=self.image_id(last),
            prompt=prompt,
            **options,
        )
        body = request.body()
        return int(
            self._call("POST", "/openapi/v2/video/transition/generate", json=body)["video_id"]
        )

    def _generate(self, path: str, body: dict[str, object]) -> int:
        return int(self._call("POST", path, json=body)["video_id"])

    def extend(
        self,
        prompt: str,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        **options: Any,
    ) -> int:
        """Continue a finished video (video_id) or an uploaded one (media_id)."""
        request = _request(
            ExtendRequest,
            prompt=prompt,
            source_video_id=video_id,
            video_media_id=media_id,
            **options,
        )
        return self._generate(EXTEND, request.body())

    def lip_sync(
        self,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        audio_media_id: int | None = None,
        speaker_id: str | None = None,
        text: str | None = None,
    ) -> int:
        """Make a video speak: uploaded audio (audio_media_id), or TTS (speaker_id + text)."""
        return self._generate(
            LIP_SYNC, _lip_sync(video_id, media_id, audio_media_id, speaker_id, text)
        )

    def sound_effect(
        self,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        content: str | None = None,
        keep_original_sound: bool | None = None,
    ) -> int:
        """Add a generated sound track (described by `content`, or chosen from the video)."""
        return self._generate(
            SOUND_EFFECT, _sound(video_id, media_id, content, keep_original_sound)
        )

    def fusion(
        self,
        references: Sequence[ImageReference | Mapping[str, Any]],
        prompt: str,
        **options: Any,
    ) -> int:
        """Reference-to-video: 1-3 images (up to 7 on newer models) named @ref_name; on v6
        `video_references=[...]`, `reference_mode="omni"`, `duration=0` (omni mode)."""
        request = _request(
            FusionRequest, image_references=list(references), prompt=prompt, **options
        )
        return self._generate(FUSION, request.body())

    def restyle(
        self,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        restyle_id: int | None = None,
        prompt: str | None = None,
        seed: int | None = None,
    ) -> int:
        """Apply a restyle effect (from restyles()) or a free-form restyle prompt."""
        return self._generate(RESTYLE, _restyle(video_id, media_id, restyle_id, prompt, seed))

    def multi_transition(
        self, keyframes: Sequence[Keyframe | Mapping[str, Any]], **options: Any
    ) -> int:
        """Chain 2-7 keyframes; each but the last carries its segment's duration."""
        request = _request(MultiTransitionRequest, multi_transition=list(keyframes), **options)
        return self._generate(MULTI_TRANSITION, request.body())

    def select_masks(
        self,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        keyframe_id: int | None = None,
    ) -> MaskSelection:
        """Swap step 1: the regions found on a keyframe (charged at once)."""
        body = _request(
            MaskSelectionRequest,
            source_video_id=video_id,
            video_media_id=media_id,
            keyframe_id=keyframe_id,
        ).body()
        return MaskSelection.model_validate(self._call("POST", MASK_SELECTION, json=body))

    def swap(
        self,
        *,
        mask_id: str,
        keyframe_id: int,
        image: int | ImageSource,
        video_id: int | None = None,
        media_id: int | None = None,
        quality: str = "540p",
        keep_original_sound: bool | None = None,
    ) -> int:
        """Swap step 2: replace the selected region with an image throughout the video."""
        request = _request(
            SwapRequest,
            source_video_id=video_id,
            video_media_id=media_id,
            keyframe_id=keyframe_id,
            mask_id=mask_id,
            img_id=self.image_id(image),
            quality=quality,
            original_sound_switch=keep_original_sound,
        )
        return self._generate(SWAP, request.body())

    def mimic(
        self,
        image: int | ImageSource,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        quality: str = "540p",
    ) -> int:
        """Motion control: the image's character moves as the reference video's subject."""
        request = _request(
            MimicRequest,
            source_video_id=video_id,
            video_media_id=media_id,
            img_id=self.image_id(image),
            quality=quality,
        )
        return self._generate(MIMIC, request.body())

    def modify(
        self,
        prompt: str,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        quality: str = "540p",
        mask_ids: Sequence[str] = (),
        images: Sequence[int | ImageSource] = (),
        keyframe_id: int | None = None,
        seed: int | None = None,
    ) -> int:
        """Modify: edit a video with a prompt, limited to masks of a mask selection
        (@selection0..) and using reference images (@img0..)."""
        request = _request(
            ModifyRequest,
            source_video_id=video_id,
            video_media_id=media_id,
            prompt=prompt,
            quality=quality,
            mask_ids=list(mask_ids) or None,
            img_ids=[self.image_id(i) for i in images] or None,
            keyframe_ids=keyframe_id,
            seed=seed,
        )
        return self._generate(MODIFY, request.body())

    def image_template(self, template_id: int, images: Sequence[int | ImageSource]) -> int:
        """Apply an image template (from the template list, type 2) to its image(s); returns
        the image_id."""
        body = {"template_id": template_id, "img_ids": [self.image_id(i) for i in images]}
        return int(self._call("POST", IMAGE_TEMPLATE, json=body)["image_id"])

    def image_result(self, image_id: int) -> ImageResult:
        return ImageResult.model_validate(self._call("GET", f"/openapi/v2/image/result/{image_id}"))

    def wait_image(self, image_id: int, timeout_s: float = 300.0) -> ImageResult:
        """Poll until the image is finished; raise GenerationFailedError for 6/7/8."""
        started = time.monotonic()
        delay_s = min(1.0, self._config.poll_interval_s)
        while True:
            result = self.image_result(image_id)
            if result.is_finished:
                failure = _image_failure(result)
                if failure is not None:
                    raise GenerationFailedError(failure)
                return result
            if time.monotonic() - started + delay_s > timeout_s:
                raise WaitTimeoutError(f"image {image_id} still generating")
            time.sleep(delay_s)
            delay_s = _next_poll_s(delay_s, self._config.poll_interval_s)

    def tts_speakers(self, page_num: int = 1, page_size: int = 30) -> list[Speaker]:
        resp = self._call("GET", TTS_LIST, params=_page(page_num, page_size))
        return [Speaker.model_validate(item) for item in resp["data"]]

    def restyles(self, page_num: int = 1, page_size: int = 30) -> list[RestyleEffect]:
        resp = self._call("GET", RESTYLE_LIST, params=_page(page_num, page_size))
        return [RestyleEffect.model_validate(item) for item in resp["data"]]

    def result(self, video_id: int) -> VideoResult:
        return VideoResult.model_validate(self._call("GET", f"/openapi/v2/video/result/{video_id}"))

    def wait(
        self,
        video_id: int,
        timeout_s: float = 600.0,
        on_progress: ProgressCallback | None = None,
    ) -> VideoResult:
        """Poll with backoff until the video is finished; raise for 6/7/8 or on timeout."""
        started = time.monotonic()
        delay_s = min(1.0, self._config.poll_interval_s)
        while True:
            result = self.result(video_id)
            elapsed_s = time.monotonic() - started
            if on_progress is not None:
                on_progress(result, elapsed_s)
            if result.is_finished:
                return _finished(result)
            if elapsed_s + delay_s > timeout_s:
                raise WaitTimeoutError(
                    f"video {video_id} still generating after {elapsed_s:.0f} s", result
                )
            time.sleep(delay_s)
            delay_s = _next_poll_s(delay_s, self._config.poll_interval_s)

    # -- pixforge extensions (/pixforge/v1): a PixVerse server answers them 404

    def list_videos(
        self,
        *,
        page: int = 1,
        page_size: int = 20,
        status: Sequence[int] = (),
        mode: Sequence[str] = (),
        created_from: float | None = None,
        created_to: float | None = None,
    ) -> VideoPage:
        """The account's generations, newest first (pixforge only)."""
        params: dict[str, str] = {"page": str(page), "page_size": str(page_size)}
        if status:
            params["status"] = ",".join(str(s) for s in status)
        if mode:
            params["mode"] = ",".join(mode)
        if created_from is not None:
            params["created_from"] = str(created_from)
        if created_to is not None:
            params["created_to"] = str(created_to)
        return VideoPage.model_validate(self._call("GET", EXTENSIONS + "/videos", params=params))

    def cancel(self, video_id: int) -> VideoResult:
        """Cancel a generation still in 5: status 6, refunded (pixforge only)."""
        resp = self._call("POST", f"{EXTENSIONS}/videos/{video_id}/cancel")
        return VideoResult.model_validate(resp)

    def events(self, video_id: int) -> Iterator[VideoResult]:
        """The generation's progress as the server pushes it (Server-Sent Events), ending with
        its finished result (pixforge only)."""
        trace_id = str(uuid.uuid4())
        path = f"{EXTENSIONS}/videos/{video_id}/events"
        try:
            with self._http.stream(
                "GET", path, headers=self._config.headers(trace_id), timeout=None
            ) as response:
                if not response.headers.get("content-type", "").startswith("text/event-stream"):
                    response.read()
                    self._config.parse(response, trace_id)
                    raise ServerError(f"{path}: not an event stream", 0, trace_id)
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        yield VideoResult.model_validate_json(line[6:])
        except httpx.TransportError as error:
            raise APIConnectionError(f"GET {path}: {error}", 0, trace_id) from error

    def fetch(self, url: str) -> bytes:
        """The bytes behind a URL the API handed out (a picture, a mask, a cover)."""
        try:
            response = self._http.get(url)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise APIConnectionError(f"download of {url} failed: {error}") from error
        return response.content

    def download(self, video: int | VideoResult, path: str | Path) -> Path:
        """Save a finished video to `path` (waiting for it first when given an id)."""
        result = video if isinstance(video, VideoResult) else self.wait(video)
        target = Path(path)
        try:
            with self._http.stream("GET", _finished(result).url) as response:
                response.raise_for_status()
                with target.open("wb") as handle:
                    for chunk in response.iter_bytes():
                        handle.write(chunk)
        except httpx.HTTPError as error:
            raise APIConnectionError(f"download of video {result.id} failed: {error}") from error
        return target


class AsyncClient:
    """The same API as Client, with async methods."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        poll_interval_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._config = _Config(api_key, base_url, max_retries, poll_interval_s)
        self._http = httpx.AsyncClient(
            base_url=self._config.base_url, timeout=timeout_s, transport=transport
        )

    @property
    def base_url(self) -> str:
        return self._config.base_url

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        trace_id = str(uuid.uuid4())
        async for attempt in AsyncRetrying(**self._config.retry_policy()):
            with attempt:
                try:
                    response = await self._http.request(
                        method, path, headers=self._config.headers(trace_id), **kwargs
                    )
                except httpx.TransportError as error:
                    raise APIConnectionError(f"{method} {path}: {error}", 0, trace_id) from error
                return self._config.parse(response, trace_id)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def balance(self) -> Balance:
        return Balance.model_validate(await self._call("GET", "/openapi/v2/account/balance"))

    async def upload_image(self, source: ImageSource) -> UploadedImage:
        files, data = _image_form(source)
        resp = await self._call("POST", "/openapi/v2/image/upload", files=files, data=data)
        return UploadedImage.model_validate(resp)

    async def upload_media(
        self, source: ImageSource, media_type: str | None = None
    ) -> UploadedMedia:
        files, data = _media_form(source, media_type)
        resp = await self._call("POST", "/openapi/v2/media/upload", files=files, data=data)
        return UploadedMedia.model_validate(resp)

    async def image_id(self, image: int | ImageSource) -> int:
        return image if isinstance(image, int) else (await self.upload_image(image)).img_id

    async def video_source(self, video: str | int | Path) -> dict[str, int]:
        reference = video_reference(video)
        if isinstance(reference, dict):
            return reference
        return {"media_id": (await self.upload_media(reference)).media_id}

    async def text_to_video(self, prompt: str, **options: Any) -> int:
        request = _request(TextToVideoRequest, prompt=prompt, **options)
        resp = await self._call("POST", "/openapi/v2/video/text/generate", json=request.body())
        return int(resp["video_id"])

    async def image_to_video(
        self, image: int | ImageSource, prompt: str = "", **options: Any
    ) -> int:
        request = _request(
            ImageToVideoRequest, img_id=await self.image_id(image), prompt=prompt, **options
        )
        resp = await self._call("POST", "/openapi/v2/video/img/generate", json=request.body())
        return int(resp["video_id"])

    async def transition(
        self, first: int | ImageSource, last: int | ImageSource, prompt: str, **options: Any
    ) -> int:
        request = _request(
            TransitionRequest,
            first_frame_img=await self.image_id(first),
            last_frame_img=await self.image_id(last),
            prompt=prompt,
            **options,
        )
        body = request.body()
        resp = await self._call("POST", "/openapi/v2/video/transition/generate", json=body)
        return int(resp["video_id"])

    async def _generate(self, path: str, body: dict[str, object]) -> int:
        return int((await self._call("POST", path, json=body))["video_id"])

    async def extend(
        self,
        prompt: str,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        **options: Any,
    ) -> int:
        request = _request(
            ExtendRequest,
            prompt=prompt,
            source_video_id=video_id,
            video_media_id=media_id,
            **options,
        )
        return await self._generate(EXTEND, request.body())

    async def lip_sync(
        self,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        audio_media_id: int | None = None,
        speaker_id: str | None = None,
        text: str | None = None,
    ) -> int:
        return await self._generate(
            LIP_SYNC, _lip_sync(video_id, media_id, audio_media_id, speaker_id, text)
        )

    async def sound_effect(
        self,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        content: str | None = None,
        keep_original_sound: bool | None = None,
    ) -> int:
        return await self._generate(
            SOUND_EFFECT, _sound(video_id, media_id, content, keep_original_sound)
        )

    async def fusion(
        self,
        references: Sequence[ImageReference | Mapping[str, Any]],
        prompt: str,
        **options: Any,
    ) -> int:
        request = _request(
            FusionRequest, image_references=list(references), prompt=prompt, **options
        )
        return await self._generate(FUSION, request.body())

    async def restyle(
        self,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        restyle_id: int | None = None,
        prompt: str | None = None,
        seed: int | None = None,
    ) -> int:
        return await self._generate(RESTYLE, _restyle(video_id, media_id, restyle_id, prompt, seed))

    async def multi_transition(
        self, keyframes: Sequence[Keyframe | Mapping[str, Any]], **options: Any
    ) -> int:
        request = _request(MultiTransitionRequest, multi_transition=list(keyframes), **options)
        return await self._generate(MULTI_TRANSITION, request.body())

    async def select_masks(
        self,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        keyframe_id: int | None = None,
    ) -> MaskSelection:
        body = _request(
            MaskSelectionRequest,
            source_video_id=video_id,
            video_media_id=media_id,
            keyframe_id=keyframe_id,
        ).body()
        return MaskSelection.model_validate(await self._call("POST", MASK_SELECTION, json=body))

    async def swap(
        self,
        *,
        mask_id: str,
        keyframe_id: int,
        image: int | ImageSource,
        video_id: int | None = None,
        media_id: int | None = None,
        quality: str = "540p",
        keep_original_sound: bool | None = None,
    ) -> int:
        request = _request(
            SwapRequest,
            source_video_id=video_id,
            video_media_id=media_id,
            keyframe_id=keyframe_id,
            mask_id=mask_id,
            img_id=await self.image_id(image),
            quality=quality,
            original_sound_switch=keep_original_sound,
        )
        return await self._generate(SWAP, request.body())

    async def mimic(
        self,
        image: int | ImageSource,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        quality: str = "540p",
    ) -> int:
        request = _request(
            MimicRequest,
            source_video_id=video_id,
            video_media_id=media_id,
            img_id=await self.image_id(image),
            quality=quality,
        )
        return await self._generate(MIMIC, request.body())

    async def modify(
        self,
        prompt: str,
        *,
        video_id: int | None = None,
        media_id: int | None = None,
        quality: str = "540p",
        mask_ids: Sequence[str] = (),
        images: Sequence[int | ImageSource] = (),
        keyframe_id: int | None = None,
        seed: int | None = None,
    ) -> int:
        request = _request(
            ModifyRequest,
            source_video_id=video_id,
            video_media_id=media_id,
            prompt=prompt,
            quality=quality,
            mask_ids=list(mask_ids) or None,
            img_ids=[await self.image_id(i) for i in images] or None,
            keyframe_ids=keyframe_id,
            seed=seed,
        )
        return await self._generate(MODIFY, request.body())

    async def image_template(self, template_id: int, images: Sequence[int | ImageSource]) -> int:
        ids = [await self.image_id(i) for i in images]
        body = {"template_id": template_id, "img_ids": ids}
        return int((await self._call("POST", IMAGE_TEMPLATE, json=body))["image_id"])

    async def image_result(self, image_id: int) -> ImageResult:
        resp = await self._call("GET", f"/openapi/v2/image/result/{image_id}")
        return ImageResult.model_validate(resp)

    async def wait_image(self, image_id: int, timeout_s: float = 300.0) -> ImageResult:
        started = time.monotonic()
        delay_s = min(1.0, self._config.poll_interval_s)
        while True:
            result = await self.image_result(image_id)
            if result.is_finished:
                failure = _image_failure(result)
                if failure is not None:
                    raise GenerationFailedError(failure)
                return result
            if time.monotonic() - started + delay_s > timeout_s:
                raise WaitTimeoutError(f"image {image_id} still generating")
            await asyncio.sleep(delay_s)
            delay_s = _next_poll_s(delay_s, self._config.poll_interval_s)

    async def tts_speakers(self, page_num: int = 1, page_size: int = 30) -> list[Speaker]:
        resp = await self._call("GET", TTS_LIST, params=_page(page_num, page_size))
        return [Speaker.model_validate(item) for item in resp["data"]]

    async def restyles(self, page_num: int = 1, page_size: int = 30) -> list[RestyleEffect]:
        resp = await self._call("GET", RESTYLE_LIST, params=_page(page_num, page_size))
        return [RestyleEffect.model_validate(item) for item in resp["data"]]

    async def result(self, video_id: int) -> VideoResult:
        resp = await self._call("GET", f"/openapi/v2/video/result/{video_id}")
        return VideoResult.model_validate(resp)

    async def wait(
        self,
        video_id: int,
        timeout_s: float = 600.0,
        on_progress: ProgressCallback | None = None,
    ) -> VideoResult:
        started = time.monotonic()
        delay_s = min(1.0, self._config.poll_interval_s)
        while True:
            result = await self.result(video_id)
            elapsed_s = time.monotonic() - started
            if on_progress is not None:
                on_progress(result, elapsed_s)
            if result.is_finished:
                return _finished(result)
            if elapsed_s + delay_s > timeout_s:
                raise WaitTimeoutError(
                    f"video {video_id} still generating after {elapsed_s:.0f} s", result
                )
            await asyncio.sleep(delay_s)
            delay_s = _next_poll_s(delay_s, self._config.poll_interval_s)

    async def fetch(self, url: str) -> bytes:
        try:
            response = await self._http.get(url)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise APIConnectionError(f"download of {url} failed: {error}") from error
        return response.content

    async def download(self, video: int | VideoResult, path: str | Path) -> Path:
        result = video if isinstance(video, VideoResult) else await self.wait(video)
        target = Path(path)
        try:
            async with self._http.stream("GET", _finished(result).url) as response:
                response.raise_for_status()
                with target.open("wb") as handle:
                    async for chunk in response.aiter_bytes():
                        handle.write(chunk)
        except httpx.HTTPError as error:
            raise APIConnectionError(f"download of video {result.id} failed: {error}") from error
        return target
