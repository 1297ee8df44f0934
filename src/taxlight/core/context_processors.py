from typing import Any

from django.conf import settings
from django.http import HttpRequest


def taxlight(request: HttpRequest) -> dict[str, Any]:
    return {
        "BUREAU_NAME": settings.TAXLIGHT_BUREAU_NAME,
        "EMBEDDED": settings.EMBEDDED_JOBS,
        "request_id": getattr(request, "request_id", ""),
    }
