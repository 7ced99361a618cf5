"""What every page shares: the cached coach and store, and how each part of the panel looks.

Only layout lives here; what a stage, a risk or an offer means is decided in assistant.panel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import charts
import panel_model as panel
import streamlit as st
import tracker
from pydantic import ValidationError

from assistant.coach import Coach
from assistant.compose.extras import action_detail
from assistant.critic.drafts import DraftCheck
from assistant.errors import CoachError
from assistant.i18n import N_, label, money, number, text_dir, ui_language
from assistant.i18n import _ as translate
from assistant.knowledge.practices import Practice, SourceNames
from assistant.models import (
    Emotion,
    IssueType,
    PracticeRef,
    Role,
    Severity,
    Suggestion,
    Transcript,
)
from assistant.settings import Settings
from assistant.store.database import REJECT_REASONS, Store

OVERRIDES = "settings_overrides"  # session-state key: what the Settings page changed
TRACKER_COLORS = {"done": "green", "next": "blue", "skipped": "orange", "todo": "gray",
                  "not_needed": "gray"}
STATUS_LABELS = {"done": N_("done"), "next": N_("next"), "skipped": N_("skipped"),
                 "todo": N_("to do"), "not_needed": N_("not needed")}
VERDICTS = {"used": N_("used"), "edited": N_("edited"), "rejected": N_("rejected")}
RECENT_TURNS = 4  # older turns fold away: the suggestion must stay in view
# Of the suggestion's deadline, the time kept for drawing the card after the coach answers
# (measured 0.4–0.8 s from the answer to the reply on screen), so the reply is seen in time.
DRAW_RESERVE_S = 1.0

PANEL_CSS = """
<style>
  [class*="st-key-rtl"] textarea, [class*="st-key-rtl"] pre, [class*="st-key-rtl"] code {
    direction: rtl; text-align: right; unicode-bidi: plaintext;
  }
  [class*="-copy-"] pre, [class*="-copy-"] code {  /* a reply to send reads as prose */
    font-family: "Source Sans", "Noto Sans Hebrew", "Vazirmatn", "Noto Naskh Arabic",
                 sans-serif; font-size: 1rem; line-height: 1.5;
  }
  [data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
  /* Right to left: every box finds its direction from its first strong letter (dir="auto"),
     the copy icon sits on the start edge, Hebrew and Persian get their own fonts. */
  textarea, input[type="text"], [data-baseweb="select"] {
    unicode-bidi: plaintext; text-align: start;
  }
  [class*="st-key-rtl"] [data-testid="stCode"] button { left: 0.25rem; right: auto; }
  [class*="st-key-rtl"] pre { padding-left: 2.5rem; }
  body, textarea, input {
    font-family: "Source Sans", "Source Sans Pro", "Noto Sans Hebrew", "Vazirmatn",
                 "Noto Naskh Arabic", "Noto Sans Arabic", sans-serif;
  }
</style>
"""


# --- language -------------------------------------------------------------------------------

def language() -> str:
    """The agent's language: Settings (COACH_UI_LANGUAGE or this session's switch), else the
    browser's (st.context.locale), else English."""
    return current_settings().ui_language or ui_language(st.context.locale)


def _(msgid: str, **params: object) -> str:
    """A catalogue sentence in the agent's language."""
    return translate(msgid, language(), **params)


def direction_css(lang: str) -> str:
    """The whole page right to left for Hebrew and Persian, not only the message bubbles."""
    if text_dir(lang) != "rtl":
        return ""
    return """<style>
  .stApp, [data-testid="stSidebar"], [data-testid="stHeader"] { direction: rtl; }
  .stApp p, .stApp li, .stApp h1, .stApp h2, .stApp h3, .stApp h4, .stApp label,
  .stApp [data-testid="stCaptionContainer"] { text-align: start; }
</style>"""


# --- resources --------------------------------------------------------------------------------

def current_settings() -> Settings:
    """Environment settings, plus whatever this browser session changed on the Settings page."""
    return Settings(**st.session_state.get(OVERRIDES, {}))


def _settings_key(settings: Settings) -> str:
    secret = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    digest = hashlib.sha256(secret.encode()).hexdigest()[:16]
    # The database and the server address do not change the coach: one Coach serves them all.
    return settings.model_dump_json(exclude={"database_url", "ui_host", "ui_port"}) + digest


@st.cache_resource(show_spinner="Loading the coach…", max_entries=4)
def _coach(key: str, _settings: Settings) -> Coach:
    coach = Coach.load(_settings)
    with suppress(CoachError):  # a misconfigured backend is said by the suggestion
        coach.warm_up()  # the first suggestion's deadline is then spent on the model
    return coach


