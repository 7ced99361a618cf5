"""Complaint Coach side panel: `coach ui` (or `streamlit run ui/app.py`) starts it here."""

from __future__ import annotations

from pathlib import Path

import panel_widgets as ui
import streamlit as st

PAGES = Path(__file__).parent / "pages"

# An emoji favicon is drawn locally; without one, the page's Material icon becomes the favicon
# and is fetched from fonts.gstatic.com (tests/test_browser.py checks nothing leaves the machine).
st.set_page_config(page_title="Complaint Coach", page_icon="🎧", layout="centered")
st.html(ui.PANEL_CSS)
_ = ui._
if css := ui.direction_css(ui.language()):
    st.html(css)

pages = [
    st.Page(PAGES / "live_assist.py", title=_("Live assist"), icon=":material/forum:",
            default=True),
    st.Page(PAGES / "knowledge.py", title=_("Knowledge"), icon=":material/menu_book:"),
]
if (PAGES / "replay.py").is_file():  # the trainer's replay page, added by its own issue
    pages.append(st.Page(PAGES / "replay.py", title=_("Replay"), icon=":material/replay:"))
pages.append(st.Page(PAGES / "settings.py", title=_("Settings"), icon=":material/settings:"))

st.navigation(pages, position="top").run()
