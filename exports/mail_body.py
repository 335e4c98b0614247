"""The subscription e-mail's text and HTML parts: what the report is of, its headline figures, why it came."""

from __future__ import annotations

import html
from dataclasses import dataclass

from exports.presentation import Tile


@dataclass(frozen=True)
class MailBody:
    """The e-mail's text and HTML: what the report is of, its headline figures (the attachment's), why it came."""

    name: str
    title: str
    account: str
    period: str
    timezone: str
    rows: int
    figures: list[Tile]
    filters: dict[str, str]
    schedule: str
    outside: list[str]

    def _lines(self) -> tuple[str, list[str]]:
        head = f"{self.title} for {self.account}, {self.period} (local dates, {self.timezone})"
        if self.filters:
            head += ", " + ", ".join(f"{column} = {value}" for column, value in sorted(self.filters.items()))
        tail = [f"{self.rows:,} rows, attached.",
                f'You receive this because you are a recipient of the report subscription "{self.name}" '
                f"({self.schedule})."]  # fmt: skip
        if self.outside:
            tail.append(f"Not sent to (no longer allowed for this account): {', '.join(self.outside)}")
        return head, tail

    def text(self) -> str:
        head, tail = self._lines()
        figures = [f"  {tile.label}: {tile.value}" for tile in self.figures]
        return "\n".join([head + ":", *figures, "", *tail]) + "\n"

    def html(self) -> str:
        head, tail = self._lines()
        cells = "".join(
            f'<tr><th align="left" style="padding:2px 12px 2px 0">{html.escape(t.label)}</th>'
            f'<td align="right">{html.escape(t.value)}</td></tr>'
            for t in self.figures
        )
        paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in tail)
        return (
            f"<html><body><p><b>{html.escape(head)}</b></p><table>{cells}</table>{paragraphs}</body></html>\n"
        )
