"""Page-number pagination for list operations: ``?page=2&page_size=50``.

The answer is ``{"items": [...], "count": 123, "page": 2, "page_size": 50}``. A page size
above :data:`MAX_PAGE_SIZE` is refused with a field error rather than silently cut.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

DEFAULT_PAGE_SIZE: int = getattr(settings, "NINJA_PAGINATION_PER_PAGE", 50)
MAX_PAGE_SIZE = 200


class Pagination(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, description="Page number, from 1.")
        page_size: int = Field(
            DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page."
        )

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        size = pagination.page_size
        offset = (pagination.page - 1) * size
        return {
            "items": queryset[offset : offset + size],
            "count": self._items_count(queryset),
            "page": pagination.page,
            "page_size": size,
        }
