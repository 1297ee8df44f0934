"""The `taxlight` console script (taxlight.cli)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from taxlight.audit.models import LedgerEntry
from taxlight.cli import main
from taxlight.org.models import Officer

PROJECT = Path(__file__).resolve().parents[2]


def test_help_lists_the_operator_commands() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "taxlight.cli", "--help"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(PROJECT / "src")},
    )

    assert done.returncode == 0
    for command in (
        "migrate",
        "demo",
        "serve",
        "audit",
        "org",
        "worker",
        "beat",
        "check",
        "manage",
    ):
        assert f"    {command} " in done.stdout


@pytest.mark.django_db(transaction=True)  # manage.py closes connections after a command
def test_org_load_and_audit_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: Any
) -> None:
    settings.ANALYTICS_DIR = tmp_path / "analytics"  # `org load` imports through the
    settings.EXTRACT_IMPORTS_DIR = tmp_path / "imports"  # extract importer
    units = tmp_path / "units.csv"
    units.write_text("unit_code,name,parent_code,kind\nB,示范市税务局,,bureau\n", "utf-8")
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "officer_id,name,unit_code,post_code,certified_until,active\nS1,张伟,B,LEADER,,true\n",
        "utf-8",
    )

    assert main(["org", "load", str(units), str(staff)]) == 0
    assert Officer.objects.filter(officer_id="S1").exists()
    assert main(["audit", "verify"]) == 0
    assert (
        f"ledger intact: {LedgerEntry.objects.count()} entries checked" in capsys.readouterr().out
    )


@pytest.mark.django_db(transaction=True)  # manage.py closes connections after a command
def test_a_failing_command_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["org", "load", str(tmp_path / "none.csv"), str(tmp_path / "none2.csv")])

    assert exited.value.code == 1
    assert "none.csv: cannot be read" in capsys.readouterr().err


def test_manage_and_check_pass_their_arguments_on(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--tag", "models"]) == 0
    assert "no issues" in capsys.readouterr().out
    assert main(["manage", "check", "--tag", "urls"]) == 0
    assert "no issues" in capsys.readouterr().out


def test_worker_and_beat_need_redis(settings: object, capsys: pytest.CaptureFixture[str]) -> None:
    settings.EMBEDDED_JOBS = True  # type: ignore[attr-defined]

    assert main(["worker"]) == 2
    assert "REDIS_URL is not set" in capsys.readouterr().err
    assert main(["beat"]) == 2


def test_serve_refuses_production_mode(settings: object) -> None:
    settings.EMBEDDED_JOBS = False  # type: ignore[attr-defined]

    with pytest.raises(CommandError, match="gunicorn"):
        call_command("serve")


@pytest.mark.django_db
def test_extract_actions_reach_their_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "city"
    args = ["generate", str(out), "--taxpayers", "60", "--years", "1", "--seed", "3", "--quiet"]
    assert main(["extract", *args]) == 0
    assert (out / "manifest.json").exists()
    assert (tmp_path / "city.labels").is_dir()


def test_extract_without_an_action_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["extract"])
    assert exc.value.code == 2
    assert "generate" in capsys.readouterr().err