@st.cache_resource(max_entries=4)
def _store(key: str, _settings: Settings) -> Store:
    return Store.open(_settings)


def require_coach() -> Coach:
    """The coach for the current settings, loaded once per process; stops the page if it can't."""
    try:
        settings = current_settings()
        return _coach(_settings_key(settings), settings)
    except (CoachError, ValidationError) as exc:
        st.error(plain(_("The coach could not start: {error}", error=str(exc))))
    except Exception as exc:  # an unexpected failure still gets a sentence, not a traceback
        st.error(plain(_("The coach could not start ({kind}): {error}", kind=type(exc).__name__,
                           error=str(exc))))
    st.stop()


def require_store() -> Store:
    try:
        settings = current_settings()
        return _store(settings.database_url or str(settings.database_path), settings)
    except (CoachError, ValidationError, OSError) as exc:
        st.error(plain(_("The session database could not be opened: {error}", error=str(exc))))
    st.stop()


@contextmanager
def errors_shown() -> Iterator[None]:
    """Any CoachError inside becomes a red message in the page."""
    try:
        yield
    except CoachError as exc:
        st.error(plain(str(exc)))


# --- text -------------------------------------------------------------------------------------

def plain(text: str) -> str:
    """Untrusted text (a customer's words, a file name, an error about them) for Markdown."""
    return panel.escape_markdown(text)

def show_text(text: str, lang: str | None = None) -> None:
    """Customer or agent text, escaped, right-to-left when it is Hebrew or Persian."""
    st.markdown(panel.text_html(text, lang), unsafe_allow_html=True)


def copyable(text: str, key: str) -> None:
    """A read-only block with Streamlit's copy icon; right-to-left when needed."""
    with st.container(key=f"{'rtl' if panel.direction(text) == 'rtl' else 'ltr'}-copy-{key}"):
        st.code(text, language=None, wrap_lines=True)


# --- the conversation -------------------------------------------------------------------------

def _turn(role: Role, text: str) -> None:
    customer = role == Role.customer
    with st.chat_message("user" if customer else "assistant",
                         avatar=":material/person:" if customer else ":material/support_agent:"):
        show_text(text)


def conversation(transcript: Transcript, recent: int = RECENT_TURNS) -> None:
    """The last `recent` turns; older ones fold away so the card above stays in view."""
    if not transcript.turns:
        st.info(_("Type or paste the customer's first message below, or load a transcript file."))
        return
    older, latest = transcript.turns[:-recent], transcript.turns[-recent:]
    if older:
        with st.expander(_("Earlier messages ({n})", n=len(older))):
            for turn in older:
                _turn(turn.role, turn.text)
    for turn in latest:
        _turn(turn.role, turn.text)


# --- the suggestion card ----------------------------------------------------------------------

def offer_line(suggestion: Suggestion) -> None:
    """The offer in one line, with its approval badge and rule."""
    view = panel.offer_view(suggestion.compensation, language())
    with st.container(horizontal=True, gap="small", key="offer-line"):
        st.markdown(f"**{_('Offer')}:** {plain(view.headline)}")
        if view.needs_approval:
            st.badge(_("Supervisor approval needed"), icon=":material/verified_user:",
                     color="orange")
        elif suggestion.compensation.kind != "none":
            st.badge(_("Within your authority"), icon=":material/check:", color="green")
        if view.hold_back:
            st.badge(_("Only if the customer asks"), icon=":material/pan_tool:", color="gray")
        st.badge(_("rule {rule}", rule=view.rule), color="gray")


def offer_details(suggestion: Suggestion) -> None:
    """The gesture and the reason for the offer, below the card."""
    view = panel.offer_view(suggestion.compensation, language())
    if view.gesture:
        st.markdown(f"**{_('Personal gesture')}:**")
        show_text(view.gesture)
    if view.rationale:
        st.caption(plain(view.rationale))


def before_sending(suggestion: Suggestion) -> None:
    """The steps the agent takes before sending: the reply says they are being done."""
    for action in suggestion.actions:
        detail = action_detail(action.kind, suggestion.compensation, language())
        st.info(_("Before sending: {detail}", detail=plain(detail)),
                icon=":material/task_alt:")


