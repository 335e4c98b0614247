"""The app's server: Streamlit (``app/streamlit_app.py``) plus the sign-in cookie routes, as one ``st.App``.

``streamlit run app/streamlit_server.py`` finds ``app`` below and serves it with uvicorn; the routes are in
app/signin/session_routes.py (why they exist: its docstring).
"""

import streamlit as st

from app.signin.session_routes import ROUTES

app = st.App("streamlit_app.py", routes=ROUTES)
