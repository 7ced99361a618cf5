"""The reader's labelled corpus (knowledge/reader/*.jsonl): one customer or agent turn a line.

Every line is checked against knowledge/reader/corpus.schema.json and a few rules a schema cannot
say (the harm is a verbatim substring, ids are unique, a file holds one language and one role);
a bad line is rejected with its file, line number and field, never silently skipped.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator

from assistant.errors import DataFileError

SCHEMA_FILE = "corpus.schema.json"
CUSTOMER, AGENT = "customer", "agent"


@dataclass(frozen=True)
class Row:
    """One labelled turn, as written in the corpus."""

    id: str
    language: str
    role: str
    text: str
    labels: dict = field(repr=False)


@dataclass(frozen=True)
class Corpus:
    customer: list[Row]
    agent: list[Row]
    digest: str  # sha256 over the files' bytes: ties a trained artifact to this corpus


@lru_cache(maxsize=2)
def _validators(schema_path: str) -> dict[str, Draft202012Validator]:
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    defs = schema["$defs"]
    return {role: Draft202012Validator({**defs[role], "$defs": defs})
            for role in (CUSTOMER, AGENT)}


def corpus_files(directory: Path) -> list[Path]:
    """The corpus files, customer then agent, each language in a fixed order."""
    return [directory / f"{role}_{lang}.jsonl" for role in (CUSTOMER, AGENT)
            for lang in ("en", "he", "fa") if (directory / f"{role}_{lang}.jsonl").exists()]


def corpus_digest(directory: Path) -> str:
    """sha256 over the corpus files' names and bytes (cached until a file changes)."""
    files = corpus_files(directory)
    stamps = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return _digest(stamps)


@lru_cache(maxsize=4)
def _digest(stamps: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, _, _ in stamps:
        path = Path(name)
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def load_corpus(directory: Path) -> Corpus:
    """Every row of every corpus file under `directory`; the first bad line raises."""
    files = corpus_files(directory)
    if not files:
        raise DataFileError(str(directory), "",
                            "no corpus files (customer_xx.jsonl, agent_xx.jsonl)")
    validators = _validators(str(directory / SCHEMA_FILE))
    rows: dict[str, list[Row]] = {CUSTOMER: [], AGENT: []}
    seen: set[str] = set()
    for path in files:
        raw = path.read_bytes()
        role, lang = path.stem.split("_")
        for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
            if line.strip():
                row = _row(path, number, line, role, lang, validators[role], seen)
                rows[role].append(row)
    return Corpus(rows[CUSTOMER], rows[AGENT], corpus_digest(directory))


def _row(path: Path, number: int, line: str, role: str, lang: str,
         validator: Draft202012Validator, seen: set[str]) -> Row:
    where = f"{path}:{number}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataFileError(where, "", f"not valid JSON ({exc.msg})") from None
    error = next(iter(sorted(validator.iter_errors(data), key=lambda e: list(e.path))), None)
    if error is not None:
        name = ".".join(str(p) for p in error.path) or _missing_field(error)
        raise DataFileError(where, name, error.message)
    if data["role"] != role or data["language"] != lang:
        raise DataFileError(where, "role" if data["role"] != role else "language",
                            f"a {role}_{lang} file holds only {role} turns in {lang}")
    if data["id"] in seen:
        raise DataFileError(where, "id", f"{data['id']} appears twice")
    if role == CUSTOMER and data["harm"] not in data["text"]:
        raise DataFileError(where, "harm", "must be a verbatim substring of text")
    seen.add(data["id"])
    labels = {k: v for k, v in data.items() if k not in ("id", "language", "role", "text")}
    return Row(data["id"], lang, role, data["text"], labels)


def _missing_field(error) -> str:
    """For "'x' is a required property" the field is x; otherwise the row itself."""
    if error.validator == "required":
        return error.message.split("'")[1]
    if error.validator == "additionalProperties":
        return error.message.split("'")[1]
    return "(row)"
