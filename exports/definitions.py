"""The metric catalogue entries behind each report column, for the "Definitions" sheet and the PDF's notes.

The texts come from the one catalogue (voxlink/catalogue.py, generated from transforms/catalogue/metrics.yml).
"""

from __future__ import annotations

from voxlink.catalogue import BY_REPORT, TEXTS

COLUMNS = TEXTS


def definition(report: str, column: str) -> str:
    """What ``column`` of ``report`` means: the report's own entry, else the column's (empty if none)."""
    return BY_REPORT.get((report, column)) or TEXTS.get(column, "")
