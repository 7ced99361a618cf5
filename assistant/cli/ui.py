"""`coach ui`: start the Streamlit side panel on this machine only, with no telemetry."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import click

from assistant.errors import ConfigError
from assistant.settings import get_settings

_PACKAGE = Path(__file__).resolve().parents[1]
APP_CANDIDATES = (_PACKAGE.parent / "ui" / "app.py", _PACKAGE / "_bundled" / "ui" / "app.py")
MAX_UPLOAD_MB = 5

# Server and client options that hold whatever the user's own Streamlit config says.
FIXED_OPTIONS = {
    "server.headless": "true",
    "server.runOnSave": "false",
    "server.fileWatcherType": "none",
    "server.maxUploadSize": str(MAX_UPLOAD_MB),
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "minimal",
    "client.showErrorDetails": "none",
}


def app_path() -> Path:
    """ui/app.py from the checkout, or as bundled in the wheel."""
    for candidate in APP_CANDIDATES:
        if candidate.is_file():
            return candidate
    raise ConfigError("the Streamlit app (ui/app.py) is not installed with this package")


def streamlit_command(host: str, port: int) -> list[str]:
    """The exact `python -m streamlit run ...` command line `coach ui` runs."""
    options = {"server.address": host, "server.port": str(port), **FIXED_OPTIONS}
    flags = [f"--{name}={value}" for name, value in options.items()]
    return [sys.executable, "-m", "streamlit", "run", str(app_path()), *flags]


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: COACH_UI_HOST, "
              "127.0.0.1). Anything but loopback exposes the panel to your network.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port to listen on (default: COACH_UI_PORT, 8501).")
@click.option("--print-command", is_flag=True, help="Print the command instead of running it.")
def ui(host: str | None, port: int | None, print_command: bool) -> None:
    """Start the agent side panel (Streamlit) in this terminal; Ctrl+C stops it."""
    settings = get_settings()
    command = streamlit_command(host or settings.ui_host, port or settings.ui_port)
    if print_command:
        click.echo(shlex.join(command))
        return
    click.echo(f"Complaint Coach panel: http://{host or settings.ui_host}:"
               f"{port or settings.ui_port}", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)  # Streamlit replaces us: signals and exit code are its own
