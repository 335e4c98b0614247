"""The metric catalogue as help text: what every tile shows beside its number (DESIGN.md, docs/metrics.md).

Vendors disagree on abandon rate and service level, so the app states the product's own formula wherever the
number appears. The texts come from the one catalogue (voxlink/catalogue.py, generated from
transforms/catalogue/metrics.yml).
"""

from __future__ import annotations

from voxlink.catalogue import RANGE_NOTE, TEXTS

HELP = TEXTS
__all__ = ["HELP", "RANGE_NOTE", "help_for"]


def help_for(metric: str) -> str:
    """The catalogue text for ``metric`` (a KeyError names a metric the catalogue forgot)."""
    return TEXTS[metric]
