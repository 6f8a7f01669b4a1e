"""Building blocks of the dashboard's pages: not pages themselves.

``app.py`` lists its pages explicitly (``st.navigation``) and Streamlit's legacy
multipage mode only looks at ``pages/*.py``, so nothing in this sub-package ever shows
up in the sidebar. Nothing here imports TensorFlow at module level.
"""
