"""The metric catalogue is described once (transforms/catalogue/metrics.yml) and its generated readers keep up."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "transforms" / "catalogue" / "generate.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("catalogue_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _copy_of_readers(tmp_path: Path) -> Path:
    for part in ("voxlink/catalogue.py", "docs/metrics.md"):
        (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / part, tmp_path / part)
    return tmp_path


def test_generated_help_definitions_and_docs_are_current() -> None:
    done = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, cwd=ROOT
    )

    assert done.returncode == 0, done.stdout + done.stderr


def test_an_edited_description_makes_every_reader_stale(tmp_path: Path) -> None:
    generate = _generator()
    source = tmp_path / "metrics.yml"
    text = generate.SOURCE.read_text(encoding="utf-8")
    source.write_text(text.replace("Outbound calls started.", "Outbound calls dialled."), encoding="utf-8")
    root = _copy_of_readers(tmp_path / "repo")

    stale = generate.stale(root, source)

    assert sorted(p.relative_to(root).as_posix() for p in stale) == [
        "docs/metrics.md",
        "voxlink/catalogue.py",
    ]


def test_the_app_and_the_xlsx_say_the_same_about_a_metric() -> None:
    from app.display.metric_help import help_for
    from exports.definitions import definition

    expected = (
        "(abandoned − short abandoned) / (offered − short abandoned). Short abandons (wait under the account's "
        "threshold, default 5 s) are left out of both parts. Ratios over a range are computed from the parts "
        "summed over the range, never an average of days."
    )
    assert help_for("abandon_rate") == expected
    assert definition("abandon-rate", "abandon_rate") == expected
    assert (
        definition("leaderboard", "talk_seconds")
        == "Σ talk time of the agent's handled calls over the range."
    )


def test_a_name_described_twice_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "metrics.yml"
    source.write_text(
        "range_note: n\nmetrics:\n- {name: offered, description: a}\n- {name: offered, description: b}\n"
        "by_report: []\n",
        encoding="utf-8",
    )

    with pytest.raises(ValueError, match="offered more than once"):
        _generator().load(source)


def test_no_doc_says_a_call_flag_can_be_null() -> None:
    # fct_calls coalesces every flag to false (transforms/models/marts/fct_calls.sql)
    model = (ROOT / "transforms/models/marts/fct_calls.sql").read_text(encoding="utf-8")
    assert "never null" in model and " as is_answered" in model
    texts = {
        p: p.read_text(encoding="utf-8")
        for p in [*(ROOT / "docs").glob("*.md"), ROOT / "transforms/models/marts/_models.yml"]
    }
    said = [
        str(p.relative_to(ROOT))
        for p, t in texts.items()
        if re.search(r"flag[^.|]*can be null", t, re.IGNORECASE)
    ]
    assert said == []
