"""Build every agent's care list for a day from the latest scores and forecasts, the promised
follow-ups, special dates and VIP contacts. Idempotent: an occasion (``CareTask.key``) makes
one task however often this runs; open tasks are re-ranked; open tasks whose occasion has
gone (bought already, follow-up done elsewhere, opted out) are cancelled."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from kefu.accounts.models import Role, User
from kefu.customers.models import Customer

from . import rules
from .care_settings import thresholds
from .models import (
    CareOutcome,
    CareTask,
    CustomerScore,
    OptOut,
    Product,
    RunOutForecast,
    SpecialDate,
)


def _run_out(today: date, limits: rules.Thresholds) -> list[tuple[int, rules.Occasion, int]]:
    out = []
    products = {p.pk: p for p in Product.objects.filter(active=True)}
    horizon = today + timedelta(days=max([p.lead_days for p in products.values()] or [0]))
    stale = today - timedelta(days=limits.run_out_grace_days)
    for f in RunOutForecast.objects.filter(low__lte=horizon, high__gte=stale,
                                           product_id__in=list(products)):
        product = products[f.product_id]
        cycle = (f.last_purchase or f.computed_at.date()).isoformat()
        occ = rules.run_out_occasion(product_id=product.pk, low=f.low, expected=f.date, high=f.high,
                                     today=today, lead_days=product.lead_days, cycle=cycle,
                                     product=product.code, unit=product.unit, limits=limits)
        if occ:
            out.append((f.customer_id, occ, product.pk))
    return out


def _churn(today: date, limits: rules.Thresholds) -> list[tuple[int, rules.Occasion, None]]:
    out = []
    rows = CustomerScore.objects.filter(prob_alive__lt=1 - limits.churn_risk + 1e-9, frequency__gte=1)
    for s in rows.only("customer_id", "prob_alive", "frequency", "last_purchase"):
        occ = rules.churn_occasion(prob_alive=s.prob_alive, frequency=s.frequency,
                                   last_purchase=s.last_purchase, today=today, limits=limits)
        if occ:
            out.append((s.customer_id, occ, None))
    return out


def _follow_ups(today: date, limits: rules.Thresholds) -> list[tuple[int, rules.Occasion, None, int, int]]:
    from kefu.workflow.models import FollowUp

    tz = timezone.get_current_timezone()
    out = []
    rows = FollowUp.objects.filter(done_at__isnull=True,
                                   due_at__lt=timezone.make_aware(datetime.combine(
                                       today + timedelta(days=limits.follow_up_days + 1), time.min), tz))
    for f in rows.only("pk", "customer_id", "due_at", "purpose", "ticket_id", "assigned_to_id"):
        occ = rules.follow_up_occasion(follow_up_id=f.pk, due=timezone.localtime(f.due_at, tz).date(),
                                       today=today, purpose=f.purpose, ticket_id=f.ticket_id,
                                       limits=limits)
        if occ:
            out.append((f.customer_id, occ, None, f.pk, f.assigned_to_id))
    return out


def _special_dates(today: date, limits: rules.Thresholds) -> list[tuple[int, rules.Occasion, None]]:
    out = []
    for s in SpecialDate.objects.all().only("pk", "customer_id", "kind", "date", "note").iterator():
        occ = rules.date_occasion(special_id=s.pk, kind=s.kind, anchor=s.date, today=today,
                                  note=s.note, limits=limits)
        if occ:
            out.append((s.customer_id, occ, None))
    return out


def last_contacts(customer_ids) -> dict[int, date]:
    """The day of each customer's latest ticket or reached care contact."""
    from kefu.tickets.models import Ticket

    tz = timezone.get_current_timezone()
    latest: dict[int, date] = {}
    rows = (Ticket.objects.filter(customer_id__in=customer_ids).values("customer_id")
            .annotate(at=Max("created_at")).values_list("customer_id", "at"))
    care = (CareOutcome.objects.filter(task__customer_id__in=customer_ids,
                                       result__in=["reached", "ordered"])
            .values("task__customer_id").annotate(at=Max("created_at"))
            .values_list("task__customer_id", "at"))
    for cid, at in [*rows, *care]:
        day = timezone.localtime(at, tz).date()
        if cid not in latest or day > latest[cid]:
            latest[cid] = day
    return latest


def _vip_silent(today: date, limits: rules.Thresholds) -> list[tuple[int, rules.Occasion, None]]:
    vips = list(Customer.objects.filter(tier__rank__lte=limits.vip_rank)
                .values_list("pk", "tier__rank", "created_at"))
    contacts = last_contacts([pk for pk, _r, _c in vips])
    out = []
    for pk, tier_rank, created in vips:
        occ = rules.vip_silent_occasion(tier_rank=tier_rank, last_contact=contacts.get(pk),
                                        since=timezone.localtime(created).date(), today=today,
                                        limits=limits)
        if occ:
            out.append((pk, occ, None))
    return out


