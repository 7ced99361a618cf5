"""Load YAML/JSON data files into pydantic models, with errors that name the file and field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from assistant.errors import DataFileError

M = TypeVar("M", bound=BaseModel)
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


def read_yaml(path: Path) -> object:
    """Parse one YAML file; syntax and encoding errors become DataFileError."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
    except FileNotFoundError:
        raise DataFileError(str(path), "", "file not found") from None
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
