"""Replay: a trainer steps through a past conversation, turn by turn, with the feedback beside
each agent reply and what the coach would have said there. All logic lives in
assistant.replay.runner."""

from __future__ import annotations

import json
from pathlib import Path

import panel_model as panel
import panel_widgets as ui
import streamlit as st

from assistant.coach import Coach
from assistant.critic.rubric import PASS
from assistant.models import Transcript
from assistant.read.transcripts import iter_transcript_files
from assistant.replay.report import render_replay
from assistant.replay.results import ReplayResult, TurnReplay
from assistant.replay.runner import replay_transcript

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _choose() -> tuple[bytes, str] | None:
    """(bytes, name) of the transcript file the trainer uploaded or picked."""
    uploaded = st.file_uploader("Upload a transcript (JSON, JSONL, CSV, text or ABCD)",
                                max_upload_size=5, key="replay_file")
    if uploaded is not None:
        return uploaded.getvalue(), uploaded.name
    examples = iter_transcript_files(EXAMPLES) if EXAMPLES.is_dir() else []
    picked = st.selectbox("…or pick an example", examples, index=None, key="replay_example",
                          format_func=lambda p: p.relative_to(EXAMPLES).as_posix())
    return (picked.read_bytes(), picked.name) if picked else None


def _conversation(data: bytes, name: str) -> Transcript:
    upload = panel.read_upload(data, name)
    for error in upload.errors:
        st.warning(error)
    choices = {f"{t.id} — {len(t.turns)} messages": t for t in upload.transcripts}
    label = st.selectbox("Conversation", list(choices), disabled=len(choices) == 1,
                         key="replay_conversation")
    return choices[label]


@st.cache_data(show_spinner="Replaying every agent turn…", max_entries=16)
def _replay(transcript_json: str, coach_key: str, _coach: Coach) -> tuple[dict, str]:
    del coach_key  # part of the cache key: another backend replays afresh
    transcript = Transcript.model_validate_json(transcript_json)
    result = replay_transcript(transcript, _coach)
    return result.to_json(), render_replay(result, transcript)


def _turn(transcript: Transcript, turn: TurnReplay) -> None:
    before = transcript.turns[: turn.index]
    if before and before[-1].role.value == "customer":
        st.caption("The customer had just said")
        ui.show_text(before[-1].text)
    tone = "green" if turn.score >= PASS else "red"
    st.markdown(f"**Agent turn #{turn.index}** · score :{tone}[{turn.score:.0%}]")
    (st.success if turn.score >= PASS else st.warning)(turn.feedback)
    for issue in turn.issues:
        if issue.policy_breach:
            breach = issue.policy_breach
            st.error(ui.plain(f"Outside the policy ({breach.kind.replace('_', ' ')}, "
                              f"rule {breach.rule}): “{issue.quote}”"), icon=":material/policy:")
    said, coach = st.columns(2)
    with said:
        st.caption("Agent said")
        ui.show_text(turn.text, turn.language)
    with coach:
        st.caption("Coach suggests")
        if turn.suggestion:
            ui.show_text(turn.suggestion.reply, turn.suggestion.language)
        else:
            st.write("No suggestion here: the customer had not spoken yet.")
    rows = [{"practice": c.replace("_", " "), "score": s, "why": turn.reasons.get(c, ""),
             "in their words": " · ".join(i.quote for i in turn.issues if i.criterion == c)}
            for c, s in turn.scores.items()]
    st.dataframe(rows, hide_index=True, use_container_width=True,
                 column_config={"score": st.column_config.ProgressColumn(
                     "score", min_value=0.0, max_value=1.0, format="%.2f")})


def _show(transcript: Transcript, result: ReplayResult, report: str) -> None:
    best, worst = result.best_turn, result.worst_turn
    cols = st.columns(4)
    cols[0].metric("Overall", f"{result.overall:.0%}")
    cols[1].metric("Best turn", f"#{best}" if best is not None else "–")
    cols[2].metric("Worst turn", f"#{worst}" if worst is not None else "–")
    cols[3].metric("Policy breaches", result.breaches)
    st.bar_chart({f"#{t.index:03d}": t.score for t in result.turns}, y_label="score")
    indexes = [t.index for t in result.turns]
    chosen = indexes[0] if len(indexes) == 1 else st.select_slider(
        "Step through the agent turns", options=indexes, key="replay_turn",
        value=worst if worst is not None else indexes[0], format_func=lambda i: f"#{i}")
    _turn(transcript, next(t for t in result.turns if t.index == chosen))
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in result.id)[:60]
    left, right = st.columns(2)
    left.download_button("Download the HTML report", report, f"replay-{stem}.html", "text/html",
                         icon=":material/download:")
    right.download_button("Download JSON", json.dumps(result.to_json(), ensure_ascii=False,
                                                      indent=1),
                          f"replay-{stem}.json", "application/json", icon=":material/data_object:")


st.markdown("### Replay")
st.caption("What the agent said at each turn, how it scores practice by practice, and what the "
           "coach would have suggested at that moment.")
coach = ui.require_coach()
chosen_file = _choose()
if chosen_file:
    with ui.errors_shown():
        transcript = _conversation(*chosen_file)
        data, report = _replay(transcript.model_dump_json(), coach.settings.backend, coach)
        _show(transcript, ReplayResult.model_validate(data), report)
