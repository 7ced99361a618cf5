"""`coach` — the command line (contract §3). Exit codes: 0 ok, 2 bad input, 1 anything else."""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from assistant.backends import BACKEND_NAMES
from assistant.errors import CoachError, TranscriptError

if TYPE_CHECKING:
    from assistant.models import Suggestion

# Subcommands written in their own modules, imported only when used (keeps `coach suggest` fast).
LAZY_COMMANDS = {
    "replay": ("assistant.cli.replay", "replay"),
    "eval": ("assistant.cli.eval", "eval_group"),
    "ui": ("assistant.cli.ui", "ui"),
    "reader": ("assistant.cli.reader", "reader_group"),
    "serve": ("assistant.cli.serve", "serve"),
}


class LazyGroup(click.Group):
    """A click group whose heavy subcommands load on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attribute = LAZY_COMMANDS[name]
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup)
@click.version_option(package_name="complaint-coach")
def cli() -> None:
    """Complaint Coach: the next reply and a compensation offer for a live complaint."""


def _render(suggestion: Suggestion) -> str:
    """The readable form of a suggestion for a terminal."""
    c, a = suggestion.compensation, suggestion.assessment
    lines = [f"Reply ({suggestion.language}, {suggestion.backend}, {suggestion.latency_ms} ms):",
             *(f"  {line}" for line in suggestion.reply.splitlines()), ""]
    amount = f" {c.amount:.2f} {c.currency}" if c.amount is not None else ""
    approval = "  [supervisor approval needed]" if c.requires_approval else ""
    timing = "" if c.offer_now else "  (only if the customer asks)"
    lines.append(f"Offer: {c.kind.value}{amount} — rule {c.policy_id}{approval}{timing}")
    if c.gesture:
        lines.append(f"  Gesture: {c.gesture}")
    lines.append(f"  Why: {c.rationale}")
    risks = ", ".join(r.value for r in a.risks) or "none"
    fault = {True: "yes", False: "no", None: "unknown"}[a.company_at_fault]
    issue = a.acted_issue.value
    if guess := a.unsure_guess:
        issue += f" (guess: {guess.value} {a.confidence:.2f}, unsure)"
    lines.append(f"Seen: {issue}/{a.severity.value}, company at fault: {fault}, "
                 f"{a.emotion.value} ({a.intensity:.1f}), risks: {risks}")
    lines.append("Practices: " + "; ".join(f"{p.title} [{p.source}]" for p in suggestion.practices))
    if suggestion.flags:
        lines.append("Flags: " + ", ".join(suggestion.flags))
    return "\n".join(lines)


def _emit(item: Suggestion | TranscriptError, as_json: bool, many: bool) -> None:
    if isinstance(item, TranscriptError):
        click.echo(f"error: {item}", err=True)
        if as_json and many:
            click.echo(json.dumps({"error": str(item)}, ensure_ascii=False))
        return
    problem = next((f for f in item.flags if f.startswith("llm_problem: ")), None)
    if problem:
        click.echo(f"note: {problem.removeprefix('llm_problem: ')} (rules backend answered)",
                   err=True)
    if as_json:
        data = item.model_dump(mode="json")
        click.echo(json.dumps(data, ensure_ascii=False, indent=None if many else 2))
    else:
        click.echo(_render(item) + ("\n" if many else ""))


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the contract's JSON.")
@click.option("--backend", type=click.Choice(BACKEND_NAMES), default=None,
              help="Who writes the reply (default: COACH_BACKEND, else rules).")
def suggest(file: Path, as_json: bool, backend: str | None) -> None:
    """Next reply and compensation for the conversation so far in FILE."""
    from assistant.coach import Coach
    from assistant.read.transcripts import load_transcripts
    from assistant.settings import get_settings

    items = load_transcripts(file)
    readable = any(not isinstance(i, TranscriptError) for i in items)
    coach = Coach.load(get_settings()) if readable else None
    bad = 0
    for item in items:
        if not isinstance(item, TranscriptError):
            try:
                item = coach.suggest(item, backend=backend)
            except TranscriptError as exc:
                item = exc
        bad += isinstance(item, TranscriptError)
        _emit(item, as_json, many=len(items) > 1)
    if bad:
        sys.exit(2)


@cli.group()
def index() -> None:
    """The retrieval index (Chroma)."""


@index.command("build")
def index_build() -> None:
    """(Re)build the index from knowledge/; unchanged records are skipped."""
    from assistant.knowledge.index import build_index
    from assistant.settings import get_settings

    click.echo(f"practices: {build_index(get_settings())}")


@index.command("add")
@click.argument("path", type=click.Path(path_type=Path))
def index_add(path: Path) -> None:
    """Add a company's own documents (markdown or text; a file or a folder)."""
    from assistant.knowledge.index import add_documents
    from assistant.settings import get_settings

    report = add_documents(get_settings(), path)
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    click.echo(f"documents: {report}")
    if report.errors:
        sys.exit(2)


def main() -> None:
    """Entry point: CoachError messages instead of tracebacks, with the contract's exit codes."""
    try:
        code = cli.main(standalone_mode=False) or 0  # ctx.exit(n) returns n in this mode
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = 2
    except click.exceptions.Abort:
        code = 1
    except CoachError as exc:
        click.echo(f"error: {exc}", err=True)
        code = exc.exit_code
    except SystemExit as exc:  # a command's sys.exit(2)
        code = exc.code if isinstance(exc.code, int) else (exc.code is not None)
        if isinstance(exc.code, str):
            click.echo(exc.code, err=True)
    leave(int(code))


def leave(code: int) -> NoReturn:
    """Exit with `code`. A model call left at its deadline may still be running inside a
    native library (llama.cpp): finalizing the interpreter under it can crash the process
    (exit 139 after the answer was printed), so then the process ends at once, its output
    flushed."""
    writer = sys.modules.get("assistant.llm.writer")  # no model call was made without it
    if writer is not None and writer.calls_running():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
