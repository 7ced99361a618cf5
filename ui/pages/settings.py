"""Settings: which backend writes the replies, where the model is, which policy decides offers."""

from __future__ import annotations

import panel_model as panel
import panel_widgets as ui
import streamlit as st

from assistant.backends import BACKEND_NAMES, BACKENDS
from assistant.errors import CoachError
from assistant.i18n import UI_LANGUAGES, label
from assistant.llm.connection import test_connection
from assistant.settings import Settings

_ = ui._

settings = ui.current_settings()
overrides = st.session_state.get(ui.OVERRIDES, {})

st.markdown(f"### {_('Settings')}")
st.caption(_("Changes apply to this browser session. The environment variables shown below "
             "make them permanent."))

with st.form("settings_form"):
    lang_now = ui.language()
    form = {
        "backend": st.selectbox(_("Backend"), BACKEND_NAMES,
                                index=BACKEND_NAMES.index(settings.backend),
                                format_func=lambda name: _(BACKENDS[name].summary)),
        "openai_base_url": st.text_input(_("Model endpoint (base URL)"),
                                         value=settings.openai_base_url or "",
                                         placeholder="http://127.0.0.1:8080/v1"),
        "openai_model": st.text_input(_("Model name"), value=settings.openai_model),
        "openai_api_key": st.text_input(_("API key"), type="password",
                                        placeholder=_("set") if settings.openai_api_key else ""),
        "policy_file": st.text_input(_("Compensation policy file"),
                                     value=str(settings.policy_path)),
        "suggestion_deadline_s": st.number_input(
            _("Deadline for a model's reply (seconds), then the rules reply"), min_value=1.0,
            max_value=120.0, value=float(settings.suggestion_deadline_s), step=1.0),
        "ui_language": st.selectbox(_("Interface language"), UI_LANGUAGES,
                                    index=UI_LANGUAGES.index(lang_now),
                                    format_func=lambda code: label(code, code)),
    }
    with st.container(horizontal=True):
        apply = st.form_submit_button(_("Apply"), type="primary", icon=":material/check:")
        test = st.form_submit_button(_("Test connection"), icon=":material/network_check:")

if apply or test:
    try:
        candidate = panel.settings_overrides(overrides, form)
    except CoachError as exc:
        st.error(ui.plain(str(exc)))
    else:
        if test:
            with st.spinner(_("Testing the connection…")):
                result = test_connection(panel.settings_to_test(Settings(**candidate)))
            st.session_state["last_test"] = (panel.endpoint_of(candidate), result.ok)
            (st.success if result.ok else st.error)(ui.plain(f"{result.backend}: {result.detail}"))
        if apply:
            st.session_state[ui.OVERRIDES] = candidate
            overrides = candidate
            st.success(_("Applied: the next suggestion uses these settings."))
            if st.session_state.get("last_test") == (panel.endpoint_of(candidate), False):
                st.warning(_("This endpoint failed its connection test: until it answers, every "
                             "suggestion is the rules reply."), icon=":material/warning:")
            if candidate.get("ui_language", lang_now) != lang_now:
                st.rerun()  # the whole page changes language (and direction)

if overrides:
    st.markdown(_("**Make it permanent** (environment or `.env`):"))
    st.code("\n".join(panel.environment_lines(overrides)), language="bash")
    if st.button(_("Back to the environment's settings"), icon=":material/undo:"):
        st.session_state.pop(ui.OVERRIDES, None)
        st.rerun()

st.caption(_("Data folder: {home} · sessions database: {database}", home=str(settings.home),
             database=str(settings.database_path)))
