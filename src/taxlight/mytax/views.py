"""The taxpayer space's pages. Thin: they declare their access, read through selectors and
render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from taxlight.authz.access import taxpayer_required
from taxlight.mytax import selectors


@taxpayer_required
def home(request: HttpRequest) -> HttpResponse:
    bindings = list(selectors.bindings_of(request.user))
    return render(request, "mytax/home.html", {"bindings": bindings})
