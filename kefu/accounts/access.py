"""Who may see and change what. The only place that scopes querysets to a user.

- admin and auditor: everything (auditors read only);
- supervisor: their branch's tickets and customers (no branch: head office, everything);
- agent: their teams' tickets plus tickets they own or are assigned; customers of their
  teams' branches (a team without a branch serves every branch);
- customer: only their own customer record and its tickets, never internal notes.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kefu.core.errors import PermissionDenied

from .models import Role, User


def user_teams(user: User) -> list:
    """The user's teams, read once per user object (a request reuses it for scope and routing)."""
    cached = getattr(user, "_kefu_teams", None)
    if cached is None:
        cached = sorted(user.teams.order_by(), key=lambda team: team.code)
        user._kefu_teams = cached
    return cached


def is_global_reader(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.AUDITOR) or (
        user.role == Role.SUPERVISOR and user.branch_id is None
    )


def staff_branch_ids(user: User) -> set[int] | None:
    """Branches whose customers a staff member serves; None means all branches."""
    if is_global_reader(user):
        return None
    if user.role == Role.SUPERVISOR:
        return {user.branch_id}
    branch_ids: set[int] = set()
    for team in user_teams(user):
        if team.branch_id is None:
            return None
        branch_ids.add(team.branch_id)
    if user.branch_id:
        branch_ids.add(user.branch_id)
    return branch_ids


def ticket_scope_parts(user: User) -> list[Q] | None:
    """The tickets a user may read, as a list of filters to OR together; None: no restriction.

    Kept as parts so that a sorted list can run one index-friendly query per part (each
    team's queue, the tickets one owns, …) instead of one OR that no index can order.
    """
    if is_global_reader(user):
        return None
    if user.role in (Role.SUPERVISOR, Role.AGENT):
        parts = [Q(team_id=team.pk) for team in user_teams(user)]
        parts += [Q(owner=user), Q(assignee=user)]
        if user.role == Role.SUPERVISOR:
            parts.append(Q(branch_id=user.branch_id))
        return parts
    if user.role == Role.CUSTOMER:
        # Internal tickets (staff work about a customer) are never shown to the customer.
        return [Q(customer__user=user) & ~Q(type="internal")]
    return [Q(pk__in=[])]


def ticket_scope(user: User) -> Q | None:
    """A filter for the tickets a user may read; None means no restriction."""
    parts = ticket_scope_parts(user)
    if parts is None:
        return None
    combined = Q()
    for part in parts:
        combined |= part
    return combined


def customer_scope(user: User) -> Q | None:
    if user.role == Role.CUSTOMER:
        return Q(user=user)
    if user.role not in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR):
        return Q(pk__in=[])
    branch_ids = staff_branch_ids(user)
    if branch_ids is None:
        return None
    return Q(branch_id__in=branch_ids) | Q(branch__isnull=True)


def scoped(qs: QuerySet, scope: Q | None) -> QuerySet:
    return qs if scope is None else qs.filter(scope)


def require_writer(user: User) -> None:
    """Auditors read; they never write."""
    if user.role == Role.AUDITOR:
        raise PermissionDenied(_("Auditors have read-only access."))


def require_staff_writer(user: User) -> None:
    if user.role not in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied()


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise PermissionDenied()
