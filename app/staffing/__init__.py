"""The staffing what-if: Erlang C arithmetic and the view under the abandon-rate heatmap."""
