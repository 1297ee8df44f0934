"""Views: the SMS receipt callback, the in-site inbox, preferences and the staff outbox."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taxlight.authz.access import public, requires, signed_in
from taxlight.authz.scoping import has_perm
from taxlight.core.masking import mask_text
from taxlight.notifications import services
from taxlight.notifications.addresses import mask_address
from taxlight.notifications.forms import OutboxFilterForm, PreferencesForm, TestMessageForm
from taxlight.notifications.kinds import Channel
from taxlight.notifications.models import Message, NotificationPreference

# --- the provider's receipts ----------------------------------------------------------------


def _bad(error: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error}, status=status)


@csrf_exempt
@public
@require_POST
def sms_receipts(request: HttpRequest) -> HttpResponse:
    """Delivery receipts from the SMS provider: a JSON object, or a list of them, signed
    with HMAC-SHA256 of the raw body (``X-Taxlight-Signature: sha256=<hex>``).

    200 with a result per receipt; 400 for a bad signature or body (nothing applied);
    404 when no receipt names a message we know; 503 when no secret is configured."""
    secret = settings.SMS_CALLBACK_SECRET or ""
    if not secret:
        return _bad("receipts are not configured (SMS_CALLBACK_SECRET)", 503)
    body = request.body
    if not services.signature_ok(body, request.headers.get(services.SIGNATURE_HEADER), secret):
        return _bad("bad signature")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _bad("the body is not JSON")
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            return _bad(f"receipt {index} is not an object")
        if not isinstance(item.get("status"), str) or not item["status"]:
            return _bad(f"receipt {index} has no status")
        if not (isinstance(item.get("client_ref"), str) or isinstance(item.get("message_id"), str)):
            return _bad(f"receipt {index} names no client_ref or message_id")
    results: list[dict[str, Any]] = []
    for item in items:
        ref = str(item.get("client_ref") or "")
        try:
            message, changed = services.apply_receipt(
                client_ref=ref,
                provider_message_id=str(item.get("message_id") or ""),
                status=item["status"],
                error=str(item.get("error") or ""),
                at=str(item["at"]) if item.get("at") else None,
                payload=item,
                key=services.receipt_key(item),
            )
        except IntegrityError:  # the same receipt, concurrently: the other one applied it
            results.append({"client_ref": ref, "result": "duplicate"})
            continue
        result = "unknown" if message is None else ("applied" if changed else "unchanged")
        results.append({"client_ref": ref, "result": result})
    status = 404 if all(r["result"] == "unknown" for r in results) else 200
    return JsonResponse({"results": results}, status=status)


# --- the inbox ------------------------------------------------------------------------------


def _space(request: HttpRequest) -> str:
    return "workbench" if getattr(request.user, "kind", "") == "staff" else "mytax"


@signed_in
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("unread") == "1"
    qs = services.inbox(request.user)
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "only_unread": only_unread,
            "space": _space(request),
            "unread": services.unread_count(request.user),
        },
    )


@signed_in
@require_POST
def mark_read(request: HttpRequest, pk: str) -> HttpResponse:
    message = get_object_or_404(Message, pk=pk, recipient=request.user, channel=Channel.SITE)
    message = services.mark_read(message=message, actor=request.user)
    if getattr(request, "htmx", False):
        response = render(request, "notifications/_inbox_item.html", {"message": message})
        response["HX-Trigger"] = "notifications-unread-changed"
        return response
    return redirect("notifications:inbox")


@signed_in
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(actor=request.user)
    if count:
        flash.success(request, _("%(count)d messages marked as read.") % {"count": count})
    return redirect("notifications:inbox")


@signed_in
@require_GET
def unread_count(request: HttpRequest) -> HttpResponse:
    """A small fragment for the header: ``hx-get`` it on load and on
    ``notifications-unread-changed``."""
    return render(
        request, "notifications/_unread_badge.html", {"unread": services.unread_count(request.user)}
    )


# --- preferences ----------------------------------------------------------------------------


@signed_in
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    current = {
        (p.category, p.channel): p.opted_out
        for p in NotificationPreference.objects.filter(user=user)
    }
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            for category, channel, opted_out in form.choices():
                services.set_preference(
                    actor=request.user,
                    user=request.user,
                    category=category,
                    channel=channel,
                    opted_out=opted_out,
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            flash.success(request, _("Your notification settings were saved."))
            return redirect("notifications:preferences")
    return render(
        request, "notifications/preferences.html", {"form": form, "space": _space(request)}
    )


# --- the staff outbox -----------------------------------------------------------------------


def _shown(request: HttpRequest, message: Message, full: bool) -> str:
    return message.address if full else mask_address(message.channel, message.address)


def _outbox(request: HttpRequest, test_form: TestMessageForm, status: int = 200) -> HttpResponse:
    form = OutboxFilterForm(request.GET or None)
    qs = Message.objects.select_related("recipient").order_by("-created_at")
    if form.is_bound and form.is_valid():
        for name in ("status", "channel", "kind"):
            if form.cleaned_data.get(name):
                qs = qs.filter(**{name: form.cleaned_data[name]})
    elif form.is_bound:
        qs = qs.none()
    full = has_perm(request.user, "pii.view")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for message in page:
        message.shown_address = _shown(request, message, full)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/outbox.html",
        {
            "form": form,
            "page": page,
            "full_pii": full,
            "query": query.urlencode(),
            "can_send_test": has_perm(request.user, "notifications.send_test"),
            "test_form": test_form,
        },
        status=status,
    )


@requires("notifications.view_outbox")
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    return _outbox(request, TestMessageForm())


@requires("notifications.view_outbox")
@require_GET
def outbox_detail(request: HttpRequest, pk: str) -> HttpResponse:
    message = get_object_or_404(Message, pk=pk)
    full = has_perm(request.user, "pii.view")
    return render(
        request,
        "notifications/outbox_detail.html",
        {
            "message": message,
            "shown_address": _shown(request, message, full),
            "shown_body": message.body if full else mask_text(message.body),
            "events": message.events.all(),
            "full_pii": full,
        },
    )


@requires("notifications.send_test")
@require_POST
def send_test(request: HttpRequest) -> HttpResponse:
    form = TestMessageForm(request.POST)
    if form.is_valid():
        sent = services.send_test(actor=request.user, address=form.cleaned_data["address"])
        flash.success(
            request,
            _("Test message queued (status: %(status)s).")
            % {"status": sent[0].get_status_display()},
        )
        return redirect("notifications:outbox")
    return _outbox(request, form, status=400)
