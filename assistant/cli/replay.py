"""`coach replay FILE|DIR [--json] [--out PATH]` — trainer replay from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from assistant.errors import CoachError, InputError
from assistant.files import file_problem, output_problem
from assistant.i18n import UI_LANGUAGES
from assistant.models import Transcript
from assistant.read.transcripts import MAX_FILE_BYTES
from assistant.replay.report import render_replay
from assistant.replay.results import Failure, ReplayResult
from assistant.replay.runner import read_transcripts, replay_batch, replay_transcript

REPORT_SUFFIXES = (".html", ".htm", ".json")


@click.command("replay")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the contract's replay JSON.")
@click.option("--out", type=click.Path(path_type=Path),
              help="Write reports: PATH.html (+ .json) for one conversation, else a folder with "
                   "one report per conversation and a summary.")
@click.option("--show-pii", is_flag=True,
              help="Keep card numbers, IBANs, e-mails, phones, addresses and national IDs in "
                   "the output; by default they are masked.")
@click.option("--language", type=click.Choice(UI_LANGUAGES),
              help="Language of the feedback and reports (default: COACH_UI_LANGUAGE, else en). "
                   "Quotes stay in the conversation's language; JSON field names never change.")
def replay(path: Path, as_json: bool, out: Path | None, show_pii: bool,
           language: str | None) -> None:
    """Per-agent-turn feedback and scores for the conversation(s) in PATH (a folder: a batch)."""
    failed: list[Failure] = []
    try:
        results, many = _run(path, out, failed, mask=not show_pii, language=language)
    except InputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except CoachError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    if as_json:
        data = [r.to_json() for r in results]
        click.echo(json.dumps(data if many else data[0], ensure_ascii=False, indent=2))
    else:
        click.echo("\n\n".join(render_text(r) for r in results))
    if failed:  # like `coach suggest`: good conversations are reported, a bad one still says so
        sys.exit(2)


def _check_out(path: Path, out: Path | None) -> None:
    """Refuse an unusable --out before any work (a folder for a batch, else a report file)."""
    if out is None:
        return
    directory = path.is_dir() or out.suffix.lower() not in REPORT_SUFFIXES
    problem = output_problem(out, directory=directory)
    if problem:
        raise InputError(f"--out {out}: {problem}")


def _run(path: Path, out: Path | None, failed: list[Failure], mask: bool = True,
         language: str | None = None
         ) -> tuple[list[ReplayResult], bool]:
    """The replays, and whether PATH held many conversations (JSON then prints a list);
    conversations that could not be replayed are added to `failed`."""
    from assistant.coach import Coach
    from assistant.settings import get_settings

    settings = get_settings()
    lang = language or settings.ui_language or "en"

    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    _check_out(path, out)
    if path.is_dir():
        return _run_batch(path, Coach.load(settings), out, failed, mask, lang), True
    problem = file_problem(path, MAX_FILE_BYTES)
    if problem:
        raise InputError(f"{path}: {problem}")
    failures: list[Failure] = []
    transcripts = read_transcripts(path, failures, mask)
    _report(failures, failed)
    if not transcripts:
        raise InputError(f"{path}: no transcript could be read")
    many = len(transcripts) + len(failures) > 1
    coach = Coach.load(settings)
    if out is not None and (many or out.suffix.lower() not in REPORT_SUFFIXES):
        return _run_batch(path, coach, out, failed, mask, lang), many
    results = _replay_all(transcripts, coach, failed, lang)
    if out is not None:
        _write_report(results[0], transcripts[0], out, lang)
    return results, many


def _write_report(result: ReplayResult, transcript: Transcript, out: Path, lang: str) -> None:
    """One conversation's report: HTML and JSON side by side (report.html + report.json)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    html_path = out if out.suffix.lower() != ".json" else out.with_suffix(".html")
    html_path.write_text(render_replay(result, transcript, lang), encoding="utf-8")
    html_path.with_suffix(".json").write_text(
        json.dumps(result.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(f"report: {html_path}", err=True)


def _replay_all(transcripts: list[Transcript], coach, failed: list[Failure], lang: str = "en"
                ) -> list[ReplayResult]:
    results, failures = [], []
    for transcript in transcripts:
        try:
            results.append(replay_transcript(transcript, coach, lang))
        except InputError as exc:
            failures.append(Failure(source=transcript.id, reason=str(exc)))
    _report(failures, failed)
    if not results:
        raise InputError("nothing to replay: no conversation has an agent turn")
    return results


def _run_batch(path: Path, coach, out: Path | None, failed: list[Failure], mask: bool = True,
               lang: str = "en"
               ) -> list[ReplayResult]:
    """A folder (or a many-conversation file): reports and summary when --out is given."""
    if out is None:
        from assistant.read.transcripts import iter_transcript_files

        failures: list[Failure] = []
        files = iter_transcript_files(path) if path.is_dir() else [path]
        transcripts = [t for f in files for t in read_transcripts(f, failures, mask)]
        _report(failures, failed)
        if not transcripts:
            raise InputError(f"{path}: no transcript could be read")
        return _replay_all(transcripts, coach, failed, lang)
    results: list[ReplayResult] = []
    batch = replay_batch([path], coach, out, progress=sys.stderr.isatty(), mask_pii=mask,
                         on_result=results.append, lang=lang)
    _report(batch.failures, failed)
    if not results:
        raise InputError(f"{path}: nothing could be replayed")
    click.echo(f"reports and summary: {out / 'summary.html'}", err=True)
    return results


def _report(failures: list[Failure], failed: list[Failure]) -> None:
    for failure in failures:
        click.echo(f"error: {failure.source}: {failure.reason}", err=True)
    failed += failures


def render_text(result: ReplayResult) -> str:
    """A readable per-turn summary for a terminal."""
    head = (f"{result.id} · {result.channel} · {result.language} · issue "
            f"{result.issue_type} · overall {result.overall:.2f}")
    if result.best_turn is not None:
        head += f" · best turn {result.best_turn}"
    if result.worst_turn is not None:
        head += f" · worst turn {result.worst_turn}"
    lines = [head]
    for turn in result.turns:
        lines.append(f"\nturn {turn.index}  score {turn.score:.2f}  agent: {_short(turn.text)}")
        lines.append(f"  feedback: {turn.feedback}")
        for issue in turn.issues:
            lines.append(f"  ✗ {issue.criterion}: “{_short(issue.quote)}”")
        marks = "  ".join(f"{c} {s:.1f}" for c, s in turn.scores.items())
        lines.append(f"  scores: {marks}")
        if turn.suggestion:
            lines.append(f"  coach: {_short(turn.suggestion.reply, 160)}")
    return "\n".join(lines)


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
