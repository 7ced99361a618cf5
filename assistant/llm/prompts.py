"""Prompts live as YAML files in prompts/; they are validated at load and rendered strictly.

A prompt names the variables it needs; rendering with a missing or extra variable is an error
rather than a silently blank hole in what the model reads.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import jinja2
from jinja2 import meta
from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.datafiles import load_model
from assistant.errors import DataFileError
from assistant.settings import data_dir

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                          keep_trailing_newline=True)


class PromptMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["system", "user", "assistant"]
    content: str = Field(min_length=1)


class Prompt(BaseModel):
    """A chat prompt: messages with Jinja templates and the variables they may use."""

    model_config = ConfigDict(extra="forbid")
    name: str
    version: int = 1
    description: str = ""
    variables: list[str]
    messages: list[PromptMessage] = Field(min_length=1)

    @model_validator(mode="after")
    def _templates_match_variables(self) -> Prompt:
        used: set[str] = set()
        for n, message in enumerate(self.messages):
            try:
                used |= meta.find_undeclared_variables(_ENV.parse(message.content))
            except jinja2.TemplateSyntaxError as exc:
                raise ValueError(f"messages.{n}.content: template error: {exc}") from None
        if used != set(self.variables):
            raise ValueError(f"templates use {sorted(used)} but variables declare "
                             f"{sorted(self.variables)}")
        return self

    def render(self, **values: object) -> list[tuple[str, str]]:
        """(role, text) pairs; values must be exactly the declared variables."""
        if set(values) != set(self.variables):
            raise ValueError(f"prompt {self.name!r} needs {sorted(self.variables)}, "
                             f"got {sorted(values)}")
        return [(m.role, _ENV.from_string(m.content).render(**values)) for m in self.messages]


@lru_cache(maxsize=32)
def _load(path: Path) -> Prompt:
    return load_model(path, Prompt)


def load_prompt(name: str, directory: Path | None = None) -> Prompt:
    """Load prompts/<name>.yaml (cached); the file name must match the prompt's name."""
    path = (directory or data_dir("prompts")) / f"{name}.yaml"
    prompt = _load(path.resolve())
    if prompt.name != name:
        raise DataFileError(str(path), "name", f"is {prompt.name!r}, expected {name!r}")
    return prompt
