"""Live assist: the conversation so far, what to say next, what to offer, and a draft check."""

from __future__ import annotations

import panel_model as panel
import panel_widgets as ui
import streamlit as st

from assistant.critic.drafts import check_draft
from assistant.errors import CoachError
from assistant.models import Role

coach = ui.require_coach()
store = ui.require_store()


# --- which conversation -----------------------------------------------------------------------

def open_session(session_id: str) -> None:
    st.session_state["session_id"] = session_id
    st.query_params["session"] = session_id


def start_new_conversation() -> None:
    open_session(store.create_session())


requested = st.query_params.get("session") or st.session_state.get("session_id")
session_id, not_found = panel.resolve_session(store, requested)
open_session(session_id)

with st.sidebar:
    recent = {s.id: f"{s.title or 'New conversation'} ({s.turns})" for s in store.list_sessions()}
    recent.setdefault(session_id, "This conversation")
    st.session_state["session_picker"] = session_id
    st.selectbox("Recent conversations", list(recent), format_func=recent.get,
                 key="session_picker",
                 on_change=lambda: open_session(st.session_state["session_picker"]))

with st.container(horizontal=True, vertical_alignment="center"):
    st.markdown("### Live assist")
    st.button("New conversation", icon=":material/add:", on_click=start_new_conversation)
if not_found:
    st.info(ui.plain(not_found))
if flash := st.session_state.pop("flash", None):
    st.success(flash, icon=":material/check:")


# --- the conversation -------------------------------------------------------------------------

def add_message(role: Role) -> None:
    try:
        store.add_turn(session_id, role, panel.clean_message(st.session_state["new_message"]))
        st.session_state["new_message"] = ""
    except CoachError as exc:
        st.session_state["message_error"] = str(exc)


transcript = store.transcript(session_id)
latest = store.latest_suggestion(session_id)
stored = panel.fresh_suggestion(transcript, latest)
risk_source = stored or latest
if risk_source:
    ui.risk_badges(panel.risk_badges(risk_source.suggestion.assessment.risks))

ui.conversation(transcript)

with st.form("message_form", border=False):
    st.text_area("Message", key="new_message", height=90,
                 placeholder="Paste the customer's message, or your own reply…")
    with st.container(horizontal=True):
        st.form_submit_button("Add customer message", icon=":material/person:", type="primary",
                              on_click=add_message, args=(Role.customer,))
        st.form_submit_button("Add my reply", icon=":material/support_agent:",
                              on_click=add_message, args=(Role.agent,))
if problem := st.session_state.pop("message_error", None):
    st.error(ui.plain(problem))


# --- what to say next -------------------------------------------------------------------------

def suggest_now() -> None:
    st.session_state["suggest_now"] = True


if panel.wants_suggestion(transcript, latest) or st.session_state.pop("suggest_now", False):
    with ui.errors_shown():
        stream = panel.SuggestionStream(coach.stream(transcript))
        live = st.empty()
        with live.container():
            st.write_stream(stream.text())  # a model's reply as it is written; rules: nothing
        live.empty()
        if stream.suggestion is not None:
            store.save_suggestion(session_id, stream.suggestion, len(transcript.turns))
            stored = store.latest_suggestion(session_id)

if stored is not None:
    reply = ui.suggestion_card(stored.suggestion, stored.id, coach)
    given = store.feedback(stored.id)
    verdict = ui.feedback_buttons(given[-1].verdict if given else None)
    if verdict:
        with ui.errors_shown():
            panel.record_verdict(store, session_id, stored, verdict, reply)
            if verdict != "rejected":  # the card moves on, so say where the reply went
                st.session_state["flash"] = f"Saved as {verdict} and added to the conversation."
            st.rerun()
elif transcript.customer_turns():
    st.button("Suggest a reply", icon=":material/lightbulb:", on_click=suggest_now)

shown = stored or latest
if shown is not None:
    ui.recovery_tracker(panel.recovery_tracker(shown.suggestion.assessment,
                                               shown.suggestion.stage,
                                               shown.suggestion.compensation))
    ui.mood(shown.suggestion)


# --- check my draft ---------------------------------------------------------------------------

st.markdown("#### Check my draft")
with st.form("draft_form", border=False):
    st.text_area("Draft", key="draft", height=90, label_visibility="collapsed",
                 placeholder="Paste the reply you are about to send…")
    check_clicked = st.form_submit_button("Check my draft", icon=":material/spellcheck:")
if check_clicked:
    with ui.errors_shown():
        st.session_state[f"draft_check_{session_id}"] = check_draft(
            st.session_state["draft"], transcript, coach,
            suggestion=stored.suggestion if stored else None, lexicon=coach.resources.lexicon)
if result := st.session_state.get(f"draft_check_{session_id}"):
    ui.draft_result(result)


# --- load a transcript ------------------------------------------------------------------------

with st.expander("Load a transcript file", icon=":material/upload_file:"):
    uploaded = st.file_uploader("JSON, JSONL, CSV or text, one turn per line",
                                max_upload_size=5, key="transcript_file")
    if uploaded is not None:
        with ui.errors_shown():
            upload = panel.read_upload(uploaded.getvalue(), uploaded.name)
            for error in upload.errors:
                st.warning(ui.plain(error))
            choices = {f"{t.id} — {len(t.turns)} messages": t for t in upload.transcripts}
            label = st.selectbox("Conversation", list(choices), disabled=len(choices) == 1)
            if st.button("Open it as a new conversation", icon=":material/file_open:"):
                open_session(store.create_session(choices[label]))
                st.rerun()
