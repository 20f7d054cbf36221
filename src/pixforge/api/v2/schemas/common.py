"""Wire pieces shared by every resource: request bases (NUL-free text), id fields, envelopes."""

from __future__ import annotations

from abc import abstractmethod
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from pixforge.domain.errors import BindingError
from pixforge.domain.spec import GenerationSpec

# Ids are stored as signed 64-bit integers; anything larger cannot name a row (and overflows the
# database drivers), so it is refused at the wire.
MAX_ID = 2**63 - 1

# An id field: a JSON integer or a digit string (some clients send "123"), 0 to 2^63 - 1.
WireId = Annotated[int, Field(ge=0, le=MAX_ID)]


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class WireRequest(BaseModel):
    """Base of every request body: unknown fields are ignored as PixVerse does, and no text
    field may hold a NUL character (PostgreSQL refuses NUL in text columns)."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if _has_nul(value):
            raise PydanticCustomError("nul_character", "must not contain NUL characters (\\u0000)")
        return value


def path_id(field: str, raw: str) -> int:
    """An id from the URL path: ASCII digits only (str.isdigit() also accepts "²"), at most
    MAX_ID."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_ID:
        raise BindingError(f"{field}: {raw[:40]!r} is not an integer id")
    return int(raw)


RespT = TypeVar("RespT", bound=BaseModel)


class Envelope(BaseModel, Generic[RespT]):
    """A successful answer: ErrCode 0 and the endpoint's object in Resp."""

    ErrCode: int = Field(description="0 on success")
    ErrMsg: str
    Resp: RespT


class ErrorEnvelope(BaseModel):
    """An error answer: a PixVerse ErrCode, a message naming the field, and Resp null."""

    ErrCode: int = Field(description="PixVerse error code, e.g. 400017", examples=[400017])
    ErrMsg: str = Field(examples=["duration: 6 is not allowed for v4.5 at 360p"])
    Resp: None = None


class SpecRequest(WireRequest):
    """A generate request: it converts itself inward to the normalized GenerationSpec."""

    @abstractmethod
    def to_spec(self) -> GenerationSpec: ...
