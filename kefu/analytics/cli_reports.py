"""``kefu reports weekly``: preview or send the weekly service-quality reports by hand.

    kefu reports weekly                     # print last week's report of every subscription
    kefu reports weekly --to USER           # only USER's (a one-off report of what they may
                                            # see when they have no subscription)
    kefu reports weekly --send [--to USER]  # queue and send them now (once per week and
                                            # subscription; --again sends once more)
    kefu reports weekly --week 2026-11-30   # the week containing that day (default: last week)
"""

from __future__ import annotations

import sys
from datetime import date


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("reports", help="weekly e-mail reports to managers")
    sub = p.add_subparsers(dest="reports_command", required=True)
    w = sub.add_parser("weekly", help="preview (default) or send the weekly reports")
    w.add_argument("--send", action="store_true", help="queue and send the e-mails now")
    w.add_argument("--to", metavar="USER", help="only this user's reports (username)")
    w.add_argument("--week", metavar="YYYY-MM-DD", help="a day of the week to report")
    w.add_argument("--again", action="store_true",
                   help="with --send: send again reports already sent for that week")
    w.set_defaults(func=cmd_weekly)


def _week(raw: str | None) -> date | None:
    from . import weekly

    if not raw:
        return weekly.last_week()
    try:
        return weekly.monday_of(date.fromisoformat(raw.strip()))
    except ValueError:
        return None


def cmd_weekly(args) -> int:
    from kefu.accounts.models import User
    from kefu.conversations.sending import send_outbound
    from kefu.core.errors import ApplicationError

    from . import weekly
    from .models import ReportSubscription

    monday = _week(args.week)
    if monday is None:
        print(f"error: --week: not a date written YYYY-MM-DD: {args.week!r}", file=sys.stderr)
        return 1
    subs = list(ReportSubscription.objects.filter(active=True, user__is_active=True)
                .select_related("user", "branch", "team").order_by("user__username", "pk"))
    if args.to is not None:
        user = User.objects.filter(username=args.to).first()
        if user is None:
            print(f"error: --to: no user {args.to!r}", file=sys.stderr)
            return 1
        subs = [s for s in subs if s.user_id == user.pk] or [weekly.default_subscription(user)]
    if not subs:
        print("no active subscriptions", file=sys.stderr)
        return 0
    failures = 0
    for sub in subs:
        label = f"{sub.user.username} · {sub.scope}" + (
            f" {sub.branch.code}" if sub.branch_id else "") + (
            f" {sub.team.code}" if sub.team_id else "")
        try:
            if not args.send:
                subject, text, _html = weekly.report_for(sub, monday)
                print(f"=== {label} <{sub.user.email or '-'}>\nSubject: {subject}\n\n{text}")
                continue
            row = (weekly.send_report(sub.pk, monday, force=args.again) if sub.pk
                   else weekly.send_one_off(sub, monday))
        except ApplicationError as exc:
            print(f"error: {label}: {exc.message}", file=sys.stderr)
            failures += 1
            continue
        if row is None:
            print(f"{label}: not sent (already sent for the week of {monday}, or no address)")
            continue
        state = send_outbound(row.pk)
        print(f"{label}: e-mail #{row.pk} to {row.to_address}: {state}")
        failures += state not in ("sent", "already_sent")
    return 1 if failures else 0