def practices(refs: list[PracticeRef], coach: Coach, lang: str) -> None:
    if not refs:
        return
    st.markdown(_("**Why this reply** — practices it follows"))
    by_id = {p.id: p for p in coach.practices}
    for ref in refs:
        with st.expander(ref.title, icon=":material/menu_book:"):
            practice = by_id.get(ref.id)
            if practice is not None:
                show_text(getattr(practice.principle, lang, practice.principle.en), lang)
                st.caption(_("Source: {source}", source=cited(practice, coach.resources.sources)))
            else:  # a company document
                st.caption(_("Source: {source}", source=ref.source))


def cited(practice: Practice, names: SourceNames) -> str:
    """The practice's sources by title, in the agent's language."""
    return ", ".join(names.cite(source, language()) for source in practice.sources)


def streamed_suggestion(items, waiting: str | None) -> Suggestion | None:
    """A model's reply as it is written, under a spinner that says when the rules answer."""
    stream = panel.SuggestionStream(items)
    live = st.empty()
    with live.container():
        if waiting:
            with st.spinner(waiting, show_time=True):
                st.write_stream(stream.text())
        else:
            st.write_stream(stream.text())  # rules: nothing to stream
    live.empty()
    return stream.suggestion


def suggestion_card(suggestion: Suggestion, suggestion_id: int) -> str:
    """The reply (one of its alternatives, copyable, editable) and the offer; returns the reply
    the agent will send."""
    cause = panel.fallback_cause(suggestion.flags, language())
    if cause:
        st.warning(cause, icon=":material/cloud_off:")
    for note in panel.flag_notes(suggestion.flags):
        st.warning(_(note), icon=":material/info:")
    options = panel.reply_options(suggestion)
    chosen = 0
    if len(options) > 1:
        chosen = st.pills(_("Other ways to say it"), range(len(options)),
                          format_func=lambda i: _(options[i][0]), default=0,
                          key=f"alt_{suggestion_id}", label_visibility="collapsed") or 0
    key = f"reply_{suggestion_id}_{chosen}"
    text = options[chosen][1]
    reply = st.session_state.get(key, text)
    caption = f"{_('Suggested reply')} · {panel.answered_by(suggestion, language())}"
    st.caption(caption)
    copyable(reply, f"reply-{suggestion_id}")
    offer_line(suggestion)
    with st.expander(_("Edit before sending"), icon=":material/edit:"), st.container(
        key=f"{'rtl' if panel.direction(text) == 'rtl' else 'ltr'}-edit-{key}"
    ):
        st.text_area(_("Your version"), value=text, key=key, height=140)
    before_sending(suggestion)
    return reply


def feedback_buttons(verdict_done: str | None, suggestion_id: int,
                     on_reason: Callable[[str], None]) -> str | None:
    """Three buttons: what the agent did with the suggestion. Returns the one clicked, except
    Rejected, which asks why (one click calls `on_reason`)."""
    if verdict_done:
        st.caption(_("Feedback saved: {verdict}.", verdict=_(VERDICTS.get(verdict_done,
                                                                           verdict_done))))
    clicked = None
    with st.container(horizontal=True, gap="small", key="feedback"):
        if st.button(_("Used as is"), icon=":material/done:",
                     help=_("adds it to the conversation")):
            clicked = "used"
        if st.button(_("Edited"), icon=":material/edit_note:",
                     help=_("adds your version to the conversation")):
            clicked = "edited"
        st.button(_("Rejected"), icon=":material/close:", on_click=st.session_state.update,
                  kwargs={f"why_{suggestion_id}": True})
    if st.session_state.get(f"why_{suggestion_id}"):
        key = f"reason_{suggestion_id}"
        st.pills(_("Why? One click saves it."), list(REJECT_REASONS), key=key,
                 format_func=lambda reason: label(reason, language()),
                 on_change=lambda: st.session_state.get(key) and on_reason(st.session_state[key]))
    return clicked


# --- the case facts ---------------------------------------------------------------------------

def _fact_key(session_id: str, turns: int, name: str) -> str:
    """New widgets when a message arrives (the reader's facts may change), the same ones while
    the agent edits: a key that changed with every edit would lose the next edit."""
    return f"fact_{name}_{session_id}_{turns}"


def facts_from_state(session_id: str, turns: int, read: panel.CaseFacts) -> panel.CaseFacts:
    value = {name: st.session_state.get(_fact_key(session_id, turns, name), getattr(read, name))
             for name in ("issue_type", "severity", "order_value", "currency", "tier")}
    fields = {name: st.session_state.get(_fact_key(session_id, turns, f"field.{name}"), text)
              for name, text in read.fields.items()}
    return panel.CaseFacts(**value, fields=fields)


