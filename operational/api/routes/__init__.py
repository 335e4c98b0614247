"""The API's routers, one module per resource."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


def json_response(value: Any, status: int = 200) -> Response:
    """orjson straight to bytes: datetimes as ISO-8601, no model round trip on the hot paths."""
    return Response(orjson.dumps(value), status, media_type="application/json")
