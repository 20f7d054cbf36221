"""Log formats: JSON lines free of terminal escape codes, readable lines for people."""

from __future__ import annotations

import io
import json
import logging
import sys

from pixforge.logs import HumanFormatter, JsonFormatter, wants_json

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
