"""The web app's pages, one per file, each a script that streamlit_app.py routes to (st.Page); not imported."""
