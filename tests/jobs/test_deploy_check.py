"""Production settings: `manage.py check --deploy` is silent, and a missing SECRET_KEY stops
the process with a clear error."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

PROJECT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path) -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        database_url = (
            f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        )
    else:
        database_url = f"sqlite:///{tmp_path / 'production.sqlite3'}"
    # The test run's own environment, minus what a production host must not have.
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "SMS_BACKEND", "EMAIL_BACKEND"}
    }
    env.update(
        {
            "TAXLIGHT_ENV": "production",
            "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(60)),
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
            "ALLOWED_HOSTS": "tax.example.cn",
            "CSRF_TRUSTED_ORIGINS": "https://tax.example.cn",
            "SMS_HTTP_URL": "https://sms.example.cn/api/send",
            "SMS_CALLBACK_SECRET": secrets.token_urlsafe(32),
            "TAXLIGHT_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "taxlight.settings",
            "PYTHONPATH": os.pathsep.join([str(PROJECT / "src"), str(PROJECT)]),
        }
    )
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_check_deploy_reports_no_issues_with_production_settings(tmp_path: Path) -> None:
    done = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_required_setting(
    tmp_path: Path, missing: str
) -> None:
    env = production_env(tmp_path)
    del env[missing]

    done = manage(env, "check")

    assert done.returncode != 0
    assert (
        f"ImproperlyConfigured: {missing} must be set when TAXLIGHT_ENV=production" in done.stderr
    )
    assert "no issues" not in done.stdout


def test_production_refuses_an_http_sms_backend_without_its_url(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["SMS_HTTP_URL"]

    done = manage(env, "check")

    assert done.returncode != 0
    assert "SMS_HTTP_URL and SMS_CALLBACK_SECRET must be set" in done.stderr
