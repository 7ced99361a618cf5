"""Read complaint transcripts from JSON, JSONL, plain text, CSV and ABCD files (contract §1).

Every problem becomes a one-line TranscriptError naming the file and the line or field, and is
returned in place of the transcript it spoils: a batch with one bad conversation still loads the
good ones. Nothing here raises on bad input except `load_one`, whose caller wants one transcript.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.errors import TranscriptError
from assistant.files import file_problem
from assistant.models import MAX_TURNS, Transcript, checked_order_value
from assistant.read.abcd import from_abcd, is_abcd
from assistant.read.textnorm import normalize
from assistant.read.transcript_checks import MAX_FILE_BYTES
from assistant.read.transcript_checks import FieldProblem as _FieldProblem
from assistant.read.transcript_checks import error as _error
from assistant.read.transcript_checks import join as _join
from assistant.read.transcript_checks import short as _short
from assistant.read.transcript_checks import too_big as _too_big
from assistant.read.transcript_checks import too_many_turns as _too_many_turns
from assistant.read.transcript_checks import type_name as _type
from assistant.read.transcript_checks import validation_error as _validation_error

Result = Transcript | TranscriptError

SUFFIXES = (".json", ".jsonl", ".txt", ".md", ".csv")

# Role names people actually use, matched after textnorm.normalize (case, Arabic letter variants).
_ROLE_NAMES = {
    "customer": (
        "customer", "client", "user", "consumer", "guest", "caller", "subscriber",
        "לקוח", "לקוחה", "הלקוח", "הלקוחה", "מנוי", "מנויה",
        "مشتری", "مشترک", "کاربر",
    ),
    "agent": (
        "agent", "support", "rep", "representative", "operator", "staff", "assistant", "csr",
        "support agent", "service agent", "customer service", "customer support",
        "נציג", "נציגה", "הנציג", "הנציגה", "נציג שירות", "נציגת שירות", "נציג/ה",
        "کارشناس", "کارشناس پشتیبانی", "اپراتور", "پشتیبان", "پشتیبانی",
    ),
}
_ROLES = {normalize(name): role for role, names in _ROLE_NAMES.items() for name in names}

_BIDI_MARKS = dict.fromkeys(map(ord, "\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                     "\u2066\u2067\u2068\u2069"))
_TURN_LINE = re.compile(
    r"^(?:[-*>]\s+)?(?:\[(?P<ts>[^\]]{1,40})\]\s*)?[*_]*(?P<label>[^:：*_\[\]]{1,40}?)[*_]*\s*"
    r"[:：][*_]*\s*(?P<text>.*)$"
)
_HEADER_LINE = re.compile(r"^#+\s*(?P<key>[^:：#]{1,40}?)\s*[:：]\s*(?P<value>.*)$")
_HEADER_KEYS = {
    "id": "id", "language": "language", "lang": "language", "channel": "channel",
    "customer": "customer.name", "customer_name": "customer.name", "name": "customer.name",
    "tier": "customer.tier", "member_level": "customer.tier",
}
_CSV_COLUMNS = {
    "conversation_id": ("conversation_id", "conversation", "convo_id", "conv_id", "id"),
    "role": ("role", "speaker", "author", "from"),
    "text": ("text", "message", "content", "body", "utterance"),
    "ts": ("ts", "timestamp", "time"),
}
# Optional per-conversation CSV columns: a value on any row applies to its whole conversation.
_CSV_EXTRA = ("language", "channel", "customer_name", "tier", "order_value", "currency", "product")


@functools.lru_cache(maxsize=512)
def _role_of(label: str) -> str | None:
    """'customer' or 'agent' for any of the role names above, in any case or letter variant."""
    return _ROLES.get(" ".join(normalize(label).split()))


# ---------------------------------------------------------------- public API


def iter_transcript_files(directory: Path) -> list[Path]:
    """Supported transcript files under `directory`, recursively, sorted, hidden ones skipped."""
    directory = Path(directory)
    if directory.is_file():
        return [directory]
    found = [
        path for path in directory.rglob("*")
        if path.suffix.lower() in SUFFIXES and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(directory).parts)
    ]
    return sorted(found, key=lambda p: p.relative_to(directory).as_posix())


def load_transcripts(path: Path) -> list[Result]:
    """Every transcript in one file of any supported format, errors in place of bad ones."""
    path = Path(path)
    problem = file_problem(path, MAX_FILE_BYTES)
    if problem:
        return [_error(str(path), "", problem)]
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return [_error(str(path), "", f"cannot read the file ({exc.strerror or exc})")]
    return parse_transcript_bytes(data, str(path))


def parse_transcript_bytes(data: bytes, name: str) -> list[Result]:
    """Transcripts from raw bytes (an upload or a paste); the format comes from `name`'s suffix,
    or is sniffed from the content when the suffix is not one we know."""
    if len(data) > MAX_FILE_BYTES:
        return [_error(name, "", _too_big(len(data)))]
    try:
        text = _decode(data, name)
    except TranscriptError as exc:
        return [exc]
    if not text.strip():
        return [_error(name, "", "empty file: no transcript in it")]
    suffix = Path(name).suffix.lower()
    kind = suffix[1:] if suffix in SUFFIXES else _sniff(text)
    parser = {"json": _parse_json, "jsonl": _parse_jsonl, "csv": _parse_csv}.get(kind, _parse_text)
    return parser(text, name)


def load_one(path: Path) -> Transcript:
    """The first (usually only) transcript of a file; raises its TranscriptError if it is bad."""
    first = load_transcripts(path)[0]
    if isinstance(first, TranscriptError):
        raise first
    return first


# ---------------------------------------------------------------- bytes to text


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (BOM or not) or UTF-16 with a BOM; anything else is a clear error."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _error(name, "", "not UTF-8 text (broken UTF-16); save it as UTF-8") from None
    else:
        if b"\x00" in data:
            raise _error(name, "", "binary content (NUL bytes), not a text transcript")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            byte = data[exc.start:exc.start + 1].hex()
            raise _error(name, f"line {line}",
                         f"not UTF-8 text (byte 0x{byte}); save the file as UTF-8") from None
    if "\x00" in text:
        raise _error(name, "", "binary content (NUL characters), not a text transcript")
    return text


def _sniff(text: str) -> str:
    """Guess the format of content whose name says nothing."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return "json"
    first = next(line for line in text.split("\n") if line.strip())
    return "csv" if _csv_layout(first) else "txt"


