"""Sign-in events written to the audit ledger: successes, failures (password or second
factor) and lock-outs. Connected in AccountsConfig.ready(). No password, code or secret is
ever recorded; user names typed at a failed attempt are masked like any personal data."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from taxlight.audit.services import record
from taxlight.core.masking import mask_text


def _ip(request: Any) -> str:
    if request is None:
        return ""
    return str(getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR", ""))


@receiver(user_logged_in, dispatch_uid="taxlight.accounts.audit_logged_in")
def audit_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    device = getattr(user, "otp_device", None)
    second_factor = ""
    if device is not None:
        second_factor = "backup_code" if device._meta.model_name == "staticdevice" else "totp"
    record(
        "accounts.signin.succeeded",
        obj=user,
        actor=user,
        after={
            "kind": getattr(user, "kind", ""),
            "second_factor": second_factor,
            "ip": _ip(request),
        },
    )


@receiver(user_logged_out, dispatch_uid="taxlight.accounts.audit_logged_out")
def audit_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    record("accounts.signout", obj=user, actor=user, after={"ip": _ip(request)})


@receiver(user_login_failed, dispatch_uid="taxlight.accounts.audit_login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")
    record(
        "accounts.signin.failed",
        object_type="accounts.user",
        object_label=mask_text(username)[:300],
        after={
            "username": mask_text(username)[:150],
            "step": str(credentials.get("step") or "password"),
            "ip": _ip(request),
            "locked_out": bool(getattr(request, "axes_locked_out", False)),
        },
    )


def connect_axes() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(audit_locked_out, dispatch_uid="taxlight.accounts.audit_locked_out")


def audit_locked_out(
    sender: Any,
    request: Any = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    record(
        "accounts.signin.locked_out",
        object_type="accounts.user",
        object_label=mask_text(username or "")[:300],
        after={"username": mask_text(username or "")[:150], "ip": ip_address or ""},
    )
