"""Ticket figures: aggregate queries over the tickets of the period (by creation time, in
the business time zone), the filter's slice and the viewer's scope — each one grouped
query, whatever the number of tickets.

Indexes: the period walks ``tk_created`` (``-created_at, -id``); a branch filter or a
branch supervisor's scope can use ``tk_branch_upd`` (branch first), a team filter
``tk_team_status_upd`` (team first); the per-ticket look-ups of the resolution figures
(reopen events, staff replies) use the ``(ticket, created_at)`` indexes of
``tickets_ticketevent`` and ``tickets_message``; the SLA figures join ``workflow_ticketsla``
by its primary key (the ticket id). Internal tickets are left out everywhere.

- ``complaint_pareto(f)``: complaints per category, largest first, with cumulative shares
  (the "vital few" reach 80 %);
- ``sla(f)``: per team and in all, the first-response and resolution targets met, breached
  and still running, and the share of tickets with no breach at all;
- ``resolution(f)``: per team and in all, first-contact resolution (resolved, never
  reopened, with at most one public staff reply, of the resolved tickets) and the reopen
  rate (tickets reopened at least once, of the tickets ever resolved), with Wilson
  intervals and the sample sizes.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kefu.accounts.models import Team
from kefu.tickets import rules
from kefu.tickets.models import Category, Message, Ticket, TicketEvent

from ._common import wilson
from .filters import DashboardFilter

#: The 80 % line of the Pareto chart.
PARETO_LINE = 80.0


def base(f: DashboardFilter):
    return f.tickets(Ticket.objects.exclude(type=rules.Type.INTERNAL))


def rate(x: int, n: int, min_n: int) -> dict | None:
    """A share in % with Wilson's 95 % interval, flagged below ``min_n``."""
    if not n:
        return None
    if not 0 <= x <= n:
        raise ValueError(f"{x} of {n}")
    lo, hi = wilson(x, n)
    return {"value": round(100 * x / n, 1), "ci95": [round(100 * lo, 1), round(100 * hi, 1)],
            "x": x, "n": n, "status": "ok" if n >= min_n else "insufficient_data"}


def _team_names(ids) -> dict[int, str]:
    return {t.pk: t.label for t in Team.objects.filter(pk__in=[i for i in ids if i])}


# --- complaints ---------------------------------------------------------------------------------

def complaint_pareto(f: DashboardFilter) -> dict:
    rows = list(base(f).filter(type=rules.Type.COMPLAINT).values("category_id")
                .annotate(n=Count("pk")).order_by("-n", "category_id"))
    names = {c.pk: c.label for c in Category.objects.filter(
        pk__in=[r["category_id"] for r in rows if r["category_id"]])}
    total = sum(r["n"] for r in rows)
    out, running = [], 0
    for r in rows:
        running += r["n"]
        out.append({"category": r["category_id"],
                    "name": names.get(r["category_id"], _("Uncategorised")),
                    "count": r["n"], "share": round(100 * r["n"] / total, 1),
                    "cumulative": round(100 * running / total, 1)})
    vital = 0
    for row in out:
        vital += 1
        if row["cumulative"] >= PARETO_LINE:
            break
    return {"period": _period(f), "total": total, "categories": out,
            "vital_few": vital if out else 0, "line": PARETO_LINE}


def _period(f: DashboardFilter) -> dict:
    return {"start": f.start.isoformat(), "end": f.end.isoformat()}


# --- SLA ------------------------------------------------------------------------------------------

