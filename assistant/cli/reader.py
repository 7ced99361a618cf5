"""`coach reader train` and `coach reader eval`: build the trained reader and measure it.

`train` is deterministic (seeded, hash split) and writes knowledge/reader/reader.npz and the
model card; `eval` measures the shipped artifact on the held-out split and the real development
set and exits 3 when a figure falls below evals/reader_gate.yaml.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from assistant.errors import InputError

REPO = Path(__file__).resolve().parents[2]
DEV_SET = REPO.parent / "shared" / "datasets" / "real-dev" / "real_dev.jsonl"
DEV_LABELS = REPO / "evals" / "real_dev" / "labels.jsonl"
GATE_FILE = REPO / "evals" / "reader_gate.yaml"
BELOW_THRESHOLDS = 3


@click.group("reader")
def reader_group() -> None:
    """The trained reader: what a complaint is about, flags, harm, agent-turn acts."""


@reader_group.command("train")
@click.option("--dev", "dev_path", type=click.Path(path_type=Path), default=DEV_SET,
              show_default=True, help="Real development set (measured, never trained on).")
def train_command(dev_path: Path) -> None:
    """Train from knowledge/reader/*.jsonl; write the artifact and MODEL_CARD.md."""
    from assistant.read.card import write_card
    from assistant.read.corpus import load_corpus
    from assistant.read.lexicon import get_lexicon, lexicon_path
    from assistant.read.reader import ARTIFACT_FILE, artifact_stamp
    from assistant.read.training import train
    from assistant.settings import get_settings

    directory = get_settings().knowledge_dir / "reader"
    started = time.perf_counter()
    corpus = load_corpus(directory)
    reader, _ = train(corpus, get_lexicon(), artifact_stamp(corpus.digest, lexicon_path()))
    reader.save(directory / ARTIFACT_FILE)
    seconds = time.perf_counter() - started
    click.echo(f"trained on {len(corpus.customer)} customer and {len(corpus.agent)} agent rows "
               f"in {seconds:.1f} s → {directory / ARTIFACT_FILE} "
               f"({(directory / ARTIFACT_FILE).stat().st_size / 1e6:.1f} MB)")
    card = write_card(directory, corpus, _dev(dev_path), train_seconds=seconds)
    click.echo(f"model card: {card}")


@reader_group.command("eval")
@click.option("--dev", "dev_path", type=click.Path(path_type=Path), default=DEV_SET,
              show_default=True, help="Real development set (skipped when absent).")
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON.")
@click.pass_context
def eval_command(ctx: click.Context, dev_path: Path, as_json: bool) -> None:
    """Measure the shipped reader; exit 3 below the gate (evals/reader_gate.yaml)."""
    from assistant.read.card import check_gate, format_figures, measure_all
    from assistant.read.corpus import load_corpus
    from assistant.settings import get_settings

    directory = get_settings().knowledge_dir / "reader"
    figures = measure_all(directory, load_corpus(directory), _dev(dev_path))
    click.echo(json.dumps(figures, indent=1) if as_json else format_figures(figures))
    failures = check_gate(figures, GATE_FILE)
    for failure in failures:
        click.echo(f"below threshold: {failure}", err=True)
    if failures:
        ctx.exit(BELOW_THRESHOLDS)


@reader_group.command("audit")
@click.option("--lang", "languages", multiple=True, type=click.Choice(["en", "he", "fa"]),
              help="Language(s) to audit (default: all three).")
@click.option("--below", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Show cues whose precision on the corpus is below this.")
@click.option("--min-hits", type=click.IntRange(1), default=4, show_default=True,
              help="Skip cues that fire on fewer corpus rows.")
def audit_command(languages: tuple[str, ...], below: float, min_hits: int) -> None:
    """Lexicon cues that mostly fire on corpus rows labelled otherwise (look-alikes)."""
    from assistant.read.audit import audit_cues
    from assistant.read.corpus import load_corpus
    from assistant.read.lexicon import LEXICON_FILE, get_lexicon
    from assistant.settings import get_settings

    knowledge = get_settings().knowledge_dir
    corpus, lexicon = load_corpus(knowledge / "reader"), get_lexicon(knowledge / LEXICON_FILE)
    for lang in languages or ("en", "he", "fa"):
        for score in audit_cues(corpus.customer, lexicon, lang, min_hits):
            if score.precision < below:
                click.echo(f"{lang}  {score.category:28} {score.precision:4.2f} of "
                           f"{score.hits:3} rows  {score.cue}")


def _dev(dev_path: Path) -> tuple[Path, Path] | None:
    """The development set and its labels, or None (with a note) when ../shared is absent."""
    if not dev_path.is_file():
        click.echo(f"note: no development set at {dev_path}; measuring the held-out split only",
                   err=True)
        return None
    if not DEV_LABELS.is_file():
        raise InputError(f"{DEV_LABELS}: gold labels missing")
    return dev_path, DEV_LABELS
