"""'Test connection' for the Settings page: can the configured backend actually answer?

For an OpenAI-compatible endpoint this is a real `GET {base_url}/models` with a short timeout,
and the result carries the exact error (refused, timed out, HTTP 401 ...) for the agent to read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

import httpx

from assistant.errors import ConfigError
from assistant.llm.chat import default_gguf
from assistant.settings import Settings

OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
TEST_TIMEOUT_S = 5.0


@dataclass
class ConnectionResult:
    ok: bool
    backend: str
    target: str
    detail: str
    models: list[str] = field(default_factory=list)


def test_connection(settings: Settings, *, timeout_s: float = TEST_TIMEOUT_S) -> ConnectionResult:
    """Check the backend the settings select; never raises for an unreachable endpoint."""
    if settings.backend == "openai":
        return _openai(settings, min(timeout_s, settings.openai_timeout_s))
    if settings.backend == "local":
        return _local(settings)
    return ConnectionResult(True, "rules", "built-in",
                            "The rules backend runs inside the app; nothing to connect to.")


test_connection.__test__ = False  # pytest: a function, not a test


def _openai(settings: Settings, timeout_s: float) -> ConnectionResult:
    base = (settings.openai_base_url or OPENAI_DEFAULT_URL).rstrip("/")
    url = f"{base}/models"
    if not settings.openai_base_url and not settings.openai_api_key:
        return ConnectionResult(False, "openai", url, "No API key: set COACH_OPENAI_API_KEY, or "
                                "COACH_OPENAI_BASE_URL for an OpenAI-compatible server.")
    headers = {}
    if settings.openai_api_key:
        headers["Authorization"] = f"Bearer {settings.openai_api_key.get_secret_value()}"
    try:
        response = httpx.get(url, headers=headers, timeout=timeout_s, follow_redirects=True)
    except httpx.TimeoutException:
        return ConnectionResult(False, "openai", url,
                                f"No answer from {url} within {timeout_s:g} s.")
    except (httpx.HTTPError, OSError, RuntimeError, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
        return ConnectionResult(False, "openai", url, f"Cannot connect to {url}: {reason}")
    return _models_answer(response, url, settings.openai_model)


def _models_answer(response: httpx.Response, url: str, wanted: str) -> ConnectionResult:
    if response.status_code >= 400:
        body = " ".join(response.text.split())[:300]
        return ConnectionResult(False, "openai", url,
                                f"{url} answered HTTP {response.status_code}: {body}")
    try:
        models = sorted(str(m["id"]) for m in response.json()["data"])
    except (ValueError, KeyError, TypeError):
        return ConnectionResult(False, "openai", url,
                                f"{url} answered, but not with an OpenAI model list.")
    if wanted not in models:
        offered = ", ".join(models[:10]) or "none"
        return ConnectionResult(False, "openai", url, f"Connected, but model {wanted!r} is not "
                                f"offered by this endpoint (it offers: {offered}).", models)
    return ConnectionResult(True, "openai", url,
                            f"Connected: {len(models)} models offered, {wanted!r} among them.",
                            models)


def _local(settings: Settings) -> ConnectionResult:
    try:
        path = Path(settings.local_model_path or default_gguf())
    except ConfigError as exc:
        return ConnectionResult(False, "local", "GGUF model", str(exc))
    if not path.is_file():
        return ConnectionResult(False, "local", str(path), f"Local model file not found: {path}")
    if find_spec("llama_cpp") is None:
        return ConnectionResult(False, "local", str(path), "llama-cpp-python is not installed: "
                                "install the local extra (uv sync --extra local).")
    from assistant.llm.local_smoke import local_model_runs

    verdict = local_model_runs(path, settings.home)
    if not verdict.ok:
        return ConnectionResult(False, "local", str(path),
                                f"{path.name} cannot run here: {verdict.detail}.")
    return ConnectionResult(True, "local", str(path), f"{path.name} {verdict.detail}.")
