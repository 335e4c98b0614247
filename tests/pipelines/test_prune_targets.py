"""dbt's per-build target folders do not pile up: a refresh every minute would otherwise fill the disk."""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.transform import prune_targets


def make(target: Path, name: str, age_seconds: int) -> Path:
    folder = target / name
    (folder / "compiled").mkdir(parents=True)
    (folder / "run_results.json").write_text("{}")
    stamp = 1_800_000_000 - age_seconds
    os.utime(folder, (stamp, stamp))
    return folder


def test_only_the_newest_three_build_folders_of_the_step_are_kept(tmp_path: Path) -> None:
    olds = [make(tmp_path, f"warehouse_models-{i:07d}-abc", 3_000 - 600 * i) for i in range(5)]  # 50 … 10 min
    newest = make(tmp_path, "warehouse_models-newest-abc", 0)
    other = make(tmp_path, "other_step-0000000-abc", 900)  # another step's folder: not this one's to remove
    parsed = tmp_path / "partial_parse.msgpack"
    parsed.write_text("x")

    removed = prune_targets(newest, now=1_800_000_000)

    assert sorted(removed) == sorted(olds[:3])  # the three oldest of six; 2 older + the newest stay
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [olds[3].name, olds[4].name, newest.name, other.name, parsed.name]
    )


def test_the_newest_folder_is_never_removed_even_if_its_clock_is_behind(tmp_path: Path) -> None:
    newest = make(tmp_path, "warehouse_models-newest-abc", 10_000)  # mtime older than every other folder
    for i in range(4):
        make(tmp_path, f"warehouse_models-{i:07d}-abc", 60 * i)
    prune_targets(newest, now=1_800_000_000 + 3_600)
    assert newest.exists()


def test_a_recent_folder_beyond_the_newest_three_stays_it_may_be_another_homes_build_in_progress(
    tmp_path: Path,
) -> None:
    running = make(tmp_path, "warehouse_models-running-abc", 300)  # 5 minutes: a long build elsewhere
    for i in range(3):
        make(tmp_path, f"warehouse_models-{i:07d}-abc", 60 * i)
    newest = make(tmp_path, "warehouse_models-newest-abc", 0)
    assert prune_targets(newest, now=1_800_000_000) == []
    assert running.exists()
