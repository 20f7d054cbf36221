"""Log formats: JSON lines free of terminal escape codes, readable lines for people."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pixforge.logs import HumanFormatter, JsonFormatter, access_log, configure_logging, wants_json

RED, BOLD, RESET = "\x1b[31m", "\x1b[1m", "\x1b[0m"


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.getLogger("uvicorn.error").makeRecord(
        "uvicorn.error", logging.INFO, __file__, 1, msg, args, None, extra=extra
    )
    return record


def test_json_lines_carry_no_escape_codes() -> None:
    # uvicorn logs its start with a coloured copy of the message for its own formatter.
    record = _record(
        "Uvicorn running on %s",
        "http://127.0.0.1:8000",
        color_message=f"Uvicorn running on {BOLD}%s{RESET}",
        path=f"{RED}/x{RESET}",
    )
    try:
        raise ValueError(f"{RED}bad{RESET} value")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\x1b" not in line and "\\u001b" not in line, line
    entry = json.loads(line)
    assert entry["msg"] == "Uvicorn running on http://127.0.0.1:8000"
    assert entry["path"] == "/x"
    assert "color_message" not in entry
    assert "ValueError: bad value" in entry["exc"]


def test_json_lines_keep_values_the_fast_encoder_refuses() -> None:
    entry = json.loads(JsonFormatter().format(_record("keys", huge=2**64, path="/é")))
    assert entry["huge"] == 2**64 and entry["path"] == "/é"


def test_human_lines_show_the_message_and_fields() -> None:
    record = _record("request", method="GET", status=200, trace_id="t-1")
    line = HumanFormatter().format(record)
    assert line.endswith("INFO  uvicorn.error: request method=GET status=200 trace_id=t-1")
    assert not line.startswith("{")


def test_json_when_asked_or_when_nobody_reads_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert wants_json(None, io.StringIO()) is True
    assert wants_json(None, Terminal()) is False
    assert wants_json(True, Terminal()) is True
    assert wants_json(False, io.StringIO()) is False


@pytest.fixture
def json_logging(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """pixforge's JSON logging on a stderr of its own (a file, buffered as a pipe is); the
    process's logging is put back after."""
    written = tmp_path / "stderr"
    stream = io.TextIOWrapper(open(written, "wb"), encoding="utf-8", line_buffering=True)  # noqa: SIM115
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("INFO", True)
    try:
        yield written
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        access_log.direct = None
        stream.close()


ACCESS = {
    "method": "GET",
    "path": f"/openapi/v2/video/result/{RED}1{RESET}",
    "status": 200,
    "err_code": 0,
    "duration_ms": 1.5,
    "trace_id": "0c1f6a7e-3d3a-4c55-9a61-1f0c3a1f6a7e",
}


def _alone() -> None:
    """Leave pixforge's handler alone on the root logger (pytest adds its capture handler for
    each test), as in a served process."""
    assert access_log.direct is not None
    logging.getLogger().handlers[:] = [access_log.direct.handler]


def _lines(written: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in written.read_bytes().splitlines()]


def test_the_access_line_is_the_line_logging_writes(json_logging: Path) -> None:
    _alone()
    assert access_log.direct is not None and access_log.direct.serves(access_log.logger)
    access_log.request(dict(ACCESS))  # straight to the stream
    record = _record("request", **ACCESS)
    record.name = "pixforge.access"
    expected = json.loads(JsonFormatter().format(record))
    [direct] = _lines(json_logging)
    assert direct.pop("ts") and expected.pop("ts")
    assert list(direct) == list(expected) and direct == expected
    assert direct["path"] == "/openapi/v2/video/result/1"


def test_access_lines_of_one_loop_turn_are_flushed_together(json_logging: Path) -> None:
    _alone()

    async def serve() -> tuple[int, int]:
        for _ in range(3):
            access_log.request(dict(ACCESS))
        before = len(_lines(json_logging))  # still in the stream's buffer
        await asyncio.sleep(0)
        return before, len(_lines(json_logging))

    assert asyncio.run(serve()) == (0, 3)


def test_another_handler_gets_the_access_record(json_logging: Path) -> None:
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    _alone()
    extra = Keep()
    logging.getLogger().addHandler(extra)
    try:
        access_log.request(dict(ACCESS))
    finally:
        logging.getLogger().removeHandler(extra)
    assert [record.getMessage() for record in seen] == ["request"]
    assert seen[0].status == 200  # type: ignore[attr-defined]
    [line] = _lines(json_logging)  # and pixforge's handler wrote it as any record
    assert line["logger"] == "pixforge.access" and line["err_code"] == 0
