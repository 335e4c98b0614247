"""The wallboard's live tiles: red/amber/green against a queue's targets, drawn as big-screen HTML numbers.

Pure functions: a figure and its target in, a colour and an HTML fragment out (the page only places them).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Rag = Literal["green", "amber", "red", "none"]
COLOURS: dict[Rag, str] = {"green": "#1e8e3e", "amber": "#f29900", "red": "#d93025", "none": "#5f6368"}
# How far past a target is still amber rather than red: service level up to 10 points under, abandon rate up to
# 5 points over, the longest wait up to half as long again.
SERVICE_LEVEL_AMBER = Decimal("0.10")
ABANDON_RATE_AMBER = Decimal("0.05")
LONGEST_WAIT_AMBER = 1.5


@dataclass(frozen=True)
class Targets:
    """A queue's targets, as the page applies them (defaults filled in)."""

    service_level: Decimal = Decimal("0.80")
    abandon_rate: Decimal = Decimal("0.05")
    longest_wait_seconds: int = 60


def service_level_rag(value: Decimal | None, target: Decimal) -> Rag:
    if value is None:
        return "none"
    if value >= target:
        return "green"
    return "amber" if value >= target - SERVICE_LEVEL_AMBER else "red"


def abandon_rate_rag(value: Decimal | None, target: Decimal) -> Rag:
    if value is None:
        return "none"
    if value <= target:
        return "green"
    return "amber" if value <= target + ABANDON_RATE_AMBER else "red"


def longest_wait_rag(seconds: float | None, target: int) -> Rag:
    if seconds is None:
        return "green"  # nobody waiting
    if seconds <= target:
        return "green"
    return "amber" if seconds <= target * LONGEST_WAIT_AMBER else "red"


def tile_html(label: str, value: str, rag: Rag = "none", *, kiosk: bool = False, note: str = "") -> str:
    """One tile; ``data-rag`` and ``data-tile`` let a browser (or a test) read the state without the colours."""
    size = "5.5rem" if kiosk else "2.6rem"
    colour = COLOURS[rag]
    return (
        f'<div data-tile="{html.escape(label)}" data-rag="{rag}" style="border:3px solid {colour};'
        f'border-radius:0.6rem;padding:0.5rem 0.8rem;margin-bottom:0.6rem">'
        f'<div style="font-size:{"1.6rem" if kiosk else "0.95rem"};color:#5f6368">{html.escape(label)}</div>'
        f'<div class="live-value" style="font-size:{size};font-weight:700;line-height:1.1;color:{colour}">'
        f"{html.escape(value)}</div>"
        f'<div style="font-size:0.8rem;color:#5f6368">{html.escape(note)}</div></div>'
    )


# Kiosk/TV mode: no sidebar, no navigation, no header chrome; the page fills the screen.
KIOSK_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarNav"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], header { display: none !important; }
.block-container { padding-top: 1rem !important; max-width: 100% !important; }
</style>"""
