"""Load YAML/JSON data files into pydantic models, with errors that name the file and field."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from assistant.errors import DataFileError
from assistant.files import file_problem
from assistant.settings import data_dir

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
MAX_DATA_FILE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64  # the C parser builds nested nodes recursively: 25,000 levels overflow its stack
MAX_ALIASES = 200  # anchors reused in a fan-out ("billion laughs") would explode in memory
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser is ~10x faster


class _SafeLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loading that refuses a key given twice: YAML would silently keep the last one,
    and half of a company's policy or lexicon entry would vanish without a word."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool):
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def _check_shape(text: str) -> str | None:
    """Nesting depth and alias count, read from the parser's flat event stream before any tree
    is built (building it is what crashes on hostile nesting)."""
    depth = aliases = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1
                return f"nested more than {MAX_DEPTH} levels deep (line {line})"
        elif isinstance(event, _CLOSE):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                return f"more than {MAX_ALIASES} aliases (*name)"
    return None


def read_yaml(path: Path, max_bytes: int = MAX_DATA_FILE_BYTES) -> object:
    """Parse one YAML file; a non-file, an oversized or over-nested file, syntax and encoding
    errors become DataFileError."""
    problem = file_problem(path, max_bytes)
    if problem:
        raise DataFileError(str(path), "", problem)
    try:
        text = path.read_text(encoding="utf-8")
        problem = _check_shape(text)
        if problem:
            raise DataFileError(str(path), "", problem)
        return yaml.load(text, Loader=_SafeLoader)
    except FileNotFoundError:
        raise DataFileError(str(path), "", "file not found") from None
    except OSError as exc:
        reason = f"cannot read the file ({exc.strerror or exc})"
        raise DataFileError(str(path), "", reason) from None
    except UnicodeDecodeError as exc:
        raise DataFileError(str(path), "", f"not UTF-8 text ({exc.reason})") from None
    except yaml.YAMLError as exc:
        raise DataFileError(str(path), "", f"invalid YAML: {exc}") from None


def validation_error(path: Path, exc: ValidationError) -> DataFileError:
    """The first schema violation as a DataFileError naming its dotted field path."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    return DataFileError(str(path), field, first["msg"])


def load_model(path: Path, model: type[M]) -> M:
    """Read `path` and validate it as `model`."""
    data = read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, exc) from None


def file_stamp(path: Path) -> tuple[int, int]:
    """(mtime, size) of a data file, so a cache keyed on it reloads when the file changes;
    (0, 0) when it cannot be read (the loader then reports why)."""
    try:
        stat = path.stat()
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


def load_cached(path: Path, build: Callable[..., T], *args: Hashable) -> T:
    """`build(path, *args)`, kept until the file changes: a data file is read and compiled once
    per process, and again after an edit."""
    return _cached(build, path, file_stamp(path), args)


@lru_cache(maxsize=16)
def _cached(build: Callable[..., Any], path: Path, stamp: tuple[int, int],
            args: tuple[Hashable, ...]) -> Any:
    del stamp  # part of the cache key only: an edited file is read again
    return build(path, *args)


def knowledge_file(directory: Path, name: str) -> Path:
    """`name` in a knowledge folder, or the shipped one when that folder has none."""
    path = directory / name
    return path if path.exists() else data_dir("knowledge") / name
