"""Knowledge: the service-recovery practices (search and browse, in three languages) and the
compensation policy the offers come from, as an issue × severity table in a chosen currency."""

from __future__ import annotations

import panel_model as panel
import panel_widgets as ui
import policy_view
import streamlit as st

from assistant.models import LANGUAGES
from assistant.read.language import detect_language

LANGUAGE_NAMES = {"en": "English", "he": "עברית", "fa": "فارسی"}
_ = ui._

coach = ui.require_coach()
policy = coach.policy

st.markdown(f"### {_('Knowledge')}")
practices_tab, policy_tab = st.tabs([_("Practices"), _("Compensation policy")])

with practices_tab:
    query = st.text_input(_("Search practices"), max_chars=500,
                          placeholder=_("e.g. customer wants to be heard"))
    lang = st.segmented_control(_("Language of the practices"), LANGUAGES,
                                format_func=LANGUAGE_NAMES.get, default=ui.language(),
                                required=True, key="knowledge_language")
    if query.strip():
        found_in = detect_language(query)  # results in the language the query was written in
        with ui.errors_shown():
            hits = coach.search(query, k=5)
            if not hits:
                st.info(_("No practice matches that search."))
            for rank, (practice, _score) in enumerate(hits, start=1):
                with st.expander(f"{rank}. {getattr(practice.title, found_in)}"):
                    ui.practice_details(practice, found_in, coach.resources.sources)
        st.divider()
    st.caption(_("All {count} practices", count=len(coach.practices)))
    for practice in coach.practices:
        with st.expander(getattr(practice.title, lang)):
            ui.practice_details(practice, lang, coach.resources.sources)

with policy_tab:
    st.caption(_("{name} · file: {file}. Rules are tried in order; the first that matches "
                 "decides, then the issue × severity table.", name=policy.name,
                 file=str(coach.settings.policy_path)))
    choices = panel.currency_choices(policy.base.currency, policy.currencies)
    currency = st.selectbox(_("Currency"), choices, key="policy_currency")
    if policy.rules:
        st.markdown(f"**{_('Rules, tried first')}**")
        for line in policy_view.rule_lines(policy, currency, ui.language()):
            ui.show_text(f"• {line}", ui.language())
    st.markdown(f"**{_('Issue × severity')}**")
    st.dataframe(policy_view.policy_matrix(policy, currency, ui.language()), hide_index=True,
                 width="stretch")
