"""`taxlight demo`: migrate, load the demo bureau, print the logins, serve."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from taxlight.core.context import acting
from taxlight.demo.data import DEMO_TOTP_BASE32
from taxlight.demo.services import DEFAULT_SEED, DemoResult, load_demo


def width(text: str) -> int:
    """Columns the text takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


DEMO_CITY_TAXPAYERS = 2_000
DEMO_CITY_YEARS = 2


class Command(BaseCommand):
    help = (
        "Migrate, load the demo bureau (idempotent), print the demo logins and serve "
        "http://127.0.0.1:8000 with the background jobs running in-process."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="load only, do not serve")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--taxpayers", type=int, default=300, help="how many enterprises (default 300)"
        )
        parser.add_argument(
            "--city-taxpayers",
            type=int,
            default=DEMO_CITY_TAXPAYERS,
            help=f"size of the generated city imported beside the bureau (default "
            f"{DEMO_CITY_TAXPAYERS:,}; 0 = none)",
        )
        parser.add_argument(
            "--full-city",
            action="store_true",
            help="the full-size city of the source: 13,527 taxpayers over 3 years",
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        with acting(channel="command"):
            result = load_demo(seed=options["seed"], taxpayer_count=options["taxpayers"])
        self.print_result(result)
        taxpayers = 13_527 if options["full_city"] else options["city_taxpayers"]
        if taxpayers:
            years = 3 if options["full_city"] else DEMO_CITY_YEARS
            self.load_city(taxpayers=taxpayers, years=years, seed=options["seed"])
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"])

    def load_city(self, *, taxpayers: int, years: int, seed: int) -> None:
        """Generates a city's extract once (kept under var/demo-city) and imports it: the
        taxpayers join the registry, the facts the analytics store. Re-running finds it
        already imported and changes nothing."""
        from taxlight.extract.generate import generate
        from taxlight.extract.generate.config import Config
        from taxlight.extract.services import run_import

        out = Path(settings.VAR_DIR) / "demo-city" / f"seed{seed}-{taxpayers}x{years}"
        if not (out / "manifest.json").exists():
            self.stdout.write(f"Generating a city of {taxpayers:,} taxpayers over {years} years…")
            generate(out, Config(taxpayers=taxpayers, years=years, seed=seed), force=True)
        with acting(channel="command"):
            rec = run_import(folder=out, source="demo city")
        self.stdout.write(
            f"Demo city {out.name}: import #{rec.pk} {rec.status}"
            f"{' (already imported: nothing changed)' if rec.already_imported else ''}."
        )

    def print_result(self, result: DemoResult) -> None:
        if result.changed:
            made = ", ".join(f"{n} {what}" for what, n in result.created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo bureau loaded: {made}."))
        else:
            self.stdout.write("Demo bureau already loaded: nothing to do.")
        rows = [("user", "password", "role", "scope", "where")]
        rows += [(x.username, x.password, x.role, x.scope, x.where) for x in result.logins]
        widths = [max(width(r[i]) for r in rows) for i in range(4)]
        self.stdout.write("\nDemo logins (demo only — never use these on a real system):\n")
        for row in rows:
            cells = [row[i] + " " * (widths[i] - width(row[i])) for i in range(4)]
            self.stdout.write("  " + "  ".join(cells) + "  " + row[4])
        self.stdout.write(
            "\nStaff sign in with the password, then a 6-digit code: print the current one "
            "with\n  taxlight manage otpcode USER\nor add this secret to any authenticator app "
            f"(TOTP, SHA-1, 6 digits, 30 s):\n  {DEMO_TOTP_BASE32}\n"
            "Taxpayer users sign in with the password only.\n"
        )
