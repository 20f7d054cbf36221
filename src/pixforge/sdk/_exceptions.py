"""SDK errors: one class per ErrCode family, chosen by a lookup table.

PixverseError                      any failure; .err_code, .message, .trace_id
├── APIError                       the server answered with a non-zero ErrCode
│   ├── AuthenticationError        10001–10005 (missing, unknown, disabled, expired key)
│   ├── InvalidRequestError        400xxx (missing, mistyped or invalid parameters), 701002/701003
│   │   └── ImageNotFoundError     400032
│   ├── ImageRejectedError         500030–500042, 500052, 500054 (image refused)
│   ├── InputRejectedError         500063 (an input failed moderation)
│   ├── PermissionDeniedError      500020 (not in the account's plan)
│   ├── ConcurrencyLimitError      500044
│   ├── RateLimitError             500069
│   ├── TemplateError              500060, 500070, 500071
│   ├── InsufficientCreditsError   500090
│   └── ServerError                500100, other 5xx answers
├── APIConnectionError             the request could not be completed (after retries)
└── GenerationError                a generation ended without a video
    ├── ModerationError            status 7
    ├── GenerationFailedError      status 8
    ├── GenerationDeletedError     status 6
    └── WaitTimeoutError           still generating when wait() gave up
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pixforge.sdk._models import VideoResult


class PixverseError(Exception):
    def __init__(self, message: str, err_code: int = 0, trace_id: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.err_code = err_code
        self.trace_id = trace_id

    def __str__(self) -> str:
        code = f"[{self.err_code}] " if self.err_code else ""
        return f"{code}{self.message}"


class APIError(PixverseError):
    pass


class AuthenticationError(APIError):
    pass


class InvalidRequestError(APIError):
    pass


class ImageNotFoundError(InvalidRequestError):
    pass


class ImageRejectedError(APIError):
    pass


class InputRejectedError(APIError):
    pass


class PermissionDeniedError(APIError):
    pass


class ConcurrencyLimitError(APIError):
    pass


class RateLimitError(APIError):
    pass


class TemplateError(APIError):
    pass


class InsufficientCreditsError(APIError):
    pass


class ServerError(APIError):
    pass


class APIConnectionError(PixverseError):
    pass


class GenerationError(PixverseError):
    def __init__(self, message: str, result: VideoResult | None = None) -> None:
        super().__init__(message)
        self.result = result


class ModerationError(GenerationError):
    pass


class GenerationFailedError(GenerationError):
    pass


class GenerationDeletedError(GenerationError):
    pass


class WaitTimeoutError(GenerationError):
    pass


_EXACT: dict[int, type[APIError]] = {
    400032: ImageNotFoundError,
    500020: PermissionDeniedError,
    500044: ConcurrencyLimitError,
    500060: TemplateError,
    500063: InputRejectedError,
    500069: RateLimitError,
    500070: TemplateError,
    500071: TemplateError,
    500090: InsufficientCreditsError,
    500100: ServerError,
    # Mimic's input checks (no clear subject in the image / in the video): the request's fault.
    701002: InvalidRequestError,
    701003: InvalidRequestError,
}
_IMAGE_CODES = frozenset({500030, 500031, 500032, 500033, 500041, 500042, 500052, 500054})


def error_class(err_code: int) -> type[APIError]:
    """The exception class for an ErrCode."""
    if err_code in _EXACT:
        return _EXACT[err_code]
    if 10001 <= err_code <= 10005:
        return AuthenticationError
    if err_code in _IMAGE_CODES:
        return ImageRejectedError
    if 400000 <= err_code < 500000:
        return InvalidRequestError
    return ServerError if err_code >= 500000 else APIError
