"""One settings object for the whole product (env prefix COACH_, or a .env file)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from assistant.backends import RULES, BackendName

_REPO = Path(__file__).resolve().parent.parent
_BUNDLED = Path(__file__).resolve().parent / "_bundled"


def data_dir(name: str) -> Path:
    """Project data (knowledge/, prompts/) from the checkout, or bundled in the wheel."""
    return _REPO / name if (_REPO / name).is_dir() else _BUNDLED / name


def _default_home() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "complaint-coach"


class Settings(BaseSettings):
    """Every knob in one place. `COACH_HOME` relocates all state: index and database."""

    model_config = SettingsConfigDict(env_prefix="COACH_", env_file=".env", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    knowledge_dir: Path = Field(default_factory=lambda: data_dir("knowledge"))
    prompts_dir: Path = Field(default_factory=lambda: data_dir("prompts"))
    policy_file: Path | None = None

    backend: BackendName = RULES
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout_s: float = 20.0
    local_model_path: Path | None = None
    llm_temperature: float = 0.2

    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "practices"
    retrieval_k: int = 4

    # The language the coach speaks to agents and trainers (replies follow the customer's).
    # Unset: the browser's language in the UI, English on the command line.
    ui_language: Literal["en", "he", "fa"] | None = None

    database_url: str | None = None
    ui_host: str = "127.0.0.1"
    ui_port: int = 8501
    suggestion_deadline_s: float = 8.0
    # Personal details (cards, IBANs, e-mails, phones, addresses, national IDs) are replaced by
    # placeholders before any text goes to a model; turn off only for an on-premise model.
    redact_pii: bool = True

    # `coach serve` (assistant.service): bearer tokens, comma-separated or a JSON list.
    api_tokens: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    api_workers: int = 1
    api_max_body_bytes: int = 1_000_000
    api_rate_limit: str = "600/minute"  # per token and worker process
    api_log_customer_text: bool = False
    chatwoot_url: str | None = None
    chatwoot_api_token: SecretStr | None = None
    chatwoot_webhook_secret: SecretStr | None = None
    chatwoot_max_attempts: int = 8

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _split_tokens(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                return json.loads(value)
            return [t.strip() for t in value.split(",") if t.strip()]
        return value
    # With a model backend the model reads the complaint first (prompts/read.yaml), within this
    # share of the deadline; the trained reader's reading stays when it fails.
    model_reads: bool = True
    model_read_share: float = Field(default=0.4, gt=0.0, lt=1.0)

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def database_path(self) -> Path:
        return self.home / "coach.sqlite3"

    @property
    def policy_path(self) -> Path:
        return self.policy_file or self.knowledge_dir / "compensation.yaml"

    @property
    def practices_dir(self) -> Path:
        return self.knowledge_dir / "practices"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own `Settings(home=tmp_path)` instead."""
    return Settings()
