"""Incremental extraction: the look-back re-reads rows, but only new versions are merged (and re-stamped)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from operational.accounts import create_account
from operational.database import libpq_uri
from pipelines.extract_tables import extract_table


@pytest.fixture()
def account_id(engine: sa.Engine) -> int:
    return create_account(engine, "extract", "UTC").id


def loaded_at(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    return dict(con.execute("select name, _loaded_at from raw.agents").fetchall())


def test_lookback_rereads_but_merges_only_new_versions(
    engine: sa.Engine, db_url: str, account_id: int, tmp_path: Path
) -> None:
    uri = libpq_uri(db_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("insert into agents (account_id, name) values (:a, 'ann'), (:a, 'bob')"),
            {"a": account_id},
        )
    con = duckdb.connect(str(tmp_path / "working.duckdb"))
    first = extract_table(uri, con, "agents", lookback=1000)
    assert (first.rows, first.read) == (2, 2)
    stamped = loaded_at(con)

    # nothing changed: the look-back reads both rows again and merges neither
    again = extract_table(uri, con, "agents", lookback=1000)
    assert (again.rows, again.read) == (0, 2)
    assert loaded_at(con) == stamped

    # bob is renamed (a new change_seq): only his row is replaced, ann keeps her load time
    with engine.begin() as conn:
        conn.execute(
            sa.text("update agents set name = 'rob', change_seq = nextval('change_seq') where name = 'bob'")
        )
    changed = extract_table(uri, con, "agents", lookback=1000)
    assert (changed.rows, changed.read) == (1, 2)
    after = loaded_at(con)
    assert after["ann"] == stamped["ann"]
    assert set(after) == {"ann", "rob"}
    assert after["rob"] > stamped["bob"]  # type: ignore[operator]

    # without a look-back only rows past the watermark are read
    none = extract_table(uri, con, "agents", lookback=0)
    assert (none.rows, none.read) == (0, 0)
    assert con.execute("select count(*) from raw.agents").fetchall() == [(2,)]
