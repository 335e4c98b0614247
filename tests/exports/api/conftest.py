"""Reports API fixtures: the composed HTTP app (``cli/api_app.py``) and an API key per account of the warehouse."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from operational.keys import create_api_key
from tests.operational.api.conftest import UNTHROTTLED


@pytest.fixture(scope="module")
def api(engine: sa.Engine) -> Iterator[TestClient]:
    from cli.api_app import create_app

    app = create_app(engine, edge=UNTHROTTLED)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.export_jobs.shutdown()


@pytest.fixture(scope="module")
def keys(engine: sa.Engine, warehouse_built: dict[str, int]) -> dict[str, dict[str, str]]:
    """``Authorization`` headers by account slug: "metrics", "tricky" and "quiet" (an account with no data)."""
    from operational.accounts import create_account

    ids = dict(warehouse_built, quiet=create_account(engine, "quiet", "Europe/London").id)
    return {slug: {"Authorization": f"Bearer {create_api_key(engine, ids[slug]).secret}"} for slug in ids}