def case_facts_strip(session_id: str, turns: int, read: panel.CaseFacts, currencies: list[str],
                     on_change) -> None:
    """Issue, severity, order value, currency and tier after `turns` messages: the agent
    corrects them, the offer follows at once."""
    lang = language()
    summary = " · ".join(str(v) for v in (label(read.issue_type, lang), label(read.severity, lang),
                                           money(read.order_value, read.currency, lang)
                                           if read.order_value is not None else read.currency,
                                           read.tier) if v)
    with st.expander(_("Case facts: {summary}", summary=summary), icon=":material/tune:"):
        key = lambda name: _fact_key(session_id, turns, name)  # noqa: E731
        left, right = st.columns(2)
        issues = [i.value for i in IssueType]
        left.selectbox(_("Issue"), issues, index=issues.index(read.issue_type),
                       key=key("issue_type"), format_func=lambda v: label(v, lang),
                       on_change=on_change,
                       args=(read,))
        if read.guess:
            left.caption(_("Best guess: {issue} (unsure). The offer treats the case as "
                           "“{other}” until you choose an issue.", issue=label(read.guess, lang),
                           other=label(IssueType.other, lang)))
        levels = [s.value for s in Severity]
        right.selectbox(_("Severity"), levels, index=levels.index(read.severity),
                        format_func=lambda v: label(v, lang),
                        key=key("severity"), on_change=on_change, args=(read,))
        left.number_input(_("Order value"), min_value=0.0, value=read.order_value, step=10.0,
                          key=key("order_value"), on_change=on_change, args=(read,))
        right.selectbox(_("Currency"), currencies, index=currencies.index(read.currency),
                        key=key("currency"), on_change=on_change, args=(read,))
        st.text_input(_("Customer tier"), value=read.tier, placeholder=_("e.g. gold"),
                      key=key("tier"), on_change=on_change, args=(read,), max_chars=40)
        for i, (name, value) in enumerate(read.fields.items()):  # what the policy's rules read
            (left, right)[i % 2].text_input(f"context.{name}", value=value, max_chars=60,
                                            key=key(f"field.{name}"), on_change=on_change,
                                            args=(read,))


# --- tracker, mood and risk -------------------------------------------------------------------

def recovery_tracker(stages: list[tracker.TrackerStage]) -> None:
    st.markdown(f"**{_('Recovery')}**")
    with st.container(horizontal=True, gap="small"):
        for stage in stages:
            st.badge(f"{stage.icon} {_(stage.label)}", color=TRACKER_COLORS[stage.status],
                     help=_(STATUS_LABELS[stage.status]))
    st.caption(_("✓ done · → next · ! skipped · – not needed"))


def risk_badges(badges: list[panel.Badge]) -> None:
    if not badges:
        return
    with st.container(horizontal=True):
        for badge in badges:
            st.badge(_(badge.label), icon=badge.icon, color=badge.color)


def mood(suggestion: Suggestion) -> None:
    assessment = suggestion.assessment
    lang = language()
    st.markdown(_("**Mood:** {emotion} · intensity {intensity}",
                  emotion=label(assessment.emotion, lang),
                  intensity=number(assessment.intensity, lang, 1)))
    names = {emotion.value: label(emotion, lang) for emotion in Emotion}
    chart = charts.mood_chart(assessment, names, _("turn"))
    if chart is not None:
        st.altair_chart(chart, width="stretch", height=170)


# --- check my draft ---------------------------------------------------------------------------

def draft_result(check: DraftCheck) -> None:
    if check.ok:
        st.success(_("No minimizing, excuses or blame found, an apology is there, and any "
                     "offer is within the policy."),
                   icon=":material/thumb_up:")
    for finding in check.findings(language()):
        st.error(plain(finding), icon=":material/warning:")
    if check.rewrite and not check.ok:
        st.markdown(f"**{_('Try instead')}:**")
        copyable(check.rewrite, "draft-rewrite")


# --- knowledge --------------------------------------------------------------------------------

def practice_details(practice: Practice, lang: str, names: SourceNames) -> None:
    show_text(getattr(practice.principle, lang), lang)
    st.markdown(f"**{_('Say')}:**")
    for phrase in getattr(practice.do, lang):
        show_text(f"✓ {phrase}", lang)
    st.markdown(f"**{_('Avoid')}:**")
    for phrase in getattr(practice.dont, lang):
        show_text(f"✗ {phrase}", lang)
    st.caption(_("Stage: {stage} · Source: {source}", stage=label(practice.stage, language()),
                 source=cited(practice, names)))
