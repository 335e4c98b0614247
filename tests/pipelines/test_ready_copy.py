"""The publish starts from a copy of the served file made ahead, only while that very file is still served."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.publish import publish
from pipelines.ready_copy import make_in_background, make_ready_copy, take_ready_copy, wait_for_copy

CALLS = (
    "create or replace table fct_calls as select 1 as account_id, 'c' || i as call_id, i as talk, "
    "timestamptz '2026-01-01 00:00:00+00' as _loaded_at from range({n}) t(i)"
)


def build(working: Path, sql: str) -> None:
    with duckdb.connect(str(working)) as con:
        con.execute(sql)


def served_rows(served: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(served), read_only=True) as con:
        return con.execute("select call_id, talk from fct_calls order by talk").fetchall()


def leftovers(served: Path) -> list[str]:
    return sorted(p.name for p in served.parent.iterdir() if p.name.startswith(f".{served.name}"))


def first_publish(tmp_path: Path) -> tuple[Path, Path]:
    working, served = tmp_path / "working.duckdb", tmp_path / "served.duckdb"
    build(working, CALLS.format(n=100))
    publish(working, served)
    return working, served


def test_publish_starts_from_the_copy_made_ahead_and_equals_the_build(tmp_path: Path) -> None:
    working, served = first_publish(tmp_path)
    ready = make_ready_copy(served)
    assert ready is not None and ready.read_bytes() == served.read_bytes()
    assert stat.S_IMODE(ready.stat().st_mode) == 0o600  # the warehouse's rows: owner-only
    build(working, "insert into fct_calls values (1, 'c100', 100, timestamptz '2026-01-02 00:00:00+00')")

    result = publish(working, served)

    assert result.from_ready_copy and result.updated == ("fct_calls",)
    assert len(served_rows(served)) == 101 and served_rows(served)[-1] == ("c100", 100)
    assert [name.rsplit(".", 1)[-1] for name in leftovers(served)] == ["retired"]  # the copy is served now


def test_the_replaced_file_is_freed_by_the_next_ready_copy_not_by_the_publish(tmp_path: Path) -> None:
    working, served = first_publish(tmp_path)
    first = os.stat(served)
    build(working, CALLS.format(n=3))
    publish(working, served)

    # the replaced file keeps a name (so `os.replace` did not free its blocks) until the next ready copy
    (retired,) = served.parent.glob(".served.duckdb.*.retired")
    assert os.stat(retired).st_ino == first.st_ino and os.stat(served).st_ino != first.st_ino
    ready = make_ready_copy(served)
    assert ready is not None and leftovers(served) == [ready.name]


def test_a_copy_of_a_file_no_longer_served_is_never_taken(tmp_path: Path) -> None:
    working, served = first_publish(tmp_path)
    stale = make_ready_copy(served)
    # another process publishes a new version meanwhile (its own copy made on the spot)
    replacement = tmp_path / "elsewhere.duckdb"
    replacement.write_bytes(served.read_bytes())
    os.replace(replacement, served)
    assert stale is not None and stale.exists()

    assert not take_ready_copy(served, tmp_path / "staging.duckdb")
    build(working, "insert into fct_calls values (1, 'c100', 100, timestamptz '2026-01-02 00:00:00+00')")
    result = publish(working, served)

    assert not result.from_ready_copy
    assert not stale.exists()  # removed once a publish replaced the file it copies
    assert [name.rsplit(".", 1)[-1] for name in leftovers(served)] == ["retired"]
    assert len(served_rows(served)) == 101


def test_a_reader_keeps_reading_the_file_it_opened_while_the_copy_is_made_and_taken(tmp_path: Path) -> None:
    working, served = first_publish(tmp_path)
    reader = duckdb.connect(str(served), read_only=True)
    before = os.stat(served)
    make_in_background(served)
    wait_for_copy(served)
    assert os.stat(served).st_mtime_ns == before.st_mtime_ns  # the served file is only read

    build(working, CALLS.format(n=3))  # a full rebuild: three calls
    assert publish(working, served).from_ready_copy

    assert reader.execute("select count(*) from fct_calls").fetchall() == [(100,)]
    reader.close()
    assert len(served_rows(served)) == 3


def test_a_copy_that_fails_half_way_leaves_no_file_behind(tmp_path: Path) -> None:
    _, served = first_publish(tmp_path)
    # a file-size limit makes the copy's writes fail part way, as a full disk would
    script = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from pipelines.ready_copy import make_ready_copy\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "try:\n"
        "    make_ready_copy(Path(sys.argv[1]))\n"
        "except OSError as err:\n"
        "    print('failed', err.errno)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(served)], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("failed")
    assert leftovers(served) == []  # no partial copy (and the first publish replaced nothing to retire)

    assert make_ready_copy(served) is not None  # without the limit it is made, and the publish takes it
    assert publish(tmp_path / "working.duckdb", served).from_ready_copy


def test_nothing_served_yet_makes_no_copy(tmp_path: Path) -> None:
    assert make_ready_copy(tmp_path / "served.duckdb") is None
    assert list(tmp_path.iterdir()) == []
