"""The leaderboard's rank by any metric comes from the warehouse, over every agent of the range, as the export's."""

from __future__ import annotations

from tests.app.apptest import follow, signed_in, table
from tests.app.conftest import Stack
from tests.app.test_pages import rows


def test_ranked_by_conversions_an_agents_rank_counts_every_agent(app_env: Stack) -> None:
    app = signed_in("north-manager")

    # conversions over the range: alice 2 (N1, N5), carol 1 (O1), bob 0 (N2 no sale)
    follow(app, "leaderboard", {"metric": "conversions"})
    assert [r[:2] for r in rows(table(app))] == [["1", "alice"], ["2", "carol"], ["3", "bob"]]

    # narrowed to carol, she keeps her rank among all agents (as the handled rank of the export does)
    follow(app, "leaderboard", {"metric": "conversions", "agent": "carol"})
    assert [r[:2] for r in rows(table(app))] == [["2", "carol"]]
