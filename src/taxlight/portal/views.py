"""The public portal's pages. Thin: they declare their access and render."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from taxlight.authz.access import public


@dataclass(frozen=True)
class Upcoming:
    """A feature of the portal that is planned but not built yet (shown as such)."""

    code: str  # the feature's ID in docs/mission.md
    title: str | Promise
    summary: str | Promise


UPCOMING = (
    Upcoming(
        "D2",
        _("Enforcement powers"),
        _("What the bureau may do, on what legal basis, who decides and within what time limit."),
    ),
    Upcoming(
        "D1",
        _("Policies and guides"),
        _(
            "Latest regulations, preferential policies, filing guides and tax questions and "
            "answers, each section kept current by a responsible department."
        ),
    ),
    Upcoming(
        "D6", _("Reading room"), _("Ten years of official documents and policies, searchable.")
    ),
    Upcoming("D7", _("Appointments"), _("Book a visit to a service hall, weekends included.")),
    Upcoming(
        "D8",
        _("Mailboxes and complaints"),
        _("Write to the director, ask a question or file a complaint, and follow its handling."),
    ),
    Upcoming(
        "D4",
        _("Information for your enterprise"),
        _("The preferential policies that fit your enterprise, and its rights and obligations."),
    ),
)


@public
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"upcoming": UPCOMING})
