"""Reads of service recovery (服务补救): loading an action for a user, a ticket's actions,
the approval queue, one's own limits, and how recovered complainers fare afterwards.

Recovery actions are internal: customers never see them (every read here is empty or 404
for a customer). Staff see the actions of the tickets they may see.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.access import ticket_scope
from kefu.accounts.models import User
from kefu.core.errors import NotFound
from kefu.core.pagination import keyset_page
from kefu.customers.models import Customer
from kefu.tickets.access import tickets_for

from . import recovery_rules as rules
from .models import EmpowermentLimit, RecoveryAction

#: Joined to every action that is shown: the ticket line, the customer and both people.
ACTION_RELATED = ("ticket", "customer", "requested_by", "decided_by")
#: Statuses that mean the customer really received the gesture.
DELIVERED = (RecoveryAction.Status.GRANTED, RecoveryAction.Status.APPROVED)
ACTIVE_DAYS = 90


def limit_rows(role: str | None = None) -> list[rules.LimitRow]:
    """Empowerment limits as plain rows for ``recovery_rules`` (one role's, or all)."""
    qs = EmpowermentLimit.objects.order_by()
    if role is not None:
        qs = qs.filter(role=role)
    return [rules.LimitRow(role=row.role, kind=row.kind, tier_id=row.tier_id,
                           currency=row.currency, max_amount=row.max_amount) for row in qs]


def own_limits(user: User) -> list[EmpowermentLimit]:
    """The user's own limit rows, most general first, for "within your limit" hints."""
    return list(EmpowermentLimit.objects.filter(role=user.role).select_related("tier")
                .order_by("currency", "tier__rank", "kind"))


def _visible(user: User) -> QuerySet[RecoveryAction]:
    if not user.is_staff_member:
        return RecoveryAction.objects.none()
    qs = RecoveryAction.objects.all()
    if ticket_scope(user) is not None:
        qs = qs.filter(ticket_id__in=Subquery(tickets_for(user).order_by().values("pk")))
    return qs


def recovery_get_for(user: User, action_id) -> RecoveryAction:
    """The action if the user may see its ticket; otherwise 404 (customers: always)."""
    try:
        action_id = int(action_id)
    except (TypeError, ValueError):
        raise NotFound(_("Recovery action"), action_id)
    found = list(_visible(user).select_related(*ACTION_RELATED).filter(pk=action_id)[:1])
    if not found:
        raise NotFound(_("Recovery action"), action_id)
    return found[0]


def ticket_actions(ticket, *, cursor: str | None = None,
                   limit: int = 50) -> tuple[list[RecoveryAction], str | None]:
    """A (visible) ticket's actions, newest first, one page."""
    qs = RecoveryAction.objects.filter(ticket=ticket).select_related(*ACTION_RELATED)
    return keyset_page(qs, field="created_at", descending=True, cursor=cursor, limit=limit)


def approvable_filter(rows: list[rules.LimitRow], role: str) -> Q:
    """The pending actions a role's limits cover, as one filter (see ``covered_cells``)."""
    grouped: dict[tuple, list[str]] = {}
    for cell in rules.covered_cells(rows, role=role):
        key = (cell.currency, cell.tier_id, cell.other_than, cell.max_amount)
        grouped.setdefault(key, []).append(cell.kind)
    covered = Q(amount=0)
    for (currency, tier_id, other_than, max_amount), kinds in grouped.items():
        if tier_id is not None:
            tier = Q(customer__tier_id=tier_id)
        elif other_than:
            tier = ~Q(customer__tier_id__in=sorted(other_than))
        else:
            tier = Q()
        covered |= Q(kind__in=kinds, currency=currency, amount__lte=max_amount) & tier
    return covered


def approval_queue(viewer: User, *, cursor: str | None = None, limit: int = 25,
                   rows: list[rules.LimitRow] | None = None,
                   ) -> tuple[list[RecoveryAction], str | None]:
    """Pending actions the viewer may decide: on tickets they see, within their own limit,
    never their own requests. Oldest first: the customer who waits longest comes first.
    ``rows``: the viewer's limit rows, when the caller has them already."""
    if not viewer.can_write:
        return keyset_page(RecoveryAction.objects.none(), field="created_at", descending=False,
                           cursor=cursor, limit=limit)
    qs = (_visible(viewer).filter(status=RecoveryAction.Status.PENDING)
          .exclude(requested_by=viewer)
          .filter(approvable_filter(limit_rows(viewer.role) if rows is None else rows,
                                    viewer.role))
          .select_related(*ACTION_RELATED))
    return keyset_page(qs, field="created_at", descending=False, cursor=cursor, limit=limit)


def can_decide(viewer: User, action: RecoveryAction, rows: list[rules.LimitRow]) -> bool:
    """Whether the viewer may approve or reject ``action`` (its ticket already visible)."""
    return (action.status == RecoveryAction.Status.PENDING and viewer.can_write
            and action.requested_by_id != viewer.pk
            and rules.may_grant(rows, role=viewer.role, tier_id=action.customer.tier_id,
                                kind=action.kind, currency=action.currency,
                                amount=action.amount))


def can_cancel(viewer: User, action: RecoveryAction) -> bool:
    return (action.status == RecoveryAction.Status.PENDING and viewer.can_write
            and action.requested_by_id == viewer.pk)


# --- outcomes: do recovered complainers stay? ----------------------------------------------


@dataclass(frozen=True)
class OutcomeGroup:
    customers: int
    later_tickets: int
    still_active: int

    @property
    def later_tickets_per_customer(self) -> float | None:
        return round(self.later_tickets / self.customers, 3) if self.customers else None

    @property
    def still_active_share(self) -> float | None:
        return round(self.still_active / self.customers, 4) if self.customers else None

    def as_dict(self) -> dict:
        return {**asdict(self), "later_tickets_per_customer": self.later_tickets_per_customer,
                "still_active_share": self.still_active_share}


def recovery_outcomes(viewer: User, since: datetime | None = None, *,
                      now: datetime | None = None, active_days: int = ACTIVE_DAYS) -> dict:
    """Complainers in the viewer's scope, recovered or not, and what they did afterwards.

    - complainers: customers with a complaint ticket the viewer may see (created at or after
      ``since`` when given); their *first complaint* is the earliest such ticket;
    - recovered: a granted or approved recovery action on one of their visible tickets
      (at or after ``since``); the others are "not recovered";
    - later tickets: their visible tickets of any type created after the first complaint;
    - still active: a later ticket created within the last ``active_days`` days.

    A first version for the analytics issue to extend (satisfaction comes with surveys).
    Two queries whatever the number of customers.
    """
    now = now or timezone.now()
    tickets = tickets_for(viewer).order_by()
    complaints = tickets.filter(type="complaint")
    actions = RecoveryAction.objects.filter(status__in=DELIVERED,
                                            ticket_id__in=tickets.values("pk"))
    if since is not None:
        complaints = complaints.filter(created_at__gte=since)
        actions = actions.filter(created_at__gte=since)
    first = complaints.filter(customer_id=OuterRef("pk")).order_by("created_at").values(
        "created_at")[:1]
    later = tickets.filter(customer_id=OuterRef("pk"), created_at__gt=OuterRef("first_complaint"))
    later_count = (later.values("customer_id").annotate(n=Count("pk")).values("n")[:1])
    complainers = (
        Customer.objects.order_by()
        .filter(pk__in=complaints.values("customer_id"))
        .annotate(first_complaint=Subquery(first),
                  recovered=Exists(actions.filter(customer_id=OuterRef("pk"))))
        .annotate(later=Coalesce(Subquery(later_count, output_field=IntegerField()), 0),
                  active=Exists(later.filter(created_at__gte=now - timedelta(days=active_days))))
    )
    groups = {}
    for name, recovered in (("recovered", True), ("not_recovered", False)):
        totals = complainers.filter(recovered=recovered).aggregate(
            customers=Count("pk"), later_tickets=Coalesce(Sum("later"), 0),
            still_active=Count("pk", filter=Q(active=True)))
        groups[name] = OutcomeGroup(**totals)
    return {"since": since, "as_of": now, "active_days": active_days, **groups}
