"""The ``taxlight`` command: the management commands operators use, in one place.

taxlight migrate                    apply database migrations
taxlight demo [--no-serve]          migrate, load the demo bureau, serve it
taxlight serve [--host --port]      embedded mode: web server + in-process jobs
taxlight audit verify [--anchors F] check the audit ledger's hash chain
taxlight org load UNITS STAFF       load the organisation from extract tables
taxlight extract generate OUT [...] write a generated city's extract (truth in OUT.labels/)
taxlight extract import DIR [...]   check and import a source extract
taxlight worker / taxlight beat     production: Celery worker / scheduler
taxlight check [--deploy]           Django's system checks
taxlight manage CMD [ARGS...]       any other management command (manage.py)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

SETTINGS = "taxlight.settings"


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()


def _manage(argv: Sequence[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["taxlight manage", *argv])
    return 0


def _celery(kind: str, extra: Sequence[str]) -> int:
    _django()
    from django.conf import settings

    if settings.EMBEDDED_JOBS:
        print(
            f"taxlight {kind}: REDIS_URL is not set (embedded mode). In embedded mode the jobs "
            "run inside `taxlight serve`; a Celery worker and beat need Redis (docs/deploy.md).",
            file=sys.stderr,
        )
        return 2
    args = [sys.executable, "-m", "celery", "-A", "taxlight", kind, "--loglevel=INFO"]
    if kind == "beat":
        args.append(f"--schedule={settings.VAR_DIR / 'celerybeat-schedule'}")
    os.execv(sys.executable, [*args, *extra])  # noqa: S606 (replaces this process)
    return 0  # pragma: no cover


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="taxlight",
        description="taxlight: the operator's commands. Settings come from the environment "
        "(see .env.example).",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    demo = sub.add_parser("demo", help="migrate, load the demo bureau, print logins and serve")
    demo.add_argument("--no-serve", action="store_true", help="load only, do not serve")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    serve = sub.add_parser("serve", help="embedded mode: web server with in-process jobs")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    audit = sub.add_parser("audit", help="the audit ledger")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser("verify", help="check the whole hash chain")
    verify.add_argument("--anchors", metavar="FILE", help="also compare with an anchor file")
    org = sub.add_parser("org", help="the organisation")
    org_sub = org.add_subparsers(dest="org_command", metavar="ACTION", required=True)
    load = org_sub.add_parser("load", help="load units and staff tables (CSV)")
    load.add_argument("units", metavar="UNITS")
    load.add_argument("staff", metavar="STAFF")
    # Listed for --help; their arguments are passed on untouched by main().
    for kind in ("worker", "beat"):
        sub.add_parser(
            kind,
            help=f"production: run the Celery {kind} (needs REDIS_URL; "
            "further arguments go to celery)",
        )
    sub.add_parser(
        "extract",
        help="source extracts: `extract generate OUT [--taxpayers N --years N --seed N]`, "
        "`extract import DIR [--quarantine FILE]` (see docs/data.md)",
    )
    sub.add_parser("check", help="Django's system checks (add --deploy for production)")
    sub.add_parser("manage", help="any management command: taxlight manage CMD [ARGS...]")
    return p


PASS_THROUGH = {"worker", "beat", "check", "manage"}
# `taxlight extract <action> ...`: the action's own options are the management command's.
EXTRACT_ACTIONS = {"generate": "extract_generate", "import": "extract_import"}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Commands whose arguments belong to another program are passed on untouched.
    if len(argv) >= 2 and argv[0] == "extract" and argv[1] in EXTRACT_ACTIONS:
        return _manage([EXTRACT_ACTIONS[argv[1]], *argv[2:]])
    if argv and argv[0] == "extract":
        parser().error("extract needs an action: `extract generate OUT` or `extract import DIR`")
    if argv and argv[0] in PASS_THROUGH:
        cmd, rest = argv[0], argv[1:]
        if cmd in {"worker", "beat"}:
            return _celery(cmd, rest)
        if cmd == "check":
            return _manage(["check", *rest])
        return _manage(rest or ["help"])
    args = parser().parse_args(argv)
    cmd = args.command
    if cmd == "migrate":
        return _manage(["migrate"])
    if cmd == "demo":
        return _manage(
            [
                "demo",
                f"--host={args.host}",
                f"--port={args.port}",
                *(["--no-serve"] if args.no_serve else []),
            ]
        )
    if cmd == "serve":
        return _manage(["serve", f"--host={args.host}", f"--port={args.port}"])
    if cmd == "audit":
        return _manage(["audit_verify", *(["--anchors", args.anchors] if args.anchors else [])])
    if cmd == "org":
        return _manage(["load_org", args.units, args.staff])
    raise AssertionError(cmd)  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
