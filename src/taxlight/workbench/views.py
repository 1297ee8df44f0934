"""The staff workbench's pages. Thin: they declare their access, read through selectors and
render."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from taxlight.audit import selectors as ledger
from taxlight.audit import services as audit
from taxlight.authz.access import requires
from taxlight.authz.scoping import grants, has_perm
from taxlight.workbench import selectors
from taxlight.workbench.forms import LedgerFilterForm

OFFICERS_PER_PAGE = 50


def _chart_option(counts: list[selectors.BranchCount]) -> dict[str, Any]:
    """An ECharts option: a horizontal bar per branch (names read better on the y axis)."""
    return {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 24, "top": 8, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "inverse": True, "data": [c.name for c in counts]},
        "series": [
            {
                "type": "bar",
                "name": _("Taxpayers"),
                "data": [c.count for c in counts],
                "barMaxWidth": 28,
                "label": {"show": True, "position": "right"},
            }
        ],
    }


@requires("workbench.access")
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    officer = selectors.officer_of(user)
    counts = selectors.taxpayers_per_branch(user)
    context = {
        "officer": officer,
        "branch": officer.unit.branch if officer is not None else None,
        "grants": grants(user),
        "qualification": selectors.qualification_of(officer),
        "warning_days": selectors.QUALIFICATION_WARNING_DAYS,
        "branch_counts": counts,
        "taxpayer_total": sum(c.count for c in counts),
        "chart_option": _chart_option(counts),
        "chart_height": max(200, 36 * len(counts) + 40),
    }
    return render(request, "workbench/home.html", context)


@requires("org.view")
def org(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = selectors.visible_units(user)
    by_id = {u.pk: u for u in units}
    selected = None
    unit_error = ""
    raw = request.GET.get("unit", "")
    if raw:
        try:
            selected = by_id.get(int(raw))
        except ValueError:
            selected = None
        if selected is None:
            unit_error = _(
                "That unit does not exist or is outside what you may see; "
                "showing every officer you may see."
            )
    unit_ids = selectors.subtree_ids(units, selected.pk) if selected is not None else None
    page = Paginator(
        selectors.visible_officers(user, unit_ids=unit_ids), OFFICERS_PER_PAGE
    ).get_page(request.GET.get("page"))
    context = {
        "tree": selectors.unit_tree(units),
        "selected": selected,
        "unit_error": unit_error,
        "page": page,
        "rows": selectors.officer_rows(user, list(page.object_list)),
    }
    return render(
        request,
        "workbench/_org_panel.html" if _is_fragment(request) else "workbench/org.html",
        context,
    )


def _is_fragment(request: HttpRequest) -> bool:
    """An htmx request for a part of the page (not a history restore, which wants it all)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "history_restore_request", False)


LEDGER_PER_PAGE = 50


@requires("audit.view_ledger")
def ledger_list(request: HttpRequest) -> HttpResponse:
    """The audit ledger, newest first, filtered; each entry with its before/after."""
    form = LedgerFilterForm(request.GET or None)
    page = Paginator(ledger.entries(form.to_filter()), LEDGER_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workbench/ledger.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_verify": has_perm(request.user, "audit.verify"),
        },
    )


@requires("audit.verify")
@require_POST
def ledger_verify(request: HttpRequest) -> HttpResponse:
    """Checks the whole chain now. For very large ledgers prefer `taxlight audit verify`
    (it reads in batches and takes the same time, without holding a web worker)."""
    result = audit.verify()
    audit.record(
        "audit.ledger.verified",
        object_type="audit.ledger",
        after={"ok": result.ok, "checked": result.checked, "first_bad_seq": result.first_bad_seq},
    )
    return render(request, "workbench/_ledger_verify.html", {"result": result})
