"""``kefu surveys …``: responses in and out, rollups, the survey jobs by hand.

    kefu surveys import FILE [--encoding gbk] [--format csv|xlsx]
    kefu surveys export [--format csv|xlsx] [-o FILE] [--instrument CODE] [--wave ID] [--since ISO]
    kefu surveys rollups [--instrument CODE]     # rebuild the rollups from the raw answers
    kefu surveys jobs                           # CSAT invitations due, unsent invitations, reminders

``import`` checks every row first and writes nothing when any is wrong; each error names
the row and the column (exit code 1). See kefu/surveys/importer.py for the columns.
"""

from __future__ import annotations

import sys
from datetime import datetime


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("surveys", help="survey responses: import, export, rollups, jobs")
    sub = p.add_subparsers(dest="surveys_command", required=True)
    i = sub.add_parser("import", help="import responses from CSV or XLSX (nothing on error)")
    i.add_argument("file")
    i.add_argument("--encoding", default="utf-8-sig", help="CSV encoding, e.g. gbk")
    i.add_argument("--format", choices=["csv", "xlsx"], help="default: by the file's extension")
    i.add_argument("--language", choices=["en", "zh-hans"], default="en",
                   help="language of the error messages")
    i.add_argument("--no-progress", action="store_true")
    i.set_defaults(func=cmd_import)
    e = sub.add_parser("export", help="export responses, one row per answer")
    e.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    e.add_argument("--output", "-o", help="file to write (default: stdout for CSV)")
    e.add_argument("--instrument", help="only this instrument (code)")
    e.add_argument("--wave", type=int, help="only this wave (id)")
    e.add_argument("--since", help="only responses submitted since (ISO 8601)")
    e.set_defaults(func=cmd_export)
    r = sub.add_parser("rollups", help="rebuild the rollups from the raw answers")
    r.add_argument("--instrument", help="only this instrument (code)")
    r.set_defaults(func=cmd_rollups)
    j = sub.add_parser("jobs", help="run the survey jobs now: CSAT invitations due, unsent "
                                    "invitations, reminders")
    j.set_defaults(func=cmd_jobs)


def cmd_import(args) -> int:
    from django.utils import translation

    from kefu.core.importing import ImportFailed, report_import_failure

    from .importer import import_responses

    try:
        with translation.override(args.language):
            result = import_responses(args.file, encoding=args.encoding, fmt=args.format,
                                      progress=not args.no_progress)
    except ImportFailed as exc:
        return report_import_failure(exc)
    print(f"imported {result.responses} responses ({result.answers} answers)")
    return 0


def cmd_export(args) -> int:
    from .export import export_responses

    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            print(f"error: --since: not an ISO 8601 date or time: {args.since!r}",
                  file=sys.stderr)
            return 2
        if since.tzinfo is None:
            from django.utils import timezone

            since = timezone.make_aware(since)
    count = export_responses(fmt=args.format, output=args.output, instrument=args.instrument,
                             wave=args.wave, since=since)
    print(f"exported {count} answers", file=sys.stderr)
    return 0


def cmd_rollups(args) -> int:
    from .models import Instrument
    from .rollups import rebuild

    instrument_id = None
    if args.instrument:
        instrument_id = Instrument.objects.filter(code=args.instrument).values_list(
            "pk", flat=True).first()
        if instrument_id is None:
            print(f"error: no instrument {args.instrument!r}", file=sys.stderr)
            return 1
    print(f"rebuilt {rebuild(instrument_id)} rollup rows")
    return 0


def cmd_jobs(args) -> int:
    from .services.invitations import csat_invite_due, remind_due, send_pending

    created = csat_invite_due()
    pending = send_pending()
    reminded = remind_due()
    print(f"CSAT invitations: {created}; sent: {pending['sent']} "
          f"(undeliverable {pending['undeliverable']}); reminders: {reminded}")
    return 0
