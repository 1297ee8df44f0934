from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxlight.audit.checkpoints import check_anchors
from taxlight.audit.services import verify


class Command(BaseCommand):
    help = "Checks the whole audit ledger's hash chain; names the first broken entry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchors", type=Path, help="also compare with an anchor file of checkpoints"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify()
        if not result.ok:
            raise CommandError(str(result))
        if options["anchors"]:
            problems = check_anchors(options["anchors"])
            if problems:
                raise CommandError("; ".join(problems))
        self.stdout.write(self.style.SUCCESS(str(result)))