def sla(f: DashboardFilter) -> dict:
    """Per target: *met* (done, not breached, on a ticket with an SLA), *breached* (flagged
    by the SLA job), *running* (due, not done, not breached); compliance = met / (met +
    breached). Every breached ticket has an SLA record, so no share can exceed its base."""
    has_sla = Q(sla__isnull=False)
    fr_breached = Q(sla__first_response_breached=True)
    res_breached = Q(sla__resolution_breached=True)
    any_breach = (fr_breached | Q(sla__next_update_breached=True) | res_breached
                  | Q(sla__sunset_breached=True))
    fr_due = Q(first_response_due__isnull=False)
    res_due = Q(resolution_due__isnull=False)
    rows = (base(f).values("team_id").annotate(
        tickets=Count("pk"),
        with_sla=Count("pk", filter=has_sla | fr_due | res_due),
        breached=Count("pk", filter=any_breach),
        fr_met=Count("pk", filter=(has_sla | fr_due) & Q(first_response_at__isnull=False)
                     & ~fr_breached),
        fr_breached=Count("pk", filter=fr_breached),
        fr_running=Count("pk", filter=fr_due & Q(first_response_at__isnull=True) & ~fr_breached),
        res_met=Count("pk", filter=(has_sla | res_due) & Q(resolved_at__isnull=False)
                      & ~res_breached),
        res_breached=Count("pk", filter=res_breached),
        res_running=Count("pk", filter=res_due & Q(resolved_at__isnull=True) & ~res_breached),
    ).order_by("team_id"))
    rows = list(rows)
    names = _team_names(r["team_id"] for r in rows)
    keys = ("tickets", "with_sla", "breached", "fr_met", "fr_breached", "fr_running", "res_met",
            "res_breached", "res_running")
    total = {k: sum(r[k] for r in rows) for k in keys}

    def shape(r, name, team_id):
        decided_fr = r["fr_met"] + r["fr_breached"]
        decided_res = r["res_met"] + r["res_breached"]
        return {"team": team_id, "name": name, "tickets": r["tickets"], "with_sla": r["with_sla"],
                "no_breach": rate(r["with_sla"] - r["breached"], r["with_sla"], f.min_n),
                "first_response": {"met": r["fr_met"], "breached": r["fr_breached"],
                                   "running": r["fr_running"],
                                   "compliance": rate(r["fr_met"], decided_fr, f.min_n)},
                "resolution": {"met": r["res_met"], "breached": r["res_breached"],
                               "running": r["res_running"],
                               "compliance": rate(r["res_met"], decided_res, f.min_n)}}

    return {"period": _period(f), "min_n": f.min_n,
            "teams": [shape(r, names.get(r["team_id"], "—"), r["team_id"]) for r in rows],
            "total": shape(total, _("All teams"), None)}


# --- first-contact resolution and reopen rate ---------------------------------------------------

def reopened_exists():
    # the kind before the JSON test: SQLite evaluates the terms in this order, so only the
    # status events' data is parsed (keyword arguments would come sorted, JSON first)
    return Exists(TicketEvent.objects.filter(ticket=OuterRef("pk"), kind="status")
                  .filter(data__reopened=True))


def staff_replies():
    return Coalesce(Subquery(
        Message.objects.filter(ticket=OuterRef("pk"), visibility="public", from_customer=False)
        .order_by().values("ticket").annotate(c=Count("pk")).values("c")[:1],
        output_field=IntegerField()), Value(0))


RESOLVED = Q(status__in=(rules.Status.RESOLVED, rules.Status.CLOSED))


def resolution_annotated(qs):
    return qs.annotate(was_reopened=reopened_exists(), replies=staff_replies())


def fcr_q() -> Q:
    """Resolved on first contact (on a queryset from ``resolution_annotated``)."""
    return RESOLVED & Q(was_reopened=False) & Q(replies__lte=1)


def resolution(f: DashboardFilter) -> dict:
    """One statement: the period's tickets with their two per-ticket facts (reopened ever?
    public staff replies?) in a derived table, counted per team outside it — so each fact
    is looked up once per ticket (written inline, the ORM would repeat the EXISTS in every
    FILTER that uses it)."""
    inner = resolution_annotated(base(f)).values("team_id", "status", "was_reopened",
                                                 "replies")
    sql, params = inner.query.sql_with_params()
    done = (rules.Status.RESOLVED.value, rules.Status.CLOSED.value)
    resolved = "t.status IN (%s, %s)"
    # MATERIALIZED: SQLite would otherwise flatten the derived table and repeat the EXISTS
    # in every SUM (PostgreSQL ≥ 12 and SQLite ≥ 3.35 know the keyword)
    outer = (
        f"WITH t AS MATERIALIZED ({sql}) "
        "SELECT t.team_id, COUNT(*), "
        f"SUM(CASE WHEN {resolved} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {resolved} AND NOT t.was_reopened AND t.replies <= 1 THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {resolved} OR t.was_reopened THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN t.was_reopened THEN 1 ELSE 0 END) "
        "FROM t GROUP BY t.team_id ORDER BY t.team_id")
    with connections[inner.db].cursor() as cursor:
        cursor.execute(outer, [*params, *done, *done, *done])
        fetched = cursor.fetchall()
    keys = ("tickets", "resolved", "fcr", "ever_resolved", "reopened")
    rows = [{"team_id": row[0], **{k: int(v or 0) for k, v in zip(keys, row[1:], strict=True)}}
            for row in fetched]
    names = _team_names(r["team_id"] for r in rows)
    keys = ("tickets", "resolved", "fcr", "ever_resolved", "reopened")
    total = {k: sum(r[k] for r in rows) for k in keys}

    def shape(r, name, team_id):
        return {"team": team_id, "name": name, "tickets": r["tickets"],
                "resolved": r["resolved"],
                "fcr": rate(r["fcr"], r["resolved"], f.min_n),
                "reopen": rate(r["reopened"], r["ever_resolved"], f.min_n)}

    return {"period": _period(f), "min_n": f.min_n,
            "teams": [shape(r, names.get(r["team_id"], "—"), r["team_id"]) for r in rows],
            "total": shape(total, _("All teams"), None)}
