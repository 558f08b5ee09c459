"""The ``kefu`` command: serve, migrate, demo, users, tokens, import/export, jobs."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import subprocess
import sys
import time


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django
    from django.apps import apps

    # Once: django.setup() also configures logging again, binding the console handler to
    # whatever sys.stderr is at that moment (in the tests, one test's capture, closed after
    # it: every later log line then failed with "I/O operation on closed file").
    if not apps.ready:
        django.setup()


def cmd_migrate(args) -> int:
    from django.core.management import call_command

    from kefu.workflow.defaults import ensure_defaults

    call_command("migrate", interactive=False, verbosity=1 if args.verbose else 0)
    from kefu.surveys.defaults import ensure_defaults as ensure_survey_defaults

    for created in [*ensure_defaults(), *ensure_survey_defaults()]:
        print(f"created {created}")
    print("database is up to date")
    return 0


def cmd_serve(args) -> int:
    """gunicorn (production WSGI server) plus the huey consumer, supervised together."""
    from django.conf import settings

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="kefu.settings")
    procs: list[subprocess.Popen] = []
    web = [sys.executable, "-m", "gunicorn", "kefu.wsgi:application",
           "--bind", f"{args.host}:{args.port}", "--workers", str(args.workers),
           "--worker-class", "sync", "--access-logfile", "-" if args.access_log else "/dev/null",
           "--timeout", "60", "--graceful-timeout", "10", "--keep-alive", "5"]
    procs.append(subprocess.Popen(web, env=env))
    if not args.no_worker:
        procs.append(subprocess.Popen([sys.executable, "-m", "kefu.cli", "worker"], env=env))
    mode = "Redis" if settings.REDIS_URL else "SQLite"
    print(f"kefu is serving on http://{args.host}:{args.port}/ "
          f"({args.workers} web workers{'' if args.no_worker else ', background worker on ' + mode})",
          flush=True)

    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    code = 0
    try:
        while not stopping:
            for p in procs:
                if p.poll() is not None:
                    print(f"kefu: process {p.args[2]} exited with {p.returncode}; stopping",
                          file=sys.stderr)
                    code = p.returncode or 1
                    stopping = True
            time.sleep(0.5)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.time() + 15
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                p.kill()
    return code


def cmd_worker(args) -> int:
    from django.core.management import call_command

    call_command("run_huey")
    return 0


def cmd_demo(args) -> int:
    from kefu.demo.build import build_demo

    summary = build_demo(size=args.size, seed=args.seed)
    for line in summary:
        print(line)
    return 0


def cmd_createuser(args) -> int:
    from django.db import transaction

    from kefu.accounts.models import Branch, Team
    from kefu.accounts.services import user_create
    from kefu.core.errors import ApplicationError
    from kefu.customers.models import Customer

    username = args.username or args.username_opt
    if not username:
        print("error: give a user name (kefu createuser NAME --role ROLE)", file=sys.stderr)
        return 2
    password = args.password
    if password is None and not args.no_password:
        if not sys.stdin.isatty():
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
    try:
        branch = Branch.objects.get(code=args.branch) if args.branch else None
        teams = [Team.objects.get(code=c) for c in args.team]
        customer = None
        if args.customer is not None:
            if args.role != "customer":
                raise ApplicationError("invalid_role", "--customer needs --role customer")
            customer = Customer.objects.get(pk=args.customer)
            if customer.user_id:
                raise ApplicationError("customer_has_user", "that customer already has a login")
        with transaction.atomic():
            user = user_create(username=username, password=password, role=args.role,
                               display_name=args.name or "", email=args.email or "",
                               language=args.language, branch=branch, teams=teams)
            if customer is not None:
                customer.user = user
                customer.save(update_fields=["user"])
    except (ApplicationError, Branch.DoesNotExist, Team.DoesNotExist,
            Customer.DoesNotExist) as exc:
        print(f"error: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    print(f"created {user.role} {user.username} (id {user.pk})")
    return 0


def cmd_token(args) -> int:
    from kefu.accounts.models import User
    from kefu.accounts.services import token_create

    user = User.objects.filter(username=args.user).first()
    if user is None:
        print(f"error: no user named {args.user!r}", file=sys.stderr)
        return 1
    _token, raw = token_create(user=user, name=args.name or "cli")
    print(raw)
    return 0


def cmd_import(args) -> int:
    from django.utils import translation

    from kefu.core.importing import ImportFailed, report_import_failure
    from kefu.customers.importer import import_customers_csv

    try:
        with translation.override(args.language):
            result = import_customers_csv(args.file, encoding=args.encoding,
                                          progress=not args.no_progress)
    except ImportFailed as exc:
        return report_import_failure(exc)
    print(f"imported {result.created} new and updated {result.updated} customers")
    return 0


def cmd_export(args) -> int:
    from kefu.tickets.export import export_tickets

    count = export_tickets(fmt=args.format, output=args.output, status=args.status)
    print(f"exported {count} tickets", file=sys.stderr)
    return 0


def cmd_jobs(args) -> int:
    from django.conf import settings

    from kefu.tickets import tasks

    days = args.days if args.days is not None else settings.AUTO_CLOSE_DAYS
    if args.enqueue:
        result = tasks.auto_close_now(days)
        print(f"queued job {result.id}")
        return 0
    print(f"closed {tasks.auto_close_now.call_local(days)} tickets")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kefu", description="kefu (客服) customer service")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the web server and the background worker")
    p.add_argument("--host", default=os.environ.get("KEFU_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("KEFU_PORT", "8000")))
    p.add_argument("--workers", type=int, default=int(os.environ.get("KEFU_WEB_WORKERS", "2")))
    p.add_argument("--no-worker", action="store_true", help="do not start the background worker")
    p.add_argument("--access-log", action="store_true")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run only the background worker (huey consumer)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", help="create or upgrade the database")
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="load the demo company (idempotent)")
    p.add_argument("--size", choices=["small", "large"], default="small")
    p.add_argument("--seed", type=int, default=20261123)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("createuser", help="create a user")
    p.add_argument("username", nargs="?")
    p.add_argument("--username", dest="username_opt", metavar="NAME")
    p.add_argument("--customer", type=int, help="customer id a portal user (role customer) acts for")
    p.add_argument("--role", required=True,
                   choices=["customer", "agent", "supervisor", "admin", "auditor"])
    p.add_argument("--password", help="read from stdin/prompt when omitted")
    p.add_argument("--no-password", action="store_true", help="API-only user")
    p.add_argument("--name")
    p.add_argument("--email")
    p.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])
    p.add_argument("--branch")
    p.add_argument("--team", action="append", default=[])
    p.set_defaults(func=cmd_createuser)

    p = sub.add_parser("token", help="API tokens")
    tsub = p.add_subparsers(dest="token_command", required=True)
    t = tsub.add_parser("create", help="create a token and print it (shown only once)")
    t.add_argument("--user", required=True)
    t.add_argument("--name")
    t.set_defaults(func=cmd_token)

    p = sub.add_parser("import", help="import data")
    isub = p.add_subparsers(dest="import_command", required=True)
    i = isub.add_parser("customers", help="import customers from a CSV file")
    i.add_argument("file")
    i.add_argument("--encoding", default="utf-8-sig")
    i.add_argument("--no-progress", action="store_true")
    i.add_argument("--language", choices=["en", "zh-hans"], default="en",
                   help="language of the error messages")
    i.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export data")
    esub = p.add_subparsers(dest="export_command", required=True)
    e = esub.add_parser("tickets", help="export tickets as CSV or XLSX")
    e.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    e.add_argument("--output", "-o", help="file to write (default: stdout for CSV)")
    e.add_argument("--status", action="append", default=[])
    e.set_defaults(func=cmd_export)

    p = sub.add_parser("jobs", help="run background jobs by hand")
    jsub = p.add_subparsers(dest="jobs_command", required=True)
    j = jsub.add_parser("auto-close", help="close tickets resolved more than N days ago")
    j.add_argument("--days", type=int)
    j.add_argument("--enqueue", action="store_true", help="queue it for the worker instead")
    j.set_defaults(func=cmd_jobs)
    from kefu.insights.cli import add_parser as add_insights_parser

    add_insights_parser(sub)
    from kefu.conversations.cli import add_parser as add_mail_parser

    add_mail_parser(sub)
    from kefu.surveys.cli import add_parser as add_surveys_parser

    add_surveys_parser(sub)
    from kefu.analytics.cli import add_parser as add_analytics_parser

    add_analytics_parser(sub)
    from kefu.analytics.cli_reports import add_parser as add_reports_parser

    add_reports_parser(sub)
    from kefu.proactive.cli import add_parser as add_proactive_parser

    add_proactive_parser(sub)
    from kefu.core.cli_secrets import add_parser as add_secrets_parser

    add_secrets_parser(sub)
    from kefu.knowledge.cli import add_parser as add_search_parser

    add_search_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_django()
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
