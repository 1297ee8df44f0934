"""The API root, mounted at ``/api/`` (see docs/api.md).

Routers per area live in :mod:`taxlight.api.routers`; every operation declares its access
with the same decorators as views and is registered through
:class:`taxlight.api.routing.Router`.
"""

from __future__ import annotations

from taxlight.api.routers import audit, health, me, org, taxpayers
from taxlight.api.routing import TaxlightAPI

api = TaxlightAPI(
    title="taxlight API",
    version="1",
    description=(
        "The API of taxlight. Integrations authenticate with a bearer token "
        "(`Authorization: Bearer tl_<prefix>_<secret>`); the browser uses its session "
        "(unsafe methods need the `X-CSRFToken` header). Every error has the same shape: "
        '`{"error": {"code", "message", "fields", "request_id"}}`. '
        "Each operation states who may call it under **Access**."
    ),
    urls_namespace="api",
)

api.add_router("", me.router)
api.add_router("", health.router)
api.add_router("/org", org.router)
api.add_router("/taxpayers", taxpayers.router)
api.add_router("/my", taxpayers.my_router)
api.add_router("/audit", audit.router)
