"""Replay: a trainer steps through a past conversation, turn by turn, with the feedback beside
each agent reply and what the coach would have said there. All logic lives in
assistant.replay.runner."""

from __future__ import annotations

import json
from pathlib import Path

import charts
import panel_model as panel
import panel_widgets as ui
import streamlit as st

from assistant.coach import Coach
from assistant.critic.rubric import PASS
from assistant.i18n import label, number, percent, quoted
from assistant.models import Transcript
from assistant.read.transcripts import iter_transcript_files
from assistant.replay.report import render_replay
from assistant.replay.results import ReplayResult, TurnReplay
from assistant.replay.runner import replay_transcript

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_ = ui._


def _choose() -> tuple[bytes, str] | None:
    """(bytes, name) of the transcript file the trainer uploaded or picked."""
    uploaded = st.file_uploader(_("Upload a transcript (JSON, JSONL, CSV, text or ABCD)"),
                                max_upload_size=5, key="replay_file")
    if uploaded is not None:
        return uploaded.getvalue(), uploaded.name
    examples = iter_transcript_files(EXAMPLES) if EXAMPLES.is_dir() else []
    picked = st.selectbox(_("…or pick an example"), examples, index=None, key="replay_example",
                          format_func=lambda p: p.relative_to(EXAMPLES).as_posix())
    return (picked.read_bytes(), picked.name) if picked else None


def _conversation(data: bytes, name: str) -> Transcript:
    upload = panel.read_upload(data, name)
    for error in upload.errors:
        st.warning(error)
    choices = {_("{id} — {n} messages", id=t.id, n=len(t.turns)): t
               for t in upload.transcripts}
    label = st.selectbox(_("Conversation"), list(choices), disabled=len(choices) == 1,
                         key="replay_conversation")
    return choices[label]


@st.cache_data(show_spinner=False, max_entries=16)
def _replay(transcript_json: str, coach_key: str, _coach: Coach, lang: str
            ) -> tuple[dict, str, dict[int, dict[str, str]]]:
    del coach_key  # part of the cache key: another backend replays afresh
    transcript = Transcript.model_validate_json(transcript_json)
    result = replay_transcript(transcript, _coach, lang)
    reasons = {t.index: {c: t.reason(c, lang) for c in t.scores} for t in result.turns}
    return result.to_json(), render_replay(result, transcript, lang), reasons


def _turn(transcript: Transcript, turn: TurnReplay, reasons: dict[str, str]) -> None:
    before = transcript.turns[: turn.index]
    if before and before[-1].role.value == "customer":
        st.caption(_("The customer had just said"))
        ui.show_text(before[-1].text)
    tone = "green" if turn.score >= PASS else "red"
    st.markdown(_("**Agent turn #{index}** · score :{tone}[{score}]", index=turn.index,
                  tone=tone, score=percent(turn.score, ui.language())))
    (st.success if turn.score >= PASS else st.warning)(turn.feedback)
    for issue in turn.issues:
        if issue.policy_breach:
            breach = issue.policy_breach
            lang = ui.language()
            st.error(ui.plain(_("Outside the policy ({kind}, rule {rule}): {quote}",
                                kind=label(breach.kind, lang), rule=breach.rule,
                                quote=quoted(issue.quote, lang))), icon=":material/policy:")
    said, coach = st.columns(2)
    with said:
        st.caption(_("Agent said"))
        ui.show_text(turn.text, turn.language)
    with coach:
        st.caption(_("Coach suggests"))
        if turn.suggestion:
            ui.show_text(turn.suggestion.reply, turn.suggestion.language)
        else:
            st.write(_("No suggestion here: the customer had not spoken yet."))
    lang = ui.language()
    rows = [{_("practice"): label(c, lang), _("score"): s, _("why"): reasons.get(c, ""),
             _("in their words"): " · ".join(i.quote for i in turn.issues if i.criterion == c)}
            for c, s in turn.scores.items()]
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={_("score"): st.column_config.ProgressColumn(
                     _("score"), min_value=0.0, max_value=1.0, format="%.2f")})


def _show(transcript: Transcript, result: ReplayResult, report: str,
          reasons: dict[int, dict[str, str]]) -> None:
    best, worst = result.best_turn, result.worst_turn
    cols = st.columns(4)
    lang = ui.language()
    cols[0].metric(_("Overall"), percent(result.overall, lang))
    cols[1].metric(_("Best turn"), f"#{best}" if best is not None else "–")
    cols[2].metric(_("Worst turn"), f"#{worst}" if worst is not None else "–")
    cols[3].metric(_("Policy breaches"), number(result.breaches, lang))
    st.altair_chart(charts.score_bars([{"turn": f"#{t.index}", "score": t.score}
                                      for t in result.turns], _("score")),
                    width="stretch", height=180)
    st.altair_chart(charts.practice_heatmap([
        {"turn": f"#{t.index}", "practice": label(c, lang), "score": s}
        for t in result.turns for c, s in t.scores.items()]), width="stretch")
    indexes = [t.index for t in result.turns]
    chosen = indexes[0] if len(indexes) == 1 else st.select_slider(
        _("Step through the agent turns"), options=indexes, key=f"replay_turn_{result.id}",
        value=worst if worst is not None else indexes[0], format_func=lambda i: f"#{i}")
    _turn(transcript, next(t for t in result.turns if t.index == chosen), reasons[chosen])
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in result.id)[:60]
    left, right = st.columns(2)
    left.download_button(_("Download the HTML report"), report, f"replay-{stem}.html", "text/html",
                         icon=":material/download:")
    right.download_button(_("Download JSON"), json.dumps(result.to_json(), ensure_ascii=False,
                                                      indent=1),
                          f"replay-{stem}.json", "application/json", icon=":material/data_object:")


st.set_page_config(layout="wide")  # a trainer reads turns side by side with the heatmap
st.markdown(f"### {_('Replay')}")
st.caption(_("What the agent said at each turn, how it scores practice by practice, and what "
             "the coach would have suggested at that moment."))
coach = ui.require_coach()
chosen_file = _choose()
if chosen_file:
    with ui.errors_shown():
        transcript = _conversation(*chosen_file)
        with st.spinner(_("Replaying every agent turn…")):
            data, report, reasons = _replay(transcript.model_dump_json(),
                                            coach.settings.backend, coach, ui.language())
        _show(transcript, ReplayResult.model_validate(data), report, reasons)
