"""DigitSight dashboard: ``streamlit run app.py``.

This file is the router: it sets up the page and runs the selected page from
``pages/``. Each page is a plain script; shared helpers live in ``pages/common.py``
and ``pages/ui/`` (which are not pages: only the files listed below are).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.common import leave_legacy_pages_mode
from pages.ui.models import preload

# A local icon: a Material icon as page_icon is fetched from the internet on every page load.
FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.png"

leave_legacy_pages_mode()  # see its docstring: Streamlit's legacy mode for a folder named pages/
st.set_page_config(page_title="DigitSight", page_icon=str(FAVICON), layout="wide")
preload()  # the models load in the background from the server's first page view on

# Each url_path is the page's file name: links stay stable, and leave_legacy_pages_mode relies on it.
PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/predictor.py", title="Read a number", icon=":material/draw:", url_path="predictor"),
    st.Page("pages/batch.py", title="Read many", icon=":material/photo_library:", url_path="batch"),
    st.Page("pages/evaluation.py", title="Model evaluation", icon=":material/grid_on:", url_path="evaluation"),
    st.Page("pages/collaborators.py", title="Collaborators", icon=":material/group:", url_path="collaborators"),
]

page = st.navigation(PAGES)
# Each page its own browser tab title; the local icon again, or the page's Material icon would be fetched.
st.set_page_config(page_title=f"{page.title} · DigitSight", page_icon=str(FAVICON))
page.run()
