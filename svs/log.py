"""Logging as JSON lines on stderr: batch id, item id, stage, outcome and duration; never personal data.

Only the whitelisted ``extra`` fields are written, so a careless log call cannot leak a value it was handed.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

FIELDS = ("batch_id", "item_id", "stage", "outcome", "ms", "error", "verdict", "reasons", "attempt", "queue",
          "count", "message_id")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage() if record.name.startswith(("svs", "workers")) else record.msg,
        }
        for key in FIELDS:
            if key in record.__dict__:
                out[key] = record.__dict__[key]
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__  # the type only: exception text may quote input
        return json.dumps(out, default=str)


def configure(level: str | None = None) -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.handlers[:] = [handler]
    root.setLevel((level or os.environ.get("SVS_LOG_LEVEL") or "WARNING").upper())
    # pika logs each step of one failed connection as an error (seven lines); whoever called it (Dramatiq's
    # broker, svs's channels and commands) reports the failure once, in its own words
    logging.getLogger("pika").setLevel(logging.CRITICAL)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
