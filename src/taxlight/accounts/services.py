"""State changes of accounts: every one goes through here and is written to the audit ledger
in the same transaction.

Secrets (passwords, TOTP keys, backup codes, API token secrets) never reach the ledger: the
entries say *that* something changed, not to what.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from taxlight.accounts.models import (
    ApiToken,
    MembershipRole,
    TaxpayerMembership,
    User,
    UserKind,
)
from taxlight.accounts.validators import normalise_mainland_mobile
from taxlight.audit.models import LedgerEntry
from taxlight.audit.services import diff, record
from taxlight.taxpayers.validators import normalise_uscc, validate_uscc

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"
# Self-service binding: failed proofs allowed per user in BIND_FAILURE_WINDOW.
BIND_FAILURE_LIMIT = 5
BIND_FAILURE_WINDOW = dt.timedelta(hours=24)
BIND_FAILED_ACTION = "accounts.membership.bind_failed"
# A token's last use is written at most this often (not audited: it is bookkeeping).
TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)


# --- users ----------------------------------------------------------------------------------


def _check_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("Enter a user name.")})
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is already taken.")})
    return username


def _check_password(password: str, user: User, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


@transaction.atomic
def create_staff_user(
    *, actor: Any, officer: Any, username: str, password: str | None = None
) -> User:
    """Creates the sign-in account of an officer (kind ``staff``) and links it to the officer.

    Without ``password`` the account has no usable password until one is set (operators use
    ``createofficeruser``, which generates one). Staff always enrol a TOTP device at their
    first sign-in.
    """
    from taxlight.org.models import Officer

    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    if officer.user_id is not None:
        raise ValidationError(
            {
                "officer": _("This officer already has an account (%(username)s).")
                % {"username": officer.user.get_username() if officer.user else ""}
            }
        )
    username = _check_username(username)
    user = User(username=username, kind=UserKind.STAFF, first_name=officer.name)
    if officer.mobile:
        try:
            user.mobile = normalise_mainland_mobile(officer.mobile)
        except ValidationError:
            user.mobile = ""
    if password is None:
        user.set_unusable_password()
    else:
        _check_password(password, user)
        user.set_password(password)
    user.save()
    officer.user = user
    officer.save(update_fields=["user"])
    record(
        "accounts.user.create",
        obj=user,
        actor=actor,
        after={
            "username": user.username,
            "kind": user.kind,
            "officer": officer.officer_id,
            "password_set": password is not None,
        },
    )
    return user


@transaction.atomic
def create_taxpayer_user(
    *,
    actor: Any,
    username: str,
    password: str,
    mobile: str,
    name: str = "",
    language: str = "zh-hans",
) -> User:
    """Creates a taxpayer user (self-registration or by staff). The user then binds to an
    enterprise with :func:`claim_taxpayer` or is bound by staff with :func:`bind_taxpayer`."""
    errors: dict[str, list[str]] = {}
    try:
        username = _check_username(username)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        mobile = normalise_mainland_mobile(mobile)
    except ValidationError as exc:
        errors["mobile"] = exc.messages
    user = User(
        username=username,
        kind=UserKind.TAXPAYER,
        first_name=name.strip(),
        mobile=mobile,
        language=language,
    )
    try:
        _check_password(password, user)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    record(
        "accounts.user.create",
        obj=user,
        actor=actor if actor is not None else user,
        after={"username": user.username, "kind": user.kind, "mobile": user.mobile},
    )
    return user


@transaction.atomic
def change_password(*, actor: Any, user: User, password: str) -> None:
    _check_password(password, user, field="new_password2")
    user.set_password(password)
    user.save(update_fields=["password"])
    record("accounts.user.change_password", obj=user, actor=actor, after={"password_changed": True})


PROFILE_FIELDS = ("first_name", "last_name", "language", "mobile")


@transaction.atomic
def update_profile(*, actor: Any, user: User, name: str, language: str, mobile: str) -> User:
    """Changes a user's own name, language and mobile number (validated as a mainland
    mobile; empty allowed for staff, required for taxpayer users)."""
    from django.conf import settings

    errors: dict[str, list[str]] = {}
    if language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose one of the offered languages.")]
    mobile = (mobile or "").strip()
    if mobile or user.kind == UserKind.TAXPAYER:
        try:
            mobile = normalise_mainland_mobile(mobile)
        except ValidationError as exc:
            errors["mobile"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user = User.objects.select_for_update().get(pk=user.pk)
    before = {f: getattr(user, f) for f in PROFILE_FIELDS}
    user.first_name = name.strip()[:150]
    user.last_name = ""
    user.language = language
    user.mobile = mobile
    user.save(update_fields=list(PROFILE_FIELDS))
    old, new = diff(before, {f: getattr(user, f) for f in PROFILE_FIELDS})
    if new:
        record("accounts.user.update_profile", obj=user, actor=actor, before=old, after=new)
    return user


# --- enterprise bindings --------------------------------------------------------------------


@transaction.atomic
def bind_taxpayer(
    *,
    actor: Any,
    user: User,
    taxpayer: Any,
    role: str = MembershipRole.FILER,
    reason: str = "",
) -> TaxpayerMembership:
    """Lets a taxpayer user act for an enterprise (creates or reactivates the binding)."""
    if user.kind != UserKind.TAXPAYER:
        raise ValidationError(_("Only taxpayer users can be bound to an enterprise."))
    if role not in MembershipRole.values:
        raise ValidationError(_("Choose one of the offered roles."))
    membership, created = TaxpayerMembership.objects.select_for_update().get_or_create(
        user=user, taxpayer=taxpayer, defaults={"role": role}
    )
    if not created:
        if membership.active:
            raise ValidationError(_("This user is already bound to this enterprise."))
        membership.active = True
        membership.role = role
        membership.created_at = timezone.now()
        membership.save(update_fields=["active", "role", "created_at"])
    record(
        "accounts.membership.bind",
        obj=membership,
        actor=actor,
        reason=reason,
        after={"user": user.username, "taxpayer": taxpayer.taxpayer_id, "role": role},
    )
    _forget(user)
    return membership


@transaction.atomic
def unbind_taxpayer(
    *, actor: Any, membership: TaxpayerMembership, reason: str = ""
) -> TaxpayerMembership:
    given = membership
    membership = (
        TaxpayerMembership.objects.select_for_update()
        .select_related("user", "taxpayer")
        .get(pk=membership.pk)
    )
    if not membership.active:
        raise ValidationError(_("This binding has already been removed."))
    membership.active = False
    membership.save(update_fields=["active"])
    record(
        "accounts.membership.unbind",
        obj=membership,
        actor=actor,
        reason=reason,
        before={"active": True},
        after={"active": False, "taxpayer": membership.taxpayer.taxpayer_id},
    )
    _forget(membership.user)
    _forget(given.user)
    given.active = False
    return membership


def _forget(user: User) -> None:
    from taxlight.authz import scoping

    scoping.forget(user)


def binding_failures(user: User) -> int:
    """Failed self-service binding attempts of ``user`` in the current window (counted from
    the ledger, which records every one)."""
    since = timezone.now() - BIND_FAILURE_WINDOW
    return LedgerEntry.objects.filter(
        action=BIND_FAILED_ACTION,
        object_type="accounts.user",
        object_id=str(user.pk),
        at__gte=since,
    ).count()


@transaction.atomic
def _record_bind_failure(*, actor: Any, user: User, uscc: str, why: str) -> None:
    record(
        BIND_FAILED_ACTION,
        obj=user,
        actor=actor,
        after={"uscc": uscc, "why": why},
    )


def claim_taxpayer(
    *, actor: Any, user: User, uscc: str, proof: str, role: str = MembershipRole.FILER
) -> TaxpayerMembership:
    """Self-service binding of a taxpayer user to an enterprise.

    The user proves a link to the enterprise with the **last four digits of the mobile
    number registered for it** with the bureau. Each wrong proof is recorded in the ledger;
    after :data:`BIND_FAILURE_LIMIT` failures in :data:`BIND_FAILURE_WINDOW` the user must
    wait or bind at a service hall (staff use :func:`bind_taxpayer`).
    """
    from taxlight.taxpayers.models import Taxpayer

    if user.kind != UserKind.TAXPAYER:
        raise ValidationError(_("Only taxpayer users can be bound to an enterprise."))
    if binding_failures(user) >= BIND_FAILURE_LIMIT:
        raise ValidationError(
            _(
                "Too many failed binding attempts. Try again tomorrow, or bind at a tax "
                "service hall with your business licence."
            )
        )
    code = normalise_uscc(uscc).upper()
    try:
        validate_uscc(code)
    except ValidationError as exc:
        raise ValidationError({"uscc": exc.messages}) from exc
    proof = (proof or "").strip()
    if not (len(proof) == 4 and proof.isdigit()):
        raise ValidationError({"proof": _("Enter exactly four digits.")})
    taxpayer = Taxpayer.objects.filter(taxpayer_id=code).first()
    if taxpayer is None:
        _record_bind_failure(actor=actor, user=user, uscc=code, why="unknown")
        raise ValidationError(
            {"uscc": _("No enterprise with this code is registered with the bureau.")}
        )
    if TaxpayerMembership.objects.filter(user=user, taxpayer=taxpayer, active=True).exists():
        raise ValidationError({"uscc": _("You are already bound to this enterprise.")})
    if role not in MembershipRole.values:
        raise ValidationError({"role": _("Choose one of the offered roles.")})
    digits = "".join(ch for ch in taxpayer.mobile if ch.isdigit())
    if len(digits) < 4:
        raise ValidationError(
            _(
                "This enterprise has no registered mobile number, so it cannot be bound "
                "online. Please bind at a tax service hall with your business licence."
            )
        )
    if digits[-4:] != proof:
        _record_bind_failure(actor=actor, user=user, uscc=code, why="proof")
        left = max(BIND_FAILURE_LIMIT - binding_failures(user), 0)
        raise ValidationError(
            {
                "proof": _(
                    "These digits do not match the mobile number registered for this "
                    "enterprise. %(left)d attempts left today."
                )
                % {"left": left}
            }
        )
    return bind_taxpayer(
        actor=actor,
        user=user,
        taxpayer=taxpayer,
        role=role,
        reason="self-service binding (registered mobile)",
    )


# --- second factor --------------------------------------------------------------------------


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


@transaction.atomic
def enroll_totp(*, actor: Any, user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device, created if needed. Refused if a confirmed one
    exists: a lost device is replaced through :func:`reset_second_factor`."""
    if confirmed_totp(user) is not None:
        raise ValidationError(
            _(
                "An authenticator is already set up for this account. Ask a system "
                "administrator to reset it if the device was lost."
            )
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is not None:
        return device
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    record("accounts.otp.enroll", obj=user, actor=actor, after={"device": "totp"})
    return device


@transaction.atomic
def confirm_totp(*, actor: Any, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirms an enrolled device with its first code and issues fresh backup codes.
    Returns the backup codes: they are shown once and not retrievable afterwards."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if device.confirmed:
        raise ValidationError(_("This authenticator is already confirmed."))
    code = (code or "").strip().replace(" ", "")
    allowed, info = device.verify_is_allowed()
    if not allowed:
        raise ValidationError({"code": throttle_message(info)})
    if not (code.isdigit() and device.verify_token(code)):
        raise ValidationError(
            {
                "code": _(
                    "This code is not right. Check the time on your phone and enter the "
                    "code shown now."
                )
            }
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _new_backup_codes(user)
    record(
        "accounts.otp.confirm",
        obj=user,
        actor=actor,
        after={"device": "totp", "backup_codes": len(codes)},
    )
    return codes


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < BACKUP_CODE_COUNT:
        token = StaticToken.random_token()
        if token not in codes:
            codes.append(token)
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def throttle_message(info: dict[str, Any] | None) -> str:
    until = (info or {}).get("locked_until")
    if until is None:
        return _("Too many wrong codes. Wait a moment and try again.")
    seconds = max(int((until - timezone.now()).total_seconds()) + 1, 1)
    return _("Too many wrong codes. Wait %(seconds)d seconds and try again.") % {"seconds": seconds}


@transaction.atomic
def reset_second_factor(*, actor: Any, user: User, reason: str) -> int:
    """Removes every second-factor device of ``user`` (authenticator and backup codes). The
    user enrols a new authenticator at the next sign-in; sessions verified with the removed
    device are no longer verified. Returns the number of devices removed."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the reset.")})
    totp_count, _details = TOTPDevice.objects.filter(user=user).delete()
    static_devices = StaticDevice.objects.filter(user=user)
    static_count = static_devices.count()
    static_devices.delete()
    record(
        "accounts.otp.reset",
        obj=user,
        actor=actor,
        reason=reason.strip(),
        after={"devices_removed": totp_count + static_count},
    )
    return totp_count + static_count


# --- API tokens -----------------------------------------------------------------------------


@transaction.atomic
def issue_api_token(
    *, actor: Any, user: User, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Issues a bearer token for ``user``. Returns the token and its secret; only a hash of
    the secret is stored, so this is the one time it can be shown."""
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the token a name (what uses it).")
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = _("The expiry must be in the future.")
    if not user.is_active:
        errors["user"] = _("This account is disabled.")
    if errors:
        raise ValidationError(errors)
    while True:
        prefix, secret = ApiToken.new_secret()
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=prefix,
        digest=ApiToken.hash_secret(secret),
        expires_at=expires_at,
    )
    record(
        "accounts.token.issue",
        obj=token,
        actor=actor,
        after={
            "user": user.username,
            "name": token.name,
            "prefix": prefix,
            "expires_at": expires_at,
        },
    )
    return token, secret


@transaction.atomic
def revoke_api_token(*, actor: Any, token: ApiToken, reason: str = "") -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ValidationError(_("This token has already been revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(
        "accounts.token.revoke",
        obj=token,
        actor=actor,
        reason=reason,
        after={"prefix": token.prefix, "revoked_at": token.revoked_at},
    )
    return token


class TokenRefused(Exception):
    """An API token that does not authenticate; ``code`` says why (for the API's errors)."""

    def __init__(self, message: str, code: str = "invalid_token") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


_TOKEN_RE = re.compile(
    rf"^tl_(?P<prefix>[0-9a-f]{{{ApiToken.PREFIX_LENGTH}}})_[A-Za-z0-9_-]{{16,200}}$"
)


def find_token(secret: str) -> ApiToken:
    """The usable token for ``secret``; raises :class:`TokenRefused` naming what is wrong.

    Looked up by its public prefix, then compared by SHA-256 digest in constant time, so
    neither the lookup nor the comparison tells an attacker how close a guess was."""
    match = _TOKEN_RE.match((secret or "").strip())
    if match is None:
        raise TokenRefused(
            _("This is not a taxlight API token (they look like “tl_<prefix>_<secret>”).")
        )
    token = ApiToken.objects.select_related("user").filter(prefix=match["prefix"]).first()
    digest = ApiToken.hash_secret(secret.strip())
    expected = token.digest if token is not None else "0" * 64
    if not hmac.compare_digest(expected, digest) or token is None:
        raise TokenRefused(_("This API token is not valid."))
    if token.revoked_at is not None:
        raise TokenRefused(_("This API token has been revoked."), code="token_revoked")
    if not token.is_usable():
        raise TokenRefused(_("This API token has expired."), code="token_expired")
    if not token.user.is_active:
        raise TokenRefused(_("The account of this API token is disabled."), code="account_disabled")
    return token


def touch_token(token: ApiToken) -> None:
    """Notes the token's use, at most once a minute (bookkeeping, not audited)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def authenticate_token(secret: str) -> ApiToken | None:
    """The usable token whose secret is ``secret`` (its user active), or None; marks it
    used."""
    try:
        token = find_token(secret)
    except TokenRefused:
        return None
    touch_token(token)
    return token
