"""The one error hierarchy: each class carries its PixVerse ErrCode; messages name the field.

PixforgeError
├── AuthError                      10001–10005
│   ├── MissingApiKeyError         10001  API-KEY header absent or empty
│   ├── UnknownApiKeyError         10002  no such key
│   ├── DisabledApiKeyError        10003  key disabled by an operator
│   ├── ExpiredApiKeyError         10004  key past its expiry time
│   └── DisabledAccountError       10005  the key's account is disabled
├── RequestError
│   ├── MissingParameterError      400011 a required field or header is absent or empty
│   ├── BindingError               400013 malformed JSON, wrong type
│   ├── InvalidParameterError      400017 semantic rule broken (message names field and rule)
│   │   ├── UnknownEndpointError   400017 (HTTP 404 / 405)
│   │   ├── TraceIdConflictError   400017 Ai-trace-id reused with another body
│   │   └── NotFoundError          400017 unknown or foreign video id
│   ├── PromptTooLongError         400018
│   ├── NegativePromptTooLongError 400019
│   └── UnknownImageError          400032 img_id unknown or owned by another account
├── ImageError
│   ├── ImageTooLargeError         500030 bytes, side length or pixel count over the limit
│   ├── ImageUnreadableError       500031
│   ├── ImageFormatError           500032
│   ├── ImageDimensionError        500033
│   ├── ImageFetchError            500041 image_url could not be downloaded
│   └── ImageUrlError              500042 image_url malformed or pointing at a refused address
├── PermissionDeniedError          500020 the account's plan does not include the model/feature
├── ConcurrencyLimitError          500044
├── ImageModerationError           500054 a referenced input image is on the blocked list
├── EffectLimitError               500060 the plan's effect templates per period are used up
├── InputModerationError           500063 a referenced input (text, video) failed moderation
├── RateLimitError                 500069
├── TemplateNotActivatedError      500070
├── TemplateQualityError           500071
├── InsufficientCreditsError       500090
├── InternalError                  500100 (HTTP 500)
│   └── StorageFullError           500100 (HTTP 503) the server's disk is full; retry later
└── MimicInputError
    ├── MimicSubjectError          701002 mimic image without a clear subject
    └── MimicMotionError           701003 mimic video without a clear moving subject
"""

from __future__ import annotations


class PixforgeError(Exception):
    """Base of every error the API can answer; `err_code` is the PixVerse ErrCode."""

    err_code: int = 500100
    http_status: int = 200

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthError(PixforgeError):
    err_code = 10002


class MissingApiKeyError(AuthError):
    err_code = 10001


class UnknownApiKeyError(AuthError):
    err_code = 10002


class DisabledApiKeyError(AuthError):
    err_code = 10003


class ExpiredApiKeyError(AuthError):
    err_code = 10004


class DisabledAccountError(AuthError):
    err_code = 10005


class RequestError(PixforgeError):
    err_code = 400017


class MissingParameterError(RequestError):
    err_code = 400011


class BindingError(RequestError):
    err_code = 400013


class InvalidParameterError(RequestError):
    err_code = 400017


class UnknownEndpointError(InvalidParameterError):
    def __init__(self, message: str, http_status: int = 404) -> None:
        super().__init__(message)
        self.http_status = http_status


class TraceIdConflictError(InvalidParameterError):
    pass


class NotFoundError(InvalidParameterError):
    pass


class PromptTooLongError(RequestError):
    err_code = 400018


class NegativePromptTooLongError(RequestError):
    err_code = 400019


class UnknownImageError(RequestError):
    err_code = 400032


class ImageError(PixforgeError):
    err_code = 500031


class ImageTooLargeError(ImageError):
    err_code = 500030


class ImageUnreadableError(ImageError):
    err_code = 500031


class ImageFormatError(ImageError):
    err_code = 500032


class ImageDimensionError(ImageError):
    err_code = 500033


class ImageFetchError(ImageError):
    err_code = 500041


class ImageUrlError(ImageError):
    err_code = 500042


class PermissionDeniedError(PixforgeError):
    err_code = 500020


class ConcurrencyLimitError(PixforgeError):
    err_code = 500044


class ImageModerationError(PixforgeError):
    err_code = 500054


class EffectLimitError(PixforgeError):
    err_code = 500060


class InputModerationError(PixforgeError):
    err_code = 500063


class RateLimitError(PixforgeError):
    err_code = 500069

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TemplateNotActivatedError(PixforgeError):
    err_code = 500070


class TemplateQualityError(PixforgeError):
    err_code = 500071


class InsufficientCreditsError(PixforgeError):
    err_code = 500090


class InternalError(PixforgeError):
    err_code = 500100
    http_status = 500


class StorageFullError(InternalError):
    """Not a bug: the server's disk (database or media) is full. The request changed nothing
    and can be sent again once an operator has made room."""

    http_status = 503


class MimicInputError(PixforgeError):
    err_code = 701002


class MimicSubjectError(MimicInputError):
    err_code = 701002


class MimicMotionError(MimicInputError):
    err_code = 701003
