"""Knowledge: the service-recovery practices (search and browse, in three languages) and the
compensation policy the offers come from."""

from __future__ import annotations

import panel_widgets as ui
import streamlit as st

from assistant.models import LANGUAGES

LANGUAGE_NAMES = {"en": "English", "he": "עברית", "fa": "فارسی"}

coach = ui.require_coach()

st.markdown("### Knowledge")
lang = st.segmented_control("Language", LANGUAGES, format_func=LANGUAGE_NAMES.get,
                            default="en", required=True, key="knowledge_language")

practices_tab, policy_tab = st.tabs(["Practices", "Compensation policy"])

with practices_tab:
    query = st.text_input("Search practices", placeholder="e.g. customer wants to be heard",
                          max_chars=500)
    if query.strip():
        with ui.errors_shown():
            hits = coach.search(query, k=5)
            if not hits:
                st.info("No practice matches that search.")
            for rank, (practice, _score) in enumerate(hits, start=1):
                with st.expander(f"{rank}. {getattr(practice.title, lang)}"):
                    ui.practice_details(practice, lang, coach.resources.sources)
        st.divider()
    st.caption(f"All {len(coach.practices)} practices")
    for practice in coach.practices:
        with st.expander(getattr(practice.title, lang)):
            ui.practice_details(practice, lang, coach.resources.sources)

with policy_tab:
    st.caption(f"{coach.policy.name} · file: {coach.settings.policy_path}. Rules are tried in "
               "order; the first that matches decides, then the issue × severity matrix.")
    st.dataframe(coach.policy.table(), hide_index=True, width="stretch")
