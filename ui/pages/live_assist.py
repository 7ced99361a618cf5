"""Live assist: what to say next and what to offer (the card on top), the conversation's latest
turns, a box to add the next message, the case facts the offer is decided on, and a draft check."""

from __future__ import annotations

import time
from functools import partial

import panel_model as panel
import panel_widgets as ui
import streamlit as st
import tracker

from assistant.critic.drafts import check_draft
from assistant.errors import CoachError
from assistant.i18n import N_, label
from assistant.models import Role
from assistant.store.database import StoredSuggestion
from assistant.wrapup import wrap_up

TEXT = {  # every sentence this page shows, in one place
    "title": N_("Live assist"),
    "new": N_("New conversation"),
    "recent": N_("Recent conversations"),
    "untitled": N_("New conversation"),
    "speaker": N_("Who is speaking"),
    "customer": N_("Customer"),
    "me": N_("Me"),
    "type_customer": N_("Customer's message — Enter adds it, Shift+Enter a new line"),
    "type_me": N_("Your reply — Enter adds it, Shift+Enter a new line"),
    "suggest": N_("Suggest a reply"),
    "draft": N_("Check my draft"),
    "draft_hint": N_("Paste the reply you are about to send…"),
    "load": N_("Load a transcript file"),
    "load_hint": N_("JSON, JSONL, CSV or text, one turn per line"),
    "conversation": N_("Conversation"),
    "open": N_("Open it as a new conversation"),
    "end": N_("End conversation — wrap-up note"),
    "wrap_title": N_("Wrap-up note for the CRM"),
}
_ = ui._
TEXT = {key: _(msgid) for key, msgid in TEXT.items()}
SPEAKERS = {TEXT["customer"]: Role.customer, TEXT["me"]: Role.agent}

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

with st.sidebar:  # one button per conversation: a selectbox's index shifts as new ones arrive
    st.markdown(f"**{TEXT['recent']}**")
    for listed in store.list_sessions():
        st.button(f"{listed.title or TEXT['untitled']} ({listed.turns})", key=f"open-{listed.id}",
                  type="primary" if listed.id == session_id else "tertiary", width="stretch",
                  on_click=open_session, args=(listed.id,))

with st.container(horizontal=True, vertical_alignment="center", key="panel-head"):
    st.markdown(f"#### {TEXT['title']}")
    st.button(TEXT["new"], icon=":material/add:", on_click=start_new_conversation)
if not_found:
    st.info(ui.plain(not_found))
if flash := st.session_state.pop("flash", None):
    st.success(flash, icon=":material/check:")


# --- adding a message (Enter in the box at the bottom) ---------------------------------------

def add_message() -> None:
    st.session_state["asked_at"] = time.monotonic()  # the spinner's deadline runs from Enter
    role = SPEAKERS[st.session_state.get("speaker") or TEXT["customer"]]
    try:
        store.add_turn(session_id, role, panel.clean_message(st.session_state["new_message"]))
    except CoachError as exc:
        st.session_state["message_error"] = str(exc)


def change_facts(read: panel.CaseFacts) -> None:
    current = store.transcript(session_id)
    facts = ui.facts_from_state(session_id, len(current.turns), read)
    store.replace_transcript(session_id, panel.with_facts(current, facts, read))
    st.session_state["suggest_now"] = True


def suggest_now() -> None:
    st.session_state["suggest_now"] = True


transcript = store.transcript(session_id)
latest = store.latest_suggestion(session_id)
stored = panel.fresh_suggestion(transcript, latest)


# --- the card: what to say next and what to offer --------------------------------------------

card = st.container(key="card")
asked_at = st.session_state.pop("asked_at", None)  # this run's Enter, never an older one
if panel.wants_suggestion(transcript, latest) or st.session_state.pop("suggest_now", False):
    with card, ui.errors_shown():
        waiting = None if coach.settings.backend == "rules" else _(
            "Waiting for the model — the rules answer in {seconds} s at the latest…",
            seconds=round(coach.settings.suggestion_deadline_s))
        suggestion = ui.streamed_suggestion(
            coach.stream(transcript, asked_at=asked_at, reserve_s=ui.DRAW_RESERVE_S), waiting)
        if suggestion is not None:
            store.save_suggestion(session_id, suggestion, len(transcript.turns))
            stored = store.latest_suggestion(session_id)

def reject(stored: StoredSuggestion, reply: str, reason: str) -> None:
    """A rejection is saved with its reason; the card moves on to the next way to say it."""
    with ui.errors_shown():
        panel.record_verdict(store, session_id, stored, "rejected", reply, reason)
    st.session_state.pop(f"why_{stored.id}", None)
    options = len(panel.reply_options(stored.suggestion))
    why = label(reason, ui.language())
    if options > 1:
        chosen = st.session_state.get(f"alt_{stored.id}") or 0
        st.session_state[f"alt_{stored.id}"] = (chosen + 1) % options
        st.session_state["flash"] = _("Saved as rejected ({reason}). Here is another way to say "
                                      "it.", reason=why)
    else:
        st.session_state["flash"] = _("Saved as rejected ({reason}).", reason=why)


