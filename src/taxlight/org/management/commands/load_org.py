from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxlight.core.context import acting
from taxlight.org.loading import LoadError, load


class Command(BaseCommand):
    help = (
        "Loads the units and staff tables of a source extract (CSV, UTF-8 or GB18030). "
        "All or nothing; re-loading the same files changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("units", type=Path, help="the units table (units.csv)")
        parser.add_argument("staff", type=Path, help="the staff table (staff.csv)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with acting(channel="command"):
                result = load(options["units"], options["staff"])
        except LoadError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"nothing was loaded: {len(exc.problems)} problem(s) found") from exc
        self.stdout.write(self.style.SUCCESS(str(result)))
