"""Who can write a reply: the one list of backends the settings, the CLI, the UI and the coach read.

A model backend names the function that builds its LangChain chat model (assistant.llm.chat
imports it when that backend is first used), so `coach suggest` on `rules` never imports
LangChain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assistant.errors import ConfigError


@dataclass(frozen=True)
class Backend:
    """One backend: its name in settings and on the command line, the label a suggestion
    carries, a line for the settings page, and the factory of its chat model (none for rules)."""

    name: str
    label: str
    summary: str
    chat_model: str | None = None  # "module:function" taking Settings


RULES = "rules"
BACKENDS: dict[str, Backend] = {backend.name: backend for backend in (
    Backend(RULES, "rules", "rules — built in, deterministic, instant"),
    Backend("openai", "openai", "openai — any OpenAI-compatible endpoint",
            "assistant.llm.chat:openai_chat_model"),
    Backend("local", "local-llama", "local — a GGUF model in this process",
            "assistant.llm.chat:local_chat_model"),
)}
BACKEND_NAMES = tuple(BACKENDS)
BackendName = Literal[BACKEND_NAMES]  # for pydantic: the settings refuse any other name


def get_backend(name: str) -> Backend:
    """The backend called `name`, or a ConfigError listing the known ones."""
    if name not in BACKENDS:
        raise ConfigError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return BACKENDS[name]


def backend_label(name: str) -> str:
    """What a suggestion records as its backend ("local-llama" for `local`)."""
    return BACKENDS[name].label if name in BACKENDS else name
