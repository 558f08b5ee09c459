"""Loading proactive data for a user: everything follows the customer scope
(kefu.accounts.access). Customers see nothing of it; auditors read."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.accounts.access import customer_scope
from kefu.accounts.models import Role, User
from kefu.core.errors import NotFound, PermissionDenied

from .models import CareTask, Purchase


def require_staff(user: User) -> None:
    if not user.is_authenticated or user.role not in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN,
                                                      Role.AUDITOR):
        raise PermissionDenied()


def require_manager(user: User) -> None:
    """Products, segment rules, the daily job by hand: supervisors and administrators."""
    if user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise PermissionDenied()


def _through_customer(qs, user: User):
    require_staff(user)
    scope = customer_scope(user)
    if scope is None:
        return qs
    from kefu.customers.models import Customer

    return qs.filter(customer__in=Customer.objects.filter(scope).values("pk"))


def care_tasks_for(user: User):
    return _through_customer(CareTask.objects.all(), user)


def purchases_for(user: User):
    return _through_customer(Purchase.objects.all(), user)


def care_task_get_for(user: User, task_id) -> CareTask:
    try:
        task_id = int(task_id)
    except (TypeError, ValueError):
        raise NotFound(_("Care task"), task_id)
    found = list(care_tasks_for(user).select_related("customer", "product").filter(pk=task_id)[:1])
    if not found:
        raise NotFound(_("Care task"), task_id)
    return found[0]
