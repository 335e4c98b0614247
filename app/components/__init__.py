"""Pure builders of what pages draw: plotly figures from data frames, no Streamlit calls."""
