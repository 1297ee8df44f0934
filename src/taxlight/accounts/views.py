"""Sign-in, second factor, enrolment, sign-out, password, profile, registration and binding.

How staff sign in (two steps):

1. ``login``: user name and password, checked by Django's ``authenticate`` (django-axes counts
   failures per user name + address). A taxpayer user is signed in at once. A staff user is
   *not*: only a short-lived "password accepted" marker is put in the session.
2. ``otp``: the current TOTP code (or a backup code). Only then is the staff user signed in
   (``django.contrib.auth.login``) with the verified device (``django_otp.login``). Wrong codes
   are throttled by django-otp and count toward the same lock-out as wrong passwords.

A staff user without an authenticator is sent to ``otp_enroll`` after step 1. A session that
is signed in but not verified (for instance after a reset of the second factor) is sent to
``otp`` by the authorisation middleware and completes the step there.
"""

from __future__ import annotations

import base64
import time
from typing import Any, cast
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit, get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from taxlight.accounts import services
from taxlight.accounts.forms import (
    BindForm,
    CodeForm,
    EnrollForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
)
from taxlight.accounts.models import User, UserKind
from taxlight.audit.services import record
from taxlight.authz.access import public, signed_in

PENDING_KEY = "taxlight_pending_signin"
PENDING_MAX_AGE = 10 * 60  # seconds between the password step and the code step
STAFF_HOME = "/staff/"
TAXPAYER_HOME = "/my/"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- helpers --------------------------------------------------------------------------------


