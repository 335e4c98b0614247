"""The metric catalogue as help text: what every tile shows beside its number (DESIGN.md, docs/metrics.md).

Vendors disagree on abandon rate and service level, so the app states the product's own formula wherever the
number appears. The catalogue's texts come from the one catalogue (voxlink/catalogue.py, generated from
transforms/catalogue/metrics.yml); a tile whose number is narrower than a catalogue column (one call status,
an SMS report's failed messages, a what-if output, a live count) has its own sentence in ``TILE_TEXTS``.
The catalogue states the thresholds' defaults; the help shows the signed-in account's own values instead.
"""

from __future__ import annotations

from decimal import Decimal

from streamlit.runtime.scriptrunner import get_script_run_ctx

from app.filters.scope import current_scope
from voxlink.catalogue import BY_REPORT, RANGE_NOTE, TEXTS

HELP = TEXTS
__all__ = ["HELP", "RANGE_NOTE", "TILE_TEXTS", "help_for", "with_thresholds"]

# The catalogue's wording of its defaults (DESIGN.md: short_abandon_seconds = 5, service_level_seconds = 20).
_SHORT_DEFAULT = "default 5 s"
_SL_DEFAULT = "default 20 s"

TILE_TEXTS: dict[str, str] = {
    # Call status: one sentence per tile (DESIGN.md "Call status")
    "calls_total": "Every call started in the range, in the chosen direction, whatever its status.",
    "status_completed": (
        "Calls answered (by a person, an answering machine or an AI voice agent) and then ended; "
        "an answer outranks the end reason."
    ),
    "status_abandoned": (
        "Inbound calls never answered that the caller ended (hung up or cancelled), short abandons included."
    ),
    "status_in_progress": (
        "Calls with no end yet: they count here, in offered, answered, ASA and service level, "
        "and in nothing that needs their end (handled, AHT, talk time, drops)."
    ),
    "sms_failed": BY_REPORT[("sms-mms", "failed")],
    # Erlang C what-if outputs (app/staffing/erlang.py)
    "erlang_service_level": (
        "Predicted share of the interval's calls answered within the account's service-level threshold with "
        "N agents on the phones: 1 − P(wait) · e^(−(N − A) · T / AHT). Erlang C assumes nobody abandons."
    ),
    "erlang_asa": (
        "Predicted average speed of answer with N agents: P(wait) · AHT / (N − A); "
        "∞ when N is not more than the traffic A (the queue grows without end)."
    ),
    "erlang_occupancy": "Predicted share of the agents' time on calls: traffic A (Erlangs) / N agents.",
    "erlang_roster": (
        "Agents to schedule so that N are on the phones once shrinkage (breaks, training, absence) is away: "
        "⌈N / (1 − shrinkage)⌉."
    ),
    # Wallboard: live counts from the system of record, and agents by their current status
    "live_waiting": "Inbound calls started and neither answered nor ended yet (in a queue or ringing), now.",
    "live_longest_wait": (
        "Of the calls waiting now, the longest wait so far: from its first queueing (or its start, if never "
        "queued) to now."
    ),
    "live_in_progress": "Calls answered and not ended yet (talking or on hold), inbound and outbound, now.",
    "live_offered": "Inbound calls started since local midnight (live; the published figure follows later).",
    "agents_now": "Agents whose latest status is this one, right now.",
}


def with_thresholds(text: str, short_abandon_seconds: Decimal, service_level_seconds: Decimal) -> str:
    """``text`` with the catalogue's default thresholds replaced by an account's own values."""
    return text.replace(_SHORT_DEFAULT, f"{short_abandon_seconds:g} s for this account").replace(
        _SL_DEFAULT, f"{service_level_seconds:g} s for this account"
    )


def help_for(metric: str) -> str:
    """The help text for ``metric``: a tile's own sentence, or the catalogue's text with the signed-in account's
    thresholds (a KeyError names a metric the catalogue forgot).

    Tiles hand only their metric key to the layout, so the account comes from the run's scope (set by the shell
    before the page runs); outside a page run (a test, an export) the catalogue's defaults stay.
    """
    text = TILE_TEXTS.get(metric) or TEXTS[metric]
    if get_script_run_ctx(suppress_warning=True) is None:
        return text
    try:
        account = current_scope().account
    except KeyError:  # before the shell set the scope (the sign-in page)
        return text
    return with_thresholds(text, account.short_abandon_seconds, account.service_level_seconds)
