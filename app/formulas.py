"""The metric catalogue's formulas as help text: what every tile shows beside its number (DESIGN.md, docs/metrics.md).

Vendors disagree on abandon rate and service level, so the app states the product's own formula wherever the
number appears. The numbers themselves are computed in the dbt models; these strings only describe them.
"""

from __future__ import annotations

RANGE_NOTE = (
    "Ratios over a range are computed from the parts summed over the range, never an average of days."
)

HELP: dict[str, str] = {
    "offered": "Inbound calls started (bucketed by the local day of their start).",
    "answered": "Inbound calls answered by a human agent or an AI voice agent.",
    "abandoned": "Inbound calls never answered that the caller ended (caller hung up or cancelled).",
    "short_abandoned": "Abandoned with a wait under the account's short-abandon threshold (default 5 s).",
    "abandon_rate": (
        "(abandoned − short abandoned) / (offered − short abandoned). Short abandons (wait under the account's "
        "threshold, default 5 s) are left out of both parts. " + RANGE_NOTE
    ),
    "service_level": (
        "answered within the threshold (wait ≤ service-level seconds, default 20 s) / (answered + abandoned − "
        "short abandoned). Abandons count against it; short abandons do not. " + RANGE_NOTE
    ),
    "asa_seconds": "Average speed of answer: Σ wait seconds of answered calls / answered calls.",
    "handled": (
        "Ended calls answered by a human agent (inbound answered by an agent, outbound connected to an agent). "
        "AI-answered calls count in answered and ASA, never in handled."
    ),
    "aht_seconds": "Average handle time: Σ (talk + hold + wrap-up) seconds of handled calls / handled calls.",
    "talk_seconds": "From the moment an agent (or AI) is on the call to its end, minus hold.",
    "conversions": "Handled calls whose disposition is one of the account's success dispositions (default: sale).",
    "conversion_rate": "conversions / handled.",
    "attempts": "Outbound calls started.",
    "human_answered": "Outbound calls answered by a person (not a machine).",
    "connect_rate": "outbound answered by a human / outbound attempts.",
    "drops": (
        "Outbound calls answered by a person and connected to an agent more than 2 s after the answer, or "
        "never (exactly 2.0 s is not a drop)."
    ),
    "drop_rate": (
        "drops / outbound answered by a human, per campaign: over the rolling 30 local days (US FTC safe "
        "harbour ≤ 3 %) and per local day (UK Ofcom's window; 3 % is its policy level)."
    ),
    "disposition_share": "Calls with that disposition / calls with any disposition, on the same day.",
    "logged_in_seconds": "All agent status time except offline (intervals split at local midnight).",
    "occupancy": "(busy + after-call work) / (available + busy + after-call work).",
    "messages": "Messages created (by the local day of creation).",
    "segments": (
        "SMS segments: GSM-7 bodies 1 segment up to 160 septets, else ⌈septets / 153⌉; any other body is "
        "UCS-2: 1 up to 70 UTF-16 units, else ⌈units / 67⌉."
    ),
    "delivery_rate": "delivered / (delivered + undelivered + failed), outbound messages by final status.",
    "opt_outs": (
        "Inbound messages whose trimmed, upper-cased body is STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, "
        "REVOKE, OPTOUT or OPT OUT."
    ),
    "calls": "Calls by the local day of their start.",
    "leaderboard_rank": "Competition ranking: agents tied on the metric share a rank and the next rank is skipped (1, 1, 3).",
}


def help_for(metric: str) -> str:
    """The catalogue text for ``metric`` (a KeyError names a metric the catalogue forgot)."""
    return HELP[metric]
