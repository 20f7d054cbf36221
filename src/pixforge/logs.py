"""Logging: readable lines on a terminal, one JSON object per line otherwise; both carry the
request's Ai-trace-id. The access log (one line per request) has a cheaper way out."""

from __future__ import annotations

import asyncio
import contextlib
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
        entry = self.entry(
            record.created, record.levelname, record.name, record.getMessage(), _extras(record)
        )
        if record.exc_info:
            entry["exc"] = strip_ansi(self.formatException(record.exc_info))
        return self.encode(entry).decode()

    def entry(
        self, created: float, level: str, logger: str, message: str, fields: dict[str, object]
    ) -> dict[str, object]:
        """A line's fields: the leading ones, then the record's own, free of escape codes."""
        entry: dict[str, object] = {
            "ts": self._timestamp(created),
            "level": level.lower(),
            "logger": logger,
            "msg": strip_ansi(message),
        }
        for key, value in fields.items():
            entry[key] = strip_ansi(value) if isinstance(value, str) else value
        return entry

    @staticmethod
    def encode(entry: dict[str, object]) -> bytes:
        try:
            return orjson.dumps(entry, default=_json_default, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:  # what orjson refuses (an integer beyond 64 bits): the slow way
            return json.dumps(entry, default=_json_default).encode()


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
    as_json = wants_json(as_json, sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else HumanFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    access_log.direct = _DirectJsonLines(handler) if as_json else None
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


class AccessLog:
    """The access log: one line per request, on the logger `pixforge.access`.

    Through `logging`, a record costs as much as a status poll's own work (the record, the
    handler's filter and lock, a generic formatter, a flush). When the only way out is the JSON
    handler that configure_logging installed, the line (the very one JsonFormatter writes) is
    encoded straight into the stream's buffer instead, and the stream is flushed once per
    event-loop turn, for all the lines of that turn. Any other set-up (a terminal, an embedding
    application's own handlers or filters, a level above INFO) gets an ordinary record."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("pixforge.access")
        self.direct: _DirectJsonLines | None = None

    def request(self, fields: dict[str, object]) -> None:
        direct = self.direct
        if direct is not None and direct.serves(self.logger):
            direct.write(self.logger.name, "request", fields)
        else:
            self.logger.info("request", extra=fields)


class _DirectJsonLines:
    """Writes JSON lines to the stream of pixforge's own handler, under its lock."""

    def __init__(self, handler: logging.StreamHandler[TextIO]) -> None:
        self.handler = handler
        formatter = handler.formatter
        assert isinstance(formatter, JsonFormatter)
        self.formatter = formatter
        # The loop whose turn ends with a flush already scheduled (tests may serve apps from
        # several loops; a loop that closes with its flush pending must not silence the rest).
        self._flush_on: asyncio.AbstractEventLoop | None = None

    def serves(self, logger: logging.Logger) -> bool:
        """Whether an INFO record of `logger` would reach this handler alone, unfiltered
        (beyond the trace-id stamp, which the access line carries already)."""
        root = logging.root
        handler = self.handler
        return (
            root.handlers == [handler]
            and not logger.handlers
            and logger.propagate
            and not logger.filters
            and not root.filters
            and len(handler.filters) == 1
            and handler.level <= logging.INFO
            and logger.isEnabledFor(logging.INFO)
            and hasattr(handler.stream, "buffer")
        )

    def write(self, logger: str, message: str, fields: dict[str, object]) -> None:
        entry = self.formatter.entry(time.time(), "INFO", logger, message, fields)
        line = self.formatter.encode(entry) + b"\n"
        handler = self.handler
        with handler.lock:  # type: ignore[union-attr]
            try:
                handler.stream.buffer.write(line)
            except (OSError, ValueError):  # stderr closed or gone: as logging, never raise
                return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not on an event loop: nothing ends a turn, flush now
            self._flush()
            return
        if self._flush_on is not loop:
            self._flush_on = loop
            loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_on = None
        with self.handler.lock, contextlib.suppress(OSError, ValueError):  # type: ignore[union-attr]
            self.handler.stream.flush()


# The process's access log (RequestMiddleware writes it; configure_logging sets its way out).
access_log = AccessLog()
