"""The metric catalogue entries behind each report column, for the "Definitions" sheet and the PDF's notes.

Worded after the metric catalogue (docs/metrics.md); a column whose meaning differs between reports has an
entry keyed by (report, column) that wins over the plain one.
"""

from __future__ import annotations

COLUMNS: dict[str, str] = {
    "date": "Local day (account time zone) of the call's start or the message's creation.",
    "direction": "inbound or outbound.",
    "status": "Derived call status: completed (answered, then ended), abandoned (inbound, never answered, "
    "caller hung up or cancelled), in_progress (not ended yet) or the end reason.",
    "calls": "Number of calls.",
    "queue": "The first queue the call was queued in (empty if never queued).",
    "offered": "Inbound calls started.",
    "answered": "Inbound calls answered by a human or an AI.",
    "abandoned": "Inbound calls with status abandoned.",
    "short_abandoned": "Abandoned calls that waited less than the account's short-abandon threshold (default 5 s).",
    "abandon_rate": "(abandoned − short abandoned) / (offered − short abandoned).",
    "answered_within_sl": "Answered calls that waited no longer than the service-level threshold (default 20 s).",
    "service_level": "answered within threshold / (answered + abandoned − short abandoned): abandons count "
    "against it, short abandons do not.",
    "asa_seconds": "Average speed of answer: Σ wait of answered calls / answered.",
    "campaign": "Dialer campaign (empty for calls without one).",
    "agent": "Agent name (empty when no agent was on the call).",
    "attempts": "Outbound calls started.",
    "human_answered": "Outbound calls answered by a person.",
    "machine_answered": "Outbound calls answered by an answering machine.",
    "no_answer": "Outbound calls that ended unanswered.",
    "busy": "Outbound calls that ended busy.",
    "failed": "Outbound calls that failed to connect.",
    "connect_rate": "Outbound answered by a human / attempts.",
    "talk_seconds": "Time a human agent (or AI) was on the call, minus hold.",
    "disposition": "The call's latest disposition code.",
    "share": "Calls with this disposition / calls with any disposition on the same date.",
    "available_seconds": "Time in status available (intervals split at local midnight).",
    "busy_seconds": "Time in status busy.",
    "after_call_work_seconds": "Time in status after_call_work.",
    "break_seconds": "Time in status break.",
    "logged_in_seconds": "All status time except offline.",
    "occupancy": "(busy + after-call work) / (available + busy + after-call work).",
    "rank": "Competition ranking by handled calls over the whole range (1, 1, 3).",
    "handled": "Ended calls answered by (inbound) or connected to (outbound) a human agent; AI calls excluded.",
    "aht_seconds": "Average handle time: Σ (talk + hold + wrap) of handled calls / handled.",
    "conversions": "Handled calls whose disposition is a success disposition (default: sale).",
    "conversion_rate": "Conversions / handled.",
    "channel": "sms, mms, chat or email.",
    "messages": "Messages created.",
    "segments": "SMS segments: GSM-7 bodies 160 septets in one segment, else 153 each; UCS-2 70, else 67 each.",
    "media": "Media attachments.",
    "delivered": "Outbound messages whose final status is delivered.",
    "undelivered": "Outbound messages whose final status is undelivered.",
    "delivery_rate": "delivered / (delivered + undelivered + failed), outbound only.",
    "opt_outs": "Inbound messages that are an opt-out keyword (STOP, UNSUBSCRIBE, …).",
    "window": "24h: the local day; 30d: the 30 local days ending with window_end.",
    "window_end": "Last local day of the window.",
    "drops": "Outbound calls answered by a person and connected to an agent more than 2 s later, or never.",
    "drop_rate": "Drops / outbound calls answered by a person.",
    "compliant": "true when the unrounded drop rate is at most 3 % (US FTC safe harbour; UK Ofcom policy level).",
}

BY_REPORT: dict[tuple[str, str], str] = {
    ("user-status", "date"): "Local day of the status interval (intervals are split at local midnight).",
    ("sms-mms", "failed"): "Outbound messages whose final status is failed.",
    ("leaderboard", "talk_seconds"): "Σ talk time of the agent's handled calls over the range.",
    ("outgoing-calls", "agent"): "The agent of the call's last connect (empty if never connected).",
}


def definition(report: str, column: str) -> str:
    return BY_REPORT.get((report, column)) or COLUMNS.get(column, "")
