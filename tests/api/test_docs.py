"""The OpenAPI docs are public and local, and docs/api.md lists every operation with the
access it declares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from taxlight.api.main import api
from taxlight.api.routing import describe, operations

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROW = re.compile(
    r"^\|\s*`(?P<method>[A-Z]+)`\s*\|\s*`(?P<path>/api/[^`]*)`\s*\|\s*"
    r"(?P<access>[^|]+?)\s*\|"
)


@pytest.mark.django_db
def test_the_docs_page_is_public_and_loads_nothing_from_elsewhere() -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert not re.search(r"""(src|href)=["']https?://""", html), "external asset in docs"
    assert "cdn" not in html.lower()
    # and the bundled assets are served by the site itself
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200


@pytest.mark.django_db
def test_the_schema_is_public_and_states_each_operations_access() -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken", "SessionCookie"}
    for op in operations(api):
        for method in op.methods:
            entry = schema["paths"][op.path][method.lower()]
            assert entry["x-taxlight-access"] == str(op.access)
            assert "ErrorOut" in str(entry["responses"])


def _documented() -> dict[tuple[str, str], str]:
    rows: dict[tuple[str, str], str] = {}
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows[(match["method"], match["path"])] = match["access"].strip()
    return rows


def test_docs_list_every_operation_with_its_access() -> None:
    documented = _documented()
    expected = {
        (method, op.path): describe(op.access)
        for op in operations(api)
        if op.access is not None
        for method in op.methods
    }
    missing = {k: v for k, v in expected.items() if documented.get(k) != v}
    assert not missing, f"add or correct these rows in docs/api.md: {missing}"
    stale = set(documented) - set(expected)
    assert not stale, f"docs/api.md lists operations that do not exist: {stale}"
