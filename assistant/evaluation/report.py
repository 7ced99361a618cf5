"""The self-contained HTML report of an eval run: inline SVG plots, no scripts, no network.

Everything from a case (customer text, reply, reasons) is escaped: it is untrusted data.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
from markupsafe import Markup

if TYPE_CHECKING:
    from assistant.evaluation.results import CaseResult

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent),
    autoescape=True, undefined=jinja2.StrictUndefined,
)
ROW, LABEL_W, BAR_W = 22, 230, 330


def _colour(value: float) -> str:
    return "#2e7d32" if value >= 0.75 else "#f9a825" if value >= 0.5 else "#c62828"


def bar_chart(values: dict[str, float], title: str) -> Markup:
    """Horizontal bars for scores or rates in 0..1, one row per label."""
    if not values:
        return Markup("<p class='muted'>{}: no data</p>").format(title)
    height = ROW * len(values) + 8
    rows = []
    for n, (label, value) in enumerate(values.items()):
        y, width = 4 + n * ROW, max(1.0, BAR_W * max(0.0, min(1.0, value)))
        rows.append(Markup(
            '<text x="{lx}" y="{ty}" text-anchor="end">{label}</text>'
            '<rect x="{bx}" y="{y}" width="{w:.1f}" height="16" fill="{c}"><title>{label}: '
            '{v:.3f}</title></rect><text x="{vx:.1f}" y="{ty}">{v:.2f}</text>'
        ).format(lx=LABEL_W - 6, ty=y + 13, label=label, bx=LABEL_W, y=y, w=width,
                 c=_colour(value), v=value, vx=LABEL_W + width + 4))
    return Markup(
        '<figure><figcaption>{title}</figcaption><svg role="img" aria-label="{title}" '
        'width="{w}" height="{h}" viewBox="0 0 {w} {h}">{rows}</svg></figure>'
    ).format(title=title, w=LABEL_W + BAR_W + 50, h=height, rows=Markup("").join(rows))


def latency_chart(latencies: list[float]) -> Markup:
    """A histogram of suggestion latencies in milliseconds."""
    if not latencies:
        return Markup("<p class='muted'>latency: no data</p>")
    counts, edges = np.histogram(latencies, bins=min(20, max(1, len(set(latencies)))))
    width, height, top = 560, 160, max(int(counts.max()), 1)
    step = width / len(counts)
    bars = [Markup('<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
                   'fill="#1565c0"><title>{lo:.0f}-{hi:.0f} ms: {c} cases</title></rect>')
            .format(x=40 + i * step, y=10 + height * (1 - c / top), w=max(step - 2, 1),
                    h=height * c / top, lo=edges[i], hi=edges[i + 1], c=int(c))
            for i, c in enumerate(counts)]
    axis = Markup('<text x="40" y="{y}">{lo:.0f} ms</text><text x="{r}" y="{y}" '
                  'text-anchor="end">{hi:.0f} ms</text><text x="36" y="20" text-anchor="end">'
                  '{top}</text>').format(y=height + 26, lo=edges[0], hi=edges[-1],
                                         r=40 + width, top=top)
    return Markup('<figure><figcaption>Latency per suggestion (ms)</figcaption><svg role="img" '
                  'aria-label="latency histogram" width="{w}" height="{h}">{b}{a}</svg>'
                  '</figure>').format(w=width + 60, h=height + 36,
                                      b=Markup("").join(bars), a=axis)


def _failed_checks(results: list[CaseResult]) -> list[dict[str, Any]]:
    rows = []
    for result in results:
        reply = (result.suggestion or {}).get("reply", "")
        failed = [(name, result.reasons.get(name, "")) for name, ok in result.checks.items()
                  if not ok]
        failed += [(name, error) for name, error in result.check_errors.items()]
        for check, reason in failed:
            rows.append({"case": result.case_id, "dataset": result.dataset, "check": check,
                         "reason": reason, "reply": reply, "said": result.customer_said})
    return rows


def render_report(summary: dict[str, Any], results: list[CaseResult]) -> str:
    latencies = [r.latency_ms for r in results if r.latency_ms is not None and not r.error]
    charts = [
        bar_chart(summary.get("by_criterion", {}), "Score per practice of the rubric"),
        bar_chart(summary.get("by_practice", {}), "Case score per practice the coach cited"),
        bar_chart(summary.get("by_language", {}), "Case score per language"),
        bar_chart(summary.get("by_issue_type", {}), "Case score per issue type"),
        bar_chart(summary.get("by_evaluator", {}), "Score per evaluator"),
        bar_chart(summary.get("by_check", {}), "Pass rate per check"),
        latency_chart(latencies),
    ]
    template = _ENV.get_template("report.html.j2")
    return template.render(summary=summary, results=results, charts=charts,
                           failed=_failed_checks(results),
                           errors=[r for r in results if r.error])


def write_report(path: Path, summary: dict[str, Any], results: list[CaseResult]) -> None:
    path.write_text(render_report(summary, results), encoding="utf-8")
