"""The panel's small charts (Altair, drawn by Streamlit): mood by customer turn, the replay's
scores by agent turn and its practice × turn heatmap. Red is bad, green is good."""

from __future__ import annotations

import json

from assistant.models import Assessment


def mood_rows(assessment: Assessment, names: dict[str, str] | None = None) -> list[dict]:
    """One row per customer turn for the mood chart (turns numbered from 1, as people count);
    `names` says each emotion in the agent's language."""
    names = names or {}
    return [{"turn": m.turn_index + 1, "emotion": names.get(m.emotion.value, m.emotion.value),
             "intensity": round(m.intensity, 2)} for m in assessment.mood_by_turn]


def mood_chart(assessment: Assessment, names: dict[str, str] | None = None,
               turn_word: str = "turn"):
    """A small Altair chart of intensity by customer turn, each point labelled with its emotion;
    None without data."""
    rows = mood_rows(assessment, names)
    if not rows:
        return None
    import altair as alt

    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("turn:O", title=None,
                axis=alt.Axis(labelAngle=0,
                              labelExpr=f"{json.dumps(turn_word + ' ')} + datum.label")),
        y=alt.Y("intensity:Q", title=None, scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(values=[0, 0.5, 1])),
        tooltip=["turn:O", "emotion:N", "intensity:Q"],
    )
    points = base.mark_circle(size=90).encode(color=alt.Color("emotion:N", legend=None))
    labels = base.mark_text(dy=-12, fontSize=12).encode(text="emotion:N")
    return base.mark_line(color="#999") + points + labels


SCORE_COLORS = {"domain": [0, 0.5, 1], "range": ["#c0392b", "#e6a700", "#2e8b57"]}


def score_bars(turns: list[dict], score_word: str):
    """The score of each agent turn, coloured red → amber → green (green is good)."""
    import altair as alt

    return alt.Chart(alt.Data(values=turns)).mark_bar().encode(
        x=alt.X("turn:O", title=None), y=alt.Y("score:Q", title=score_word,
                                                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("score:Q", scale=alt.Scale(**SCORE_COLORS), legend=None),
        tooltip=["turn:O", "score:Q"])


def practice_heatmap(cells: list[dict]):
    """Practice × turn, each cell the turn's score on that practice (the HTML report's map)."""
    import altair as alt

    return alt.Chart(alt.Data(values=cells)).mark_rect().encode(
        x=alt.X("turn:O", title=None), y=alt.Y("practice:N", title=None),
        color=alt.Color("score:Q", scale=alt.Scale(**SCORE_COLORS), legend=None),
        tooltip=["practice:N", "turn:O", "score:Q"])
