"""Self-contained HTML for trainer replays: one file that opens from disk, with no network.

Styles and charts are inline (CSS, SVG), there is no script, and every piece of conversation
text goes through Jinja's autoescape — customer and agent words are data, never markup.
Hebrew and Persian text is laid out right-to-left.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context

from assistant.critic.rubric import CRITERIA, PASS
from assistant.i18n import _, label, money, percent
from assistant.i18n import text_dir as ui_dir
from assistant.models import RTL_LANGUAGES, Role, Transcript
from assistant.read.language import detect_language

if TYPE_CHECKING:
    from assistant.replay.results import ReplayResult, Summary, TurnReplay

CHART_HEIGHT = 120


class Bar(NamedTuple):
    x: float
    y: float
    width: float
    height: float
    color: str
    label: str
    score: float
    anchor: str


class Row(NamedTuple):
    """One line of the conversation as the report shows it."""

    role: str
    text: str
    dir: str
    turn: TurnReplay | None


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=PackageLoader("assistant.replay", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = pass_context(lambda ctx, score: percent(score, ctx["lang"]))
    env.filters["color"] = color
    env.globals["money"] = pass_context(lambda ctx, amount, currency: money(amount, currency,
                                                                           ctx["lang"]))
    env.filters["label"] = pass_context(lambda ctx, name: label(name, ctx["lang"]))
    env.globals["tr"] = pass_context(lambda ctx, msgid, **params: _(msgid, ctx["lang"], **params))
    env.filters["dir"] = text_dir
    return env


def color(score: float | None) -> str:
    """Green passes, amber is half-way, red fails (the same marks as the rubric)."""
    if score is None:
        return "#9e9e9e"
    if score >= PASS:
        return "#2e7d32"
    return "#ef6c00" if score >= 0.4 else "#c62828"


def text_dir(language_or_text: str) -> str:
    """`rtl` for Hebrew and Persian; accepts a language code or the text itself."""
    lang = language_or_text if language_or_text in ("en", "he", "fa") else \
        detect_language(language_or_text)
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


def bars(points: list[tuple[str, float]], width: float = 640) -> list[Bar]:
    """Geometry for a vertical bar chart of scores in [0, 1] (drawn as inline SVG)."""
    if not points:
        return []
    step = width / len(points)
    bar_width = max(min(step * 0.7, 48), 2)
    return [Bar(x=round(i * step + (step - bar_width) / 2, 1),
                y=round(CHART_HEIGHT * (1 - score), 1), width=round(bar_width, 1),
                height=round(max(CHART_HEIGHT * score, 1), 1), color=color(score),
                label=label, score=score, anchor=str(round(i * step + step / 2, 1)))
            for i, (label, score) in enumerate(points)]


def _rows(result: ReplayResult, transcript: Transcript | None) -> list[Row]:
    by_index = {t.index: t for t in result.turns}
    if transcript is None:
        return [Row("agent", t.text, text_dir(t.language), t) for t in result.turns]
    return [Row(turn.role.value, turn.text, text_dir(by_index[i].language) if i in by_index
                else text_dir(turn.text), by_index.get(i))
            for i, turn in enumerate(transcript.turns)
            if turn.role == Role.customer or i in by_index]


def render_replay(result: ReplayResult, transcript: Transcript | None = None,
                  lang: str = "en") -> str:
    """The report of one conversation in the trainer's language `lang`; with `transcript`, the
    customer's turns are shown too (always in their own language)."""
    criteria = [c for c in CRITERIA if any(c in t.scores for t in result.turns)]
    chart = bars([(str(t.index), t.score) for t in result.turns])
    return _env().get_template("replay.html.j2").render(
        r=result, rows=_rows(result, transcript), criteria=criteria, chart=chart,
        chart_height=CHART_HEIGHT, lang=lang, ui_dir=ui_dir(lang))


def render_summary(summary: Summary, lang: str = "en") -> str:
    """The batch summary: where the team stands and what keeps going wrong."""
    chart = bars([(c.criterion, c.score) for c in summary.by_criterion])
    return _env().get_template("replay_summary.html.j2").render(
        s=summary, chart=chart, chart_height=CHART_HEIGHT, lang=lang, ui_dir=ui_dir(lang))
