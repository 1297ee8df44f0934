"""The API root. Filled in by taxlight.api (see docs/architecture.md)."""

from ninja import NinjaAPI

api = NinjaAPI(title="taxlight API", version="1", urls_namespace="api")