def _home(user: Any) -> str:
    kind = getattr(user, "kind", "")
    if kind == UserKind.STAFF:
        return STAFF_HOME
    if kind == UserKind.TAXPAYER:
        return TAXPAYER_HOME
    return "/"


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` parameter if it points into this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _is_verified(user: Any) -> bool:
    verified = getattr(user, "is_verified", None)
    return bool(verified()) if callable(verified) else False


def _fully_signed_in(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return getattr(user, "kind", "") != UserKind.STAFF or _is_verified(user)


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def _set_pending(request: HttpRequest, user: User) -> None:
    """Remembers a staff user whose password was accepted, for the code step."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "id": user.pk,
        "backend": getattr(user, "backend", MODEL_BACKEND),
        "at": int(time.time()),
    }


def _second_factor_user(request: HttpRequest) -> tuple[User | None, str]:
    """The staff user who is between the password and the code step, with the backend that
    accepted the password: from the pending marker, or a signed-in but unverified session."""
    data = request.session.get(PENDING_KEY)
    if isinstance(data, dict):
        fresh = time.time() - int(data.get("at", 0)) <= PENDING_MAX_AGE
        pending_id = data.get("id")
        user = (
            User.objects.filter(pk=pending_id, is_active=True, kind=UserKind.STAFF).first()
            if fresh and isinstance(pending_id, int)
            else None
        )
        if user is not None:
            return user, str(data.get("backend") or MODEL_BACKEND)
        request.session.pop(PENDING_KEY, None)
    current = request.user
    if current.is_authenticated and getattr(current, "kind", "") == UserKind.STAFF:
        backend = request.session.get(BACKEND_SESSION_KEY, MODEL_BACKEND)
        return current, str(backend)
    return None, ""


def _complete_sign_in(request: HttpRequest, user: User, device: Device, backend: str) -> None:
    request.session.pop(PENDING_KEY, None)
    user.otp_device = device  # type: ignore[attr-defined]  # read by django_otp and the audit
    auth_login(request, user, backend=backend)
    otp_login(request, device)


def _credentials(user: User, step: str = "") -> dict[str, Any]:
    creds: dict[str, Any] = {"username": user.get_username()}
    if step:
        creds["step"] = step
    return creds


def _attempts_left(request: HttpRequest, username: str) -> int:
    creds = {"username": username}
    failures = AxesProxyHandler.get_failures(request, creds)
    return max(get_failure_limit(request, creds) - failures, 0)


def _locked_out(request: HttpRequest, user: User) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    if request.user.is_authenticated:
        auth_logout(request)
    return get_lockout_response(request, None, _credentials(user))


def _apply_errors(form: Form, exc: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Puts a service's ValidationError on the form's fields (unknown keys: form-wide)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for key, errors in exc.message_dict.items():
        field = (rename or {}).get(key, key)
        form.add_error(field if field in form.fields else None, errors)


# --- sign-in --------------------------------------------------------------------------------


@public
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    if _fully_signed_in(request.user):
        return redirect(safe_next(request, _home(request.user)))
    next_url = safe_next(request, "")
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    attempts_left = None
    if request.method == "POST":
        if form.is_valid():
            user = form.user
            assert user is not None
            if user.kind == UserKind.STAFF:
                record("accounts.signin.password_accepted", obj=user, actor=user)
                _set_pending(request, user)
                step = "accounts:otp" if services.confirmed_totp(user) else "accounts:otp_enroll"
                return redirect(_with_next(step, next_url))
            auth_login(request, user)
            response = redirect(next_url or _home(user))
            _set_language_cookie(response, user.language)
            return response
        username = str(form.cleaned_data.get("username") or "")
        if username and not getattr(request, "axes_locked_out", False):
            attempts_left = _attempts_left(request, username)
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "next": next_url,
            "attempts_left": attempts_left,
        },
    )


@public
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def otp_view(request: HttpRequest) -> HttpResponse:
    """The code step of a staff sign-in (``@public``: the user is not signed in yet; the
    view itself requires a password-authenticated staff user in the session)."""
    next_url = safe_next(request, STAFF_HOME)
    user, backend = _second_factor_user(request)
    if user is None:
        messages.info(request, _("Please sign in first."))
        return redirect(_with_next("accounts:login", next_url))
    if request.user.is_authenticated and request.user.pk == user.pk and _is_verified(request.user):
        return redirect(next_url)
    if AxesProxyHandler.is_locked(request, _credentials(user)):
        return _locked_out(request, user)
    if services.confirmed_totp(user) is None:
        return redirect(_with_next("accounts:otp_enroll", next_url))

    form = CodeForm(request.POST if request.method == "POST" else None)
    attempts_left = None
    if request.method == "POST" and form.is_valid():
        device, throttled = _verify_code(user, form.cleaned_data["code"])
        if device is not None:
            _complete_sign_in(request, user, device, backend)
            response = redirect(next_url)
            _set_language_cookie(response, user.language)
            return response
        user_login_failed.send(
            sender=__name__, credentials=_credentials(user, "otp"), request=request
        )
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request, user)
        attempts_left = _attempts_left(request, user.get_username())
        form.add_error("code", throttled or _("This code is not right."))
    return render(
        request,
        "accounts/otp.html",
        {
            "form": form,
            "next": next_url,
            "attempts_left": attempts_left,
            "pending_user": user,
        },
    )


def _verify_code(user: User, code: str) -> tuple[Device | None, str]:
    """(the device that accepted ``code``, "") or (None, a throttling message or "")."""
    devices: list[Device]
    if code.isdigit() and len(code) in (6, 8):
        devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
    throttled = ""
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            throttled = services.throttle_message(info)
            continue
        verified = otp_verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified, ""
    return None, throttled


def totp_qr_svg(device: TOTPDevice) -> SafeString:
    """The device's otpauth:// URL as an inline SVG QR code (made here, no outside service)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    svg = svg.replace("<svg ", '<svg class="totp-qr" role="img" aria-hidden="true" ', 1)
    return SafeString(svg)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@public
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def otp_enroll_view(request: HttpRequest) -> HttpResponse:
    """Sets up a staff user's authenticator: QR code and text secret, confirmed with a first
    code; then shows 10 backup codes once."""
    next_url = safe_next(request, STAFF_HOME)
    user, backend = _second_factor_user(request)
    if user is None:
        messages.info(request, _("Please sign in first."))
        return redirect(_with_next("accounts:login", next_url))
    if AxesProxyHandler.is_locked(request, _credentials(user)):
        return _locked_out(request, user)
    if services.confirmed_totp(user) is not None:
        if _fully_signed_in(request.user):
            messages.info(
                request,
                _(
                    "Your authenticator is already set up. A system "
                    "administrator can reset it if you lost the device."
                ),
            )
            return redirect(next_url)
        return redirect(_with_next("accounts:otp", next_url))

    device = services.enroll_totp(actor=user, user=user)
    form = EnrollForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.confirm_totp(
                actor=user, user=user, device=device, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            device.refresh_from_db()
            _complete_sign_in(request, user, device, backend)
            return render(request, "accounts/backup_codes.html", {"codes": codes, "next": next_url})
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_enroll.html",
        {
            "form": form,
            "next": next_url,
            "qr_svg": totp_qr_svg(device),
            "secret": _grouped(secret),
            "issuer": settings.OTP_TOTP_ISSUER,
            "pending_user": user,
        },
    )


@public
@csrf_protect
@never_cache
def logout_view(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; POST signs out (and forgets a half-finished sign-in)."""
    if request.method == "POST":
        request.session.pop(PENDING_KEY, None)
        auth_logout(request)
        messages.success(request, _("You have signed out."))
        return redirect("/")
    return render(request, "accounts/logout.html", {})


# --- own account ----------------------------------------------------------------------------


@signed_in
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@csrf_protect
def password_change_view(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = PasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                actor=user, user=user, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@signed_in
@csrf_protect
def profile_view(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    initial = {"name": user.get_full_name(), "language": user.language, "mobile": user.mobile}
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.update_profile(
                actor=user,
                user=user,
                name=form.cleaned_data["name"],
                language=form.cleaned_data["language"],
                mobile=form.cleaned_data["mobile"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Your profile has been saved."))
            response = redirect("accounts:profile")
            _set_language_cookie(response, updated.language)
            return response
    memberships = (
        user.memberships.filter(active=True).select_related("taxpayer")
        if user.kind == UserKind.TAXPAYER
        else []
    )
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "profile_user": user,
            "memberships": memberships,
            "has_authenticator": services.confirmed_totp(user) is not None,
        },
    )


# --- taxpayer users -------------------------------------------------------------------------


@public
@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
def register_view(request: HttpRequest) -> HttpResponse:
    if _fully_signed_in(request.user):
        return redirect(_home(request.user))
    form = RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_taxpayer_user(
                actor=None,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                mobile=form.cleaned_data["mobile"],
                name=form.cleaned_data["name"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc, rename={"password": "password1"})
        else:
            auth_login(request, user, backend=MODEL_BACKEND)
            messages.success(
                request, _("Your account has been created. Now bind it to your enterprise.")
            )
            return redirect("accounts:bind_enterprise")
    return render(request, "accounts/register.html", {"form": form})


@signed_in
@csrf_protect
def bind_enterprise_view(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if user.kind != UserKind.TAXPAYER:
        raise PermissionDenied(_("Only taxpayer users bind their account to an enterprise."))
    form = BindForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.claim_taxpayer(
                actor=user,
                user=user,
                uscc=form.cleaned_data["uscc"],
                proof=form.cleaned_data["proof"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                format_html(
                    _("Your account is now bound to {name}."), name=membership.taxpayer.name
                ),
            )
            return redirect(safe_next(request, TAXPAYER_HOME))
    memberships = user.memberships.filter(active=True).select_related("taxpayer")
    return render(
        request,
        "accounts/bind_enterprise.html",
        {
            "form": form,
            "memberships": memberships,
            "next": safe_next(request, ""),
        },
    )