with card:
    if stored is not None:
        reply = ui.suggestion_card(stored.suggestion, stored.id)
        given = store.feedback(stored.id)
        verdict = ui.feedback_buttons(given[-1].verdict if given else None, stored.id,
                                      partial(reject, stored, reply))
        if verdict:  # used or edited: the card moves on, so say where the reply went
            with ui.errors_shown():
                panel.record_verdict(store, session_id, stored, verdict, reply)
                st.session_state["flash"] = _("Saved as {verdict} and added to the conversation.",
                                              verdict=_(ui.VERDICTS[verdict]))
                st.rerun()
    elif transcript.customer_turns():
        st.button(TEXT["suggest"], icon=":material/lightbulb:", on_click=suggest_now)

shown = stored or latest
if shown is not None:
    ui.risk_badges(panel.risk_badges(shown.suggestion.assessment.risks))


# --- the conversation and the box for the next message ---------------------------------------

ui.conversation(transcript, recent=2 if shown is not None else 4)
with st.container(key="composer"):
    speaker = st.segmented_control(TEXT["speaker"], list(SPEAKERS), default=TEXT["customer"],
                                   required=True, key="speaker", label_visibility="collapsed")
    st.chat_input(TEXT["type_me"] if speaker == TEXT["me"] else TEXT["type_customer"],
                  key="new_message", on_submit=add_message)  # too long: clean_message says so
if problem := st.session_state.pop("message_error", None):
    st.error(ui.plain(problem))


# --- the case facts the offer is decided on ---------------------------------------------------

if shown is not None:
    choices = panel.currency_choices(coach.policy.base.currency, coach.policy.currencies)
    read = panel.case_facts(transcript, shown.suggestion.assessment, coach.policy)
    ui.case_facts_strip(session_id, len(transcript.turns), read, choices,
                        on_change=change_facts)


# --- how the recovery is going ----------------------------------------------------------------

if shown is not None:
    ui.recovery_tracker(tracker.tracker_now(coach, transcript, shown))
    offer = shown.suggestion.compensation.told_again(
        coach.policy.decide(transcript, shown.suggestion.assessment))
    ui.offer_details(shown.suggestion.model_copy(update={"compensation": offer}))
    ui.practices(shown.suggestion.practices, coach, shown.suggestion.language)
    ui.mood(shown.suggestion)


# --- the wrap-up note ------------------------------------------------------------------------

def end_conversation() -> None:
    current = store.transcript(session_id)
    if not current.customer_turns():
        st.session_state["message_error"] = _("There is no complaint to wrap up yet.")
        return
    verdicts = store.feedback(latest.id) if latest else []
    store.replace_transcript(session_id, panel.with_wrap_up(
        current, wrap_up(current, coach), verdicts[-1].verdict if verdicts else None))


if transcript.customer_turns():
    if notes := panel.wrap_up_notes(transcript.context, ui.language()):
        st.markdown(f"**{TEXT['wrap_title']}**")
        for number, note in enumerate(notes):
            ui.copyable(note, "wrap-up" if number == 0 else f"wrap-up-{number}")
    st.button(TEXT["end"], icon=":material/assignment_turned_in:", on_click=end_conversation)


# --- check my draft ---------------------------------------------------------------------------

st.markdown(f"#### {TEXT['draft']}")
with st.form("draft_form", border=False):
    st.text_area(_("Draft"), key="draft", height=90, label_visibility="collapsed",
                 placeholder=TEXT["draft_hint"])
    check_clicked = st.form_submit_button(TEXT["draft"], icon=":material/spellcheck:")
if check_clicked:
    with ui.errors_shown():
        st.session_state[f"draft_check_{session_id}"] = check_draft(
            st.session_state["draft"], transcript, coach,
            suggestion=stored.suggestion if stored else None, lexicon=coach.resources.lexicon)
if result := st.session_state.get(f"draft_check_{session_id}"):
    ui.draft_result(result)


# --- load a transcript ------------------------------------------------------------------------

with st.expander(TEXT["load"], icon=":material/upload_file:"):
    uploaded = st.file_uploader(TEXT["load_hint"], max_upload_size=5, key="transcript_file")
    if uploaded is not None:
        with ui.errors_shown():
            upload = panel.read_upload(uploaded.getvalue(), uploaded.name)
            for error in upload.errors:
                st.warning(ui.plain(error))
            choices = {_("{id} — {n} messages", id=t.id, n=len(t.turns)): t
                       for t in upload.transcripts}
            label = st.selectbox(TEXT["conversation"], list(choices), disabled=len(choices) == 1)
            if st.button(TEXT["open"], icon=":material/file_open:"):
                open_session(store.create_session(choices[label]))
                st.rerun()
