"""Serves taxlight in embedded mode: Django's server plus the in-process job scheduler."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from taxlight.jobs.embedded import start


class Command(BaseCommand):
    help = (
        "Serve taxlight in embedded mode (SQLite, no Redis): the web server and the periodic "
        "jobs in one process. Production uses gunicorn, celery worker and celery beat "
        "(docs/deploy.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.EMBEDDED_JOBS:
            raise CommandError(
                "`serve` is for embedded mode only (no REDIS_URL). In production run the web "
                "application with gunicorn (taxlight.wsgi) and the jobs with `taxlight worker` "
                "and `taxlight beat`: see docs/deploy.md."
            )
        scheduler = start()
        self.stdout.write(
            f"Background jobs run in-process: {', '.join(e.name for e in scheduler.entries)}"
        )
        try:
            call_command(
                "runserver",
                f"{options['host']}:{options['port']}",
                use_reloader=False,
                use_threading=True,
            )
        finally:
            scheduler.stop()