# ---------------------------------------------------------------- JSON and JSONL


def _loads(text: str) -> Any:
    """json.loads whose every failure is a ValueError (deep nesting included)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _parse_json(text: str, name: str) -> list[Result]:
    try:
        data = _loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and _looks_like_jsonl(text):
            return _parse_jsonl(text, name)
        return [_error(name, f"line {exc.lineno}", f"invalid JSON: {exc.msg} (column {exc.colno})")]
    except ValueError as exc:
        return [_error(name, "", f"invalid JSON: {exc}")]
    stem = Path(name).stem or "conversation"
    if isinstance(data, dict):
        return [_build(data, name, "", stem)]
    if isinstance(data, list) and data:
        return [_build(item, name, f"item {i}", f"{stem}-{i + 1}") for i, item in enumerate(data)]
    if isinstance(data, list):
        return [_error(name, "", "empty JSON list: no transcript in it")]
    return [_error(name, "", f"expected a JSON object with turns, got {_type(data)}")]


def _looks_like_jsonl(text: str) -> bool:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return len(lines) > 1 and all(line.startswith("{") for line in lines)


def _parse_jsonl(text: str, name: str) -> list[Result]:
    lines = text.split("\n")
    stem = Path(name).stem or "conversation"
    results: list[Result] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            data = _loads(line)
        except ValueError as exc:
            if not results and _whole_document_is_json(text):  # checked once, at most
                return _parse_json(text, name)
            reason = (f"{exc.msg} (column {exc.colno})"
                      if isinstance(exc, json.JSONDecodeError) else str(exc))
            results.append(_error(name, where, f"invalid JSON: {reason}"))
            continue
        results.append(_build(data, name, where, f"{stem}-{len(results) + 1}"))
    return results


def _whole_document_is_json(text: str) -> bool:
    """A pretty-printed object saved as .jsonl: read it as .json instead."""
    try:
        _loads(text)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- plain text


def _parse_text(text: str, name: str) -> list[Result]:
    """One turn per `Label: text` line; unlabeled lines continue the previous turn."""
    data: dict[str, Any] = {"id": Path(name).stem or "conversation", "turns": []}
    lines: list[int] = []
    paragraphs: list[list[str]] = []  # each turn's lines, joined once at the end
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.translate(_BIDI_MARKS).strip()
        if not line:
            continue
        turn = _turn_line(line)
        if turn is not None and len(lines) == MAX_TURNS:
            return [_error(name, f"line {number}", _too_many_turns())]
        if turn is not None:
            data["turns"].append(turn)
            lines.append(number)
            paragraphs.append([turn["text"]] if turn["text"] else [])
        elif paragraphs:
            paragraphs[-1].append(line)
        elif line.startswith("#"):
            problem = _header_line(line, data)
            if problem:
                return [_error(name, f"line {number}", problem)]
        else:
            return [_error(name, f"line {number}", "expected a turn such as 'Customer: ...' or "
                           "'Agent: ...' (or לקוח / נציג, مشتری / کارشناس) before any other text")]
    if not data["turns"]:
        return [_error(name, "", "no turns found: write one turn per line as 'Customer: ...' or "
                       "'Agent: ...' (or לקוח / נציג, مشتری / کارشناس)")]
    for turn, paragraph in zip(data["turns"], paragraphs, strict=True):
        turn["text"] = "\n".join(paragraph)
    return [_build(data, name, "", data["id"], turn_lines=lines)]


def _turn_line(line: str) -> dict[str, Any] | None:
    """{'role', 'text'[, 'ts']} when the line starts with a known speaker label."""
    match = _TURN_LINE.match(line)
    if not match:
        return None
    label = re.sub(r"\s*\(.*\)\s*$", "", match["label"])  # "Agent (Mike)" -> "Agent"
    role = _role_of(label)
    if role is None:
        return None
    turn: dict[str, Any] = {"role": role, "text": match["text"].strip()}
    if match["ts"]:
        with contextlib.suppress(ValueError):  # a bare "[10:02]" has no date: no ts then
            turn["ts"] = datetime.fromisoformat(match["ts"].strip())
    return turn


def _header_line(line: str, data: dict[str, Any]) -> str | None:
    """Apply a `# key: value` header; returns a reason when the value is unusable."""
    match = _HEADER_LINE.match(line)
    if not match or not match["value"].strip():
        return None  # a title or a comment
    return _set_field(data, match["key"], match["value"].strip())


def _set_field(data: dict[str, Any], key: str, value: str) -> str | None:
    """Put a header or CSV-column value where the transcript keeps it (id, customer, context)."""
    key = re.sub(r"[\s-]+", "_", key.strip().casefold())
    target = _HEADER_KEYS.get(key, f"context.{key}")
    converted: str | float = value
    if key == "order_value":
        try:
            converted = float(value.replace(",", ""))
        except ValueError:
            return f"order_value must be a number, got {_short(value)}"
    head, _, leaf = target.partition(".")
    if leaf:
        data.setdefault(head, {})[leaf] = converted
    else:
        data[head] = converted
    return None


# ---------------------------------------------------------------- CSV


def _csv_layout(first_line: str) -> tuple[str, dict[str, int]] | None:
    """(delimiter, column index by field) when `first_line` is a header we understand."""
    for delimiter in (",", "\t", ";"):
        try:
            cells = next(csv.reader([first_line], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        names = [cell.translate(_BIDI_MARKS).strip().casefold() for cell in cells]
        columns = {
            field: next(i for i, name in enumerate(names) if name in aliases)
            for field, aliases in _CSV_COLUMNS.items()
            if any(name in aliases for name in names)
        }
        columns |= {name: i for i, name in enumerate(names) if name in _CSV_EXTRA}
        if {"conversation_id", "role", "text"} <= columns.keys():
            return delimiter, columns
    return None


def _csv_rows(text: str, name: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) for each CSV record; quoted fields may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _error(name, f"line {start}", f"invalid CSV: {exc}") from None


def _parse_csv(text: str, name: str) -> list[Result]:
    """Rows `conversation_id,role,text[,ts]`, grouped by conversation in order of appearance.
    A row with an empty conversation_id continues the conversation of the row above it."""
    physical = text.split("\n")
    header_line = next(n for n, line in enumerate(physical, start=1) if line.strip())
    layout = _csv_layout(physical[header_line - 1])
    if layout is None:
        return [_error(name, f"line {header_line}", "CSV needs a header row naming the columns "
                       "conversation_id, role, text (and optionally ts)")]
    delimiter, columns = layout
    try:
        rows = [(n, row) for n, row in _csv_rows(text, name, delimiter) if "".join(row).strip()]
    except TranscriptError as exc:
        return [exc]
    conversations: dict[str, tuple[dict[str, Any], list[int]]] = {}
    broken: dict[str, TranscriptError] = {}
    results: list[Result] = []
    current = None
    for number, row in rows[1:]:
        cells = {f: row[i].strip() for f, i in columns.items() if i < len(row)}
        current = cells.pop("conversation_id", "") or current
        if current is None:
            results.append(_error(name, f"line {number}", "conversation_id is empty"))
            continue
        data, lines = conversations.setdefault(current, ({"id": current, "turns": []}, []))
        if len(lines) == MAX_TURNS and current not in broken:
            broken[current] = _error(name, f"line {number}, conversation {current}",
                                     _too_many_turns())
        if current in broken:
            continue
        turn = {k: cells.pop(k, "") for k in ("role", "text", "ts")}
        data["turns"].append({k: v for k, v in turn.items() if v})
        lines.append(number)
        for key, value in cells.items():
            problem = value and _set_field(data, key, value)
            if problem and current not in broken:
                broken[current] = _error(name, f"line {number}, column {key}", problem)
    for conversation_id, (data, lines) in conversations.items():
        results.append(broken.get(conversation_id) or _build(
            data, name, f"conversation {conversation_id}", conversation_id, turn_lines=lines))
    return results or [_error(name, "", "no rows after the CSV header")]


# ---------------------------------------------------------------- one object to a Transcript


def _build(
    raw: object, name: str, where: str, default_id: str, turn_lines: list[int] | None = None
) -> Result:
    """Validate one transcript object; any problem becomes a TranscriptError naming the field."""
    if not isinstance(raw, dict):
        return _error(name, where, f"expected a JSON object with turns, got {_type(raw)}")
    try:
        data = from_abcd(raw, _role_of) if is_abcd(raw) else _prepare(raw, default_id)
        transcript = Transcript.model_validate(data)
        transcript.model_dump_json()  # what loads here must also be writable as JSON later
    except _FieldProblem as problem:
        return _error(name, _join(where, f"field {problem.field}"), problem.reason)
    except ValidationError as exc:
        return _validation_error(exc, name, where, turn_lines)
    except ValueError as exc:  # pydantic's serialization error: lone surrogates, deep nesting
        return _error(name, where, f"cannot be stored as JSON text: {exc}")
    if not transcript.turns:
        return _error(name, _join(where, "field turns"), "no turns: a transcript needs at "
                      "least one customer or agent turn")
    return transcript


def _prepare(raw: dict[str, Any], default_id: str) -> dict[str, Any]:
    """Accept the common variants (messages/content/speaker, role synonyms, numeric ids)."""
    data = dict(raw)
    if "turns" not in data and "messages" in data:
        data["turns"] = data.pop("messages")
    if "turns" not in data:
        raise _FieldProblem("turns", "Field required: a transcript needs a list of turns")
    if data.get("id") is None:
        data["id"] = default_id
    elif isinstance(data["id"], int | float) and not isinstance(data["id"], bool):
        data["id"] = str(data["id"])
    if isinstance(data.get("customer"), str):
        data["customer"] = {"name": data["customer"]}
    if isinstance(data["turns"], list):
        data["turns"] = [_prepare_turn(turn) for turn in data["turns"]]
    if isinstance(data.get("context"), dict):
        data["context"] = _checked_context(data["context"])
    return data


def _prepare_turn(turn: object) -> object:
    if not isinstance(turn, dict):
        return turn
    turn = dict(turn)
    if "role" not in turn and "speaker" in turn:
        turn["role"] = turn.pop("speaker")
    if "text" not in turn:
        for alias in ("content", "message"):
            if alias in turn:
                turn["text"] = turn.pop(alias)
                break
    if isinstance(turn.get("role"), str):
        turn["role"] = _role_of(turn["role"]) or turn["role"]
    return turn


def _checked_context(context: dict[str, Any]) -> dict[str, Any]:
    """order_value drives the compensation policy: a finite number in range or nothing."""
    try:
        value = checked_order_value(context.get("order_value"))
    except ValueError as exc:
        raise _FieldProblem("context.order_value", str(exc)) from None
    return context if value is None else {**context, "order_value": value}
