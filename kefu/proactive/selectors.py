"""Reads of proactive care: a customer's 360 additions, care lists, the proactive report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from kefu.accounts.models import User
from kefu.customers.models import Customer

from . import rules
from .access import care_tasks_for, require_staff
from .care_settings import thresholds
from .models import (
    CareTask,
    Container,
    CustomerScore,
    OptOut,
    Purchase,
    RunOutForecast,
    SpecialDate,
)

OPEN = CareTask.Status.OPEN


def customer_summary(customer: Customer, *, purchases: int = 10) -> dict:
    """Purchase history, predicted next needs, value and risk, segment, open care tasks.
    The caller has loaded ``customer`` through ``customer_get_for`` (scope checked)."""
    score = CustomerScore.objects.filter(customer=customer).first()
    totals = Purchase.objects.filter(customer=customer).aggregate(n=Count("pk"), spent=Sum("amount"))
    containers = (list(Container.objects.filter(household_id=customer.household_id)
                       .select_related("product")) if customer.household_id else [])
    return {
        "purchases": list(Purchase.objects.filter(customer=customer).select_related("product")
                          .order_by("-date", "-id")[:purchases]),
        "purchase_count": totals["n"] or 0,
        "spent": totals["spent"] or 0,
        "score": score,
        "churn_risk": (1 - score.prob_alive) if score and score.prob_alive is not None else None,
        "forecasts": list(RunOutForecast.objects.filter(customer=customer).select_related("product")
                          .order_by("date")),
        "containers": containers,
        "household": customer.household if customer.household_id else None,
        "special_dates": list(SpecialDate.objects.filter(customer=customer)),
        "open_tasks": list(CareTask.objects.filter(customer=customer, status=OPEN)
                           .select_related("assigned_to", "product").order_by("-rank")),
        "opted_out": OptOut.objects.filter(customer=customer).exists(),
    }


def care_list(user: User, *, mine: bool = True, status: str = OPEN,
              day: date | None = None) -> QuerySet:
    """Open tasks due by ``day`` (default today), highest value × urgency first. ``mine``:
    only those assigned to the user; otherwise every task in their scope."""
    require_staff(user)
    day = day or timezone.localdate()
    qs = care_tasks_for(user).filter(status=status)
    if status == OPEN:
        qs = qs.filter(due__lte=day + timedelta(days=thresholds().renewal_days))
    if mine:
        qs = qs.filter(assigned_to=user)
    return (qs.select_related("customer", "customer__tier", "product", "assigned_to")
            .order_by("-rank", "due", "id"))


def script_for(task: CareTask, viewer_language: str) -> list[dict]:
    """The script in the agent's language, and in the customer's when it differs."""
    languages = [viewer_language]
    customer_language = "en" if (task.customer.language or "").startswith("en") else "zh-hans"
    if customer_language != viewer_language:
        languages.append(customer_language)
    out = []
    for language in languages:
        name = (task.customer.name_en if language == "en" and task.customer.name_en
                else task.customer.name)
        data = dict(task.data)
        if task.product_id and task.product:
            from django.utils import translation

            with translation.override(language):
                data["product"] = task.product.label
        out.append({"language": language, "text": rules.script(task.kind, data,
                                                                customer_name=name,
                                                                language=language)})
    return out


@dataclass
class Report:
    since: date
    until: date
    created: int
    done: int
    cancelled: int
    open: int
    by_kind: list[dict]
    outcomes: dict
    conversion: float | None  # ordered / contacts that reached the customer
    at_risk_contacted: int
    at_risk_contacted_churned: int
    at_risk_not_contacted: int
    at_risk_not_contacted_churned: int

    @property
    def churn_contacted(self) -> float | None:
        return (self.at_risk_contacted_churned / self.at_risk_contacted
                if self.at_risk_contacted else None)

    @property
    def churn_not_contacted(self) -> float | None:
        return (self.at_risk_not_contacted_churned / self.at_risk_not_contacted
                if self.at_risk_not_contacted else None)


def proactive_report(user: User, *, since: date, until: date) -> Report:
    """Tasks created between the days (inclusive) in the user's scope: how many were done,
    the outcomes, conversion, and churn among at-risk customers contacted vs not — churned
    meaning no purchase since the task was created."""
    require_staff(user)
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(since, time.min), tz)
    end = timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min), tz)
    tasks = care_tasks_for(user).filter(created_at__gte=start, created_at__lt=end)
    by_status = dict(tasks.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    by_kind = list(tasks.values("kind").annotate(
        created=Count("pk"), done=Count("pk", filter=Q(status=CareTask.Status.DONE)),
        ordered=Count("pk", filter=Q(outcome="ordered"))).order_by("kind"))
    labels = dict(CareTask.Kind.choices)
    for row in by_kind:
        row["label"] = labels.get(row["kind"], row["kind"])
    outcomes = dict(tasks.exclude(outcome="").values("outcome").annotate(n=Count("pk"))
                    .values_list("outcome", "n"))
    reached = outcomes.get("reached", 0) + outcomes.get("ordered", 0) + outcomes.get("declined", 0)
    bought_after = Purchase.objects.filter(customer_id=OuterRef("customer_id"),
                                           created_at__gte=OuterRef("created_at"))
    churn = tasks.filter(kind=CareTask.Kind.CHURN).annotate(bought=Exists(bought_after))
    contacted = Q(outcome__in=["reached", "ordered", "declined"])
    c_total = churn.filter(contacted).count()
    c_churned = churn.filter(contacted, bought=False).count()
    n_total = churn.exclude(contacted).count()
    n_churned = churn.exclude(contacted).filter(bought=False).count()
    return Report(since=since, until=until, created=sum(by_status.values()),
                  done=by_status.get(CareTask.Status.DONE, 0),
                  cancelled=by_status.get(CareTask.Status.CANCELLED, 0),
                  open=by_status.get(OPEN, 0), by_kind=by_kind, outcomes=outcomes,
                  conversion=(outcomes.get("ordered", 0) / reached) if reached else None,
                  at_risk_contacted=c_total, at_risk_contacted_churned=c_churned,
                  at_risk_not_contacted=n_total, at_risk_not_contacted_churned=n_churned)
