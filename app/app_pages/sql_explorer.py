"""SQL explorer (analysts): one read-only SELECT over your account's marts, as a table, a quick chart and a download."""

from __future__ import annotations

import streamlit as st

from app.components.explorer import quick_chart
from app.display.layout import plot, table
from app.filters.scope import PageRead, current_scope
from app.queries import sql_explorer

EXAMPLE = """select date, sum(offered) as offered, sum(abandoned) as abandoned
from rpt_abandon_rate_daily
group by date
order by date"""

# What the page reads with its widgets at their defaults (app.shell.prefetch runs them ahead of a visit).
READS: tuple[PageRead, ...] = (lambda s: sql_explorer.tables(s.viewer),)

if __name__ == "__main__":  # run by Streamlit; imported (app.shell.prefetch), a page only declares its reads
    scope = current_scope()
    st.title("SQL explorer")
    st.caption(
        f"Read-only DuckDB over views that hold only {scope.account.name}'s rows. One SELECT at a time; no files, "
        f"no ATTACH, no extensions; at most {sql_explorer.ROW_LIMIT:,} rows and {sql_explorer.TIME_LIMIT_SECONDS:g} s. "
        "The same marts open read-only from the DuckDB CLI or Python: see docs/analysts.md."
    )
    with st.expander("Tables"):
        st.write(", ".join(f"`{name}`" for name in sql_explorer.tables(scope.viewer)))

    with st.form("sql"):
        sql = st.text_area("SQL", value=EXAMPLE, height=160, key="sql_text")
        submitted = st.form_submit_button("Run", type="primary")

    if submitted:
        try:
            st.session_state["sql_result"] = sql_explorer.run(scope.viewer, sql)
            st.session_state.pop("sql_error", None)
        except (sql_explorer.Refused, sql_explorer.TimedOut) as refused:
            st.session_state["sql_error"] = str(refused)
            st.session_state.pop("sql_result", None)
        except Exception as failed:  # DuckDB's own message (syntax, unknown column, …) is the clearest
            st.session_state["sql_error"] = str(failed).split("\n\n")[0]
            st.session_state.pop("sql_result", None)
    if "sql_error" in st.session_state:
        st.error(st.session_state["sql_error"])
    result = st.session_state.get("sql_result")
    if result is not None:
        note = f"{result.frame.height:,} row{'' if result.frame.height == 1 else 's'} in {result.seconds * 1000:.0f} ms"
        if result.truncated:
            note += f" — only the first {sql_explorer.ROW_LIMIT:,} are shown and downloadable"
        st.caption(note)
        table(result.frame, "sql-explorer", scope, key="sql_table")
        columns = result.frame.columns
        numeric = [c for c, t in result.frame.schema.items() if t.is_numeric()]
        if result.frame.height > 1 and numeric:
            x_column, y_column, kind_column = st.columns(3)
            x = x_column.selectbox("X", columns, key="sql_x")
            y = y_column.selectbox("Y", numeric, index=len(numeric) - 1, key="sql_y")
            kind = kind_column.segmented_control(
                "Chart", ["bar", "line"], default="bar", required=True, key="sql_kind"
            )
            plot(quick_chart(result.frame, x, y, kind))
