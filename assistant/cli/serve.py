"""`coach serve`: the HTTP API under uvicorn, one or several worker processes on one port."""

from __future__ import annotations

import click

from assistant.errors import ConfigError


@click.command()
@click.option("--host", default=None, help="Bind address (default COACH_API_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default COACH_API_PORT, 8080).")
@click.option("--workers", type=int, default=None,
              help="Worker processes (default COACH_API_WORKERS, 1); a dead one is restarted.")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the coach over HTTP (OpenAPI at /docs). Needs COACH_API_TOKENS."""
    import uvicorn

    from assistant.settings import get_settings

    settings = get_settings()
    if not settings.api_tokens:
        raise ConfigError("COACH_API_TOKENS is empty: set at least one bearer token "
                          "(comma-separated) before serving")
    uvicorn.run("assistant.cli.serve:app_from_environment", factory=True,
                host=host or settings.api_host, port=port or settings.api_port,
                workers=workers or settings.api_workers, access_log=False,
                timeout_graceful_shutdown=20, proxy_headers=False, log_level="warning",
                # A worker busy with 40 suggestions on starved cores may answer the supervisor's
                # ping late: give it 30 s before it is taken for hung and killed (default 5 s).
                timeout_worker_healthcheck=30,
                # Longer than a load balancer's idle timeout, so the proxy closes idle
                # connections first and never sends a request on one uvicorn is closing.
                timeout_keep_alive=75)


def app_from_environment():
    """The app each uvicorn worker builds: settings from the COACH_* variables."""
    from assistant.service.app import create_app
    from assistant.settings import get_settings

    return create_app(get_settings())