def _agents_by_branch() -> tuple[dict[int, list[int]], list[int]]:
    """Agents who serve each branch's customers, and those who serve every branch (a team
    without a branch, such as a hotline) — the same reading as ``staff_branch_ids``."""
    agents: dict[int, set[int]] = defaultdict(set)
    everywhere: set[int] = set()
    for user in User.objects.filter(role=Role.AGENT, is_active=True).prefetch_related("teams"):
        teams = list(user.teams.all())
        if any(team.branch_id is None for team in teams):
            everywhere.add(user.pk)
            continue
        for branch_id in {team.branch_id for team in teams} | ({user.branch_id} - {None}):
            agents[branch_id].add(user.pk)
    return {branch: sorted(ids) for branch, ids in agents.items()}, sorted(everywhere)


def build_care_lists(today: date | None = None) -> dict:
    """Create, refresh and cancel care tasks for ``today`` under the thresholds in force
    (``care_settings``); returns the counts."""
    today = today or timezone.localdate()
    now = timezone.now()
    limits = thresholds()
    found: dict[tuple[int, str], dict] = {}
    for cid, occ, product_id in [*_run_out(today, limits), *_churn(today, limits),
                                 *_special_dates(today, limits), *_vip_silent(today, limits)]:
        found[(cid, occ.key)] = {"occ": occ, "product_id": product_id}
    for cid, occ, _p, follow_up_id, assignee in _follow_ups(today, limits):
        found[(cid, occ.key)] = {"occ": occ, "product_id": None, "follow_up_id": follow_up_id,
                                 "assignee": assignee}
    opted = set(OptOut.objects.values_list("customer_id", flat=True))
    found = {k: v for k, v in found.items() if k[0] not in opted}
    customer_ids = sorted({cid for cid, _key in found})
    customers = {c["pk"]: c for c in Customer.objects.filter(pk__in=customer_ids)
                 .values("pk", "branch_id", "tier__rank")}
    values = dict(CustomerScore.objects.filter(customer_id__in=customer_ids)
                  .values_list("customer_id", "clv"))
    since = now - timedelta(days=limits.decline_memory_days)
    declined = set(CareOutcome.objects.filter(result="declined", created_at__gte=since,
                                              task__customer_id__in=customer_ids)
                   .values_list("task__customer_id", "task__kind"))
    counts = {"created": 0, "refreshed": 0, "cancelled": 0, "listed": len(found)}
    with transaction.atomic():
        existing = {}
        for chunk in _chunks(customer_ids, 500):
            for t in CareTask.objects.filter(customer_id__in=chunk).only(
                    "pk", "customer_id", "key", "status", "assigned_to_id"):
                existing[(t.customer_id, t.key)] = t
        new, refresh = [], []
        for (cid, key), item in found.items():
            occ = item["occ"]
            urgency = rules.damped(occ.urgency, (cid, occ.kind) in declined, limits)
            task = existing.get((cid, key))
            fields = {"due": occ.due, "urgency": round(urgency, 4), "data": occ.data,
                      "value": round(values.get(cid) or 0.0, 2),
                      "rank": rules.rank(values.get(cid), urgency)}
            if task is None:
                new.append(CareTask(customer_id=cid, kind=occ.kind, key=key,
                                    product_id=item["product_id"],
                                    follow_up_id=item.get("follow_up_id"),
                                    assigned_to_id=item.get("assignee"),
                                    action=rules.KIND_ACTION[occ.kind], created_at=now, **fields))
            elif task.status == CareTask.Status.OPEN:
                for name, value in fields.items():
                    setattr(task, name, value)
                refresh.append(task)
        _assign(new, customers)
        CareTask.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        CareTask.objects.bulk_update(refresh, ["due", "urgency", "data", "value", "rank"],
                                     batch_size=1000)
        counts["created"], counts["refreshed"] = len(new), len(refresh)
        stale = [t.pk for t in CareTask.objects.filter(status=CareTask.Status.OPEN)
                 .only("pk", "customer_id", "key") if (t.customer_id, t.key) not in found]
        for chunk in _chunks(stale, 500):
            counts["cancelled"] += CareTask.objects.filter(pk__in=chunk).update(
                status=CareTask.Status.CANCELLED, done_at=now)
    return counts


def _assign(tasks: list[CareTask], customers: dict) -> None:
    """Give each unassigned new task to the least-loaded agent serving its customer's branch
    — the branch's own agents and those serving every branch (a hotline team) alike — in
    rank order, so the most valuable tasks spread first."""
    if not tasks:
        return
    by_branch, everywhere = _agents_by_branch()
    every_agent = sorted({pk for ids in by_branch.values() for pk in ids} | set(everywhere))
    load = defaultdict(int, CareTask.objects.filter(status=CareTask.Status.OPEN)
                       .values("assigned_to_id").annotate(n=Count("pk"))
                       .values_list("assigned_to_id", "n"))
    for task in sorted(tasks, key=lambda t: -t.rank):
        if task.assigned_to_id:
            load[task.assigned_to_id] += 1
            continue
        branch = customers.get(task.customer_id, {}).get("branch_id")
        # a customer without a branch is in every agent's scope
        pool = every_agent if branch is None else [*by_branch.get(branch, ()), *everywhere]
        if not pool:
            continue
        agent = min(pool, key=lambda pk: (load[pk], pk))
        task.assigned_to_id = agent
        load[agent] += 1


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]
