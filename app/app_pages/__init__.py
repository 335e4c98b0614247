"""Page scripts that ``st.navigation`` runs (named so Streamlit stays out of its legacy ``pages/`` mode)."""
