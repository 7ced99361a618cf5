"""Structured logs: one JSON object per line, ids and timings only — never customer text unless
COACH_API_LOG_CUSTOMER_TEXT asks for it."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

LOGGER = "coach.service"
_FIELDS = ("event", "method", "path", "status", "ms", "caller", "request_id", "worker",
           "error", "detail", "source", "event_key", "attempt", "customer_text")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        line = {"ts": moment.isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "msg": record.getMessage()}
        line.update({k: getattr(record, k) for k in _FIELDS if hasattr(record, k)})
        return json.dumps(line, ensure_ascii=False)


def service_logger() -> logging.Logger:
    """The service's logger, writing JSON lines to stderr (configured once per process)."""
    logger = logging.getLogger(LOGGER)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger
