"""The API's routers, one per area; mounted in :mod:`taxlight.api.main`."""
