"""The HTTP API as served: the operational app, given what it must not import (the served data's freshness)."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.engine import Engine


def create_app(engine: Engine | None = None) -> FastAPI:
    """``operational``'s API over ``engine`` (default: from the settings) with ``/readyz`` told how old the served
    warehouse is; ``voxlink api`` runs this factory."""
    from operational.api.app import create_app as operational_app
    from voxlink.files import owner_only
    from voxlink.freshness import served_freshness

    owner_only()  # also when uvicorn runs this factory itself, not through `voxlink api`
    app = operational_app(engine)
    app.state.freshness = lambda: served_freshness().as_dict()
    return app
