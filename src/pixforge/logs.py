"""Logging: readable lines on a terminal, one JSON object per line otherwise; both carry the
request's Ai-trace-id."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from contextvars import ContextVar
from typing import TextIO

import orjson

trace_id_var: ContextVar[str] = ContextVar("pixforge_trace_id", default="")

_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
# uvicorn attaches a coloured copy of some messages for its own formatter; never ours to print.
_DROPPED_ATTRS = {"color_message"}
# CSI sequences (colours, cursor moves), OSC sequences (titles, links) and two-byte escapes.
_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def strip_ansi(text: str) -> str:
    return _ANSI_ESCAPE.sub("", text) if "\x1b" in text else text


def _extras(record: logging.LogRecord) -> dict[str, object]:
    """The fields passed with `extra=` (trace_id, path, status, ...), in the order given."""
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _STANDARD_ATTRS and key not in _DROPPED_ATTRS and not key.startswith("_")
    }


def _json_default(value: object) -> str:
    return strip_ansi(str(value))


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors; no terminal escape codes in any field.
    Every request writes one (the access log), so it is encoded with orjson and the timestamp's
    whole-second part is formatted once per second."""

    def __init__(self) -> None:
        super().__init__()
        self._second = -1
        self._second_text = ""

    def _timestamp(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            self._second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._second_text}.{int((created - second) * 1000):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": self._timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": strip_ansi(record.getMessage()),
        }
        for key, value in _extras(record).items():
            entry[key] = strip_ansi(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exc"] = strip_ansi(self.formatException(record.exc_info))
        try:
            encoded = orjson.dumps(entry, default=_json_default, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:  # what orjson refuses (an integer beyond 64 bits): the slow way
            return json.dumps(entry, default=_json_default)
        return encoded.decode()


class HumanFormatter(logging.Formatter):
    """`12:00:01.234 INFO  pixforge.access: request method=GET path=/healthz status=200`."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        fields = " ".join(f"{key}={value}" for key, value in _extras(record).items())
        line = (
            f"{stamp}.{int(record.msecs):03d} {record.levelname:<5} {record.name}: "
            f"{record.getMessage()}{' ' + fields if fields else ''}"
        )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class TraceIdFilter(logging.Filter):
    """Stamps each record with the trace id of the request that emitted it (at emit time)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "trace_id", None):
            trace_id = trace_id_var.get()
            if trace_id:
                record.trace_id = trace_id
        return True


def wants_json(as_json: bool | None, stream: TextIO) -> bool:
    """JSON when asked (PIXFORGE_LOG_JSON=true), or when unset and nobody reads a terminal."""
    if as_json is not None:
        return as_json
    return not (hasattr(stream, "isatty") and stream.isatty())


def configure_logging(level: str, as_json: bool | None) -> None:
    """Route every logger (uvicorn's too) to stderr; `as_json` None means: decide by the TTY."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(TraceIdFilter())
    handler.setFormatter(JsonFormatter() if wants_json(as_json, sys.stderr) else HumanFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Our own middleware logs each request with its trace id; uvicorn's access log would repeat it.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # Neither formatter prints the caller's file and line, thread or process: skip collecting
    # them for every record (the logging HOWTO's "Optimization" section; every request logs).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
