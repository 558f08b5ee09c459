"""``kefu proactive`` commands that use the database:

    kefu proactive import purchases FILE [--encoding gbk] [--format csv|xlsx] [--language en|zh-hans]
    kefu proactive care-lists [--date YYYY-MM-DD] [--no-score] [--no-remind]
    kefu proactive score [--date YYYY-MM-DD]

``import purchases`` checks every row first and writes nothing when any is wrong (each
error names its row; exit code 1). ``care-lists`` is the daily job by hand (idempotent).
"""

from __future__ import annotations

import json
import sys
from datetime import date


def add_care_commands(psub) -> None:
    imp = psub.add_parser("import", help="import purchases from CSV or XLSX (nothing on error)")
    isub = imp.add_subparsers(dest="import_what", required=True)
    p = isub.add_parser("purchases", help="columns: customer|customer_ref, product, date, "
                                          "quantity[, amount]")
    p.add_argument("file")
    p.add_argument("--encoding", default="utf-8-sig", help="CSV encoding, e.g. gbk")
    p.add_argument("--format", choices=["csv", "xlsx"], help="default: by the file's extension")
    p.add_argument("--language", choices=["en", "zh-hans"], default="en",
                   help="language of the error messages")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_import_purchases)
    c = psub.add_parser("care-lists", help="re-score and build today's care lists (the daily job)")
    c.add_argument("--date", help="the day to build for (default: today)")
    c.add_argument("--no-score", action="store_true", help="use the scores already computed")
    c.add_argument("--no-remind", action="store_true", help="send no run-out reminders")
    c.set_defaults(func=cmd_care_lists)
    s = psub.add_parser("score", help="refit the models and re-score every customer")
    s.add_argument("--date", help="score as of this day (default: today)")
    s.set_defaults(func=cmd_score)


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        print(f"error: --date: not a date (YYYY-MM-DD): {value!r}", file=sys.stderr)
        raise SystemExit(2)


def cmd_import_purchases(args) -> int:
    from django.utils import translation

    from kefu.core.importing import ImportFailed, report_import_failure

    from .importer import import_purchases

    try:
        with translation.override(args.language):
            result = import_purchases(args.file, encoding=args.encoding, fmt=args.format,
                                      progress=not args.no_progress)
    except ImportFailed as exc:
        return report_import_failure(exc)
    print(f"imported {result.purchases} purchases of {result.customers} customers")
    return 0


def cmd_care_lists(args) -> int:
    from .daily import run_daily

    result = run_daily(_day(args.date), score=not args.no_score, remind=not args.no_remind)
    print(json.dumps(result, ensure_ascii=False, default=str))
    return 0


def cmd_score(args) -> int:
    from .scoring import score_customers

    print(json.dumps(score_customers(_day(args.date)), ensure_ascii=False, default=str))
    return 0
