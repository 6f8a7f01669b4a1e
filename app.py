"""DigitSight dashboard: ``streamlit run app.py``.

This file is the router: it sets up the page and runs the selected page from
``pages/``. Each page is a plain script; shared helpers live in ``pages/common.py``.
"""

from __future__ import annotations

import streamlit as st

from pages.common import leave_legacy_pages_mode

leave_legacy_pages_mode()  # see its docstring: Streamlit's legacy mode for a folder named pages/
st.set_page_config(page_title="DigitSight", page_icon=":material/pin:", layout="wide")

# Each url_path is the page's file name: links stay stable, and leave_legacy_pages_mode relies on it.
PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/predictor.py", title="Read a number", icon=":material/draw:", url_path="predictor"),
    st.Page("pages/evaluation.py", title="Model evaluation", icon=":material/grid_on:", url_path="evaluation"),
    st.Page("pages/collaborators.py", title="Collaborators", icon=":material/group:", url_path="collaborators"),
]

st.navigation(PAGES).run()
