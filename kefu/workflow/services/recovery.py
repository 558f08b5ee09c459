"""Service recovery (服务补救) with empowerment (员工授权): every write.

- ``recovery_request``: an agent, supervisor or admin asks for a gesture on a ticket they
  see. Within their own limit it is granted at once; above it, it waits for approval and
  the eligible approvers are alerted.
- ``recovery_approve`` / ``recovery_reject``: a staff member who sees the ticket and whose
  own limit covers the amount decides; never the requester; rejecting needs a reason.
- ``recovery_cancel``: the requester withdraws a request that is still waiting.

Each runs in one transaction and writes its ``TicketEvent`` (and alerts) in it; deciding
locks the action row, so two approvers cannot both decide. The limit arithmetic is in
``kefu.workflow.recovery_rules``.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.access import require_staff_writer, require_writer
from kefu.accounts.models import Role, User
from kefu.core.errors import ApplicationError, Conflict, NotFound
from kefu.tickets.access import tickets_for
from kefu.tickets.models import Ticket
from kefu.tickets.services._common import _check_choice, _clean_text, _event

from .. import recovery_rules as rules
from ..models import Alert, RecoveryAction
from ..models.recovery import RecoveryKind
from ..selectors_recovery import limit_rows
from .alerts import alert_create

MAX_NOTE = 2000

MSG_WAITING = gettext_noop(
    "Recovery request waiting for your approval on ticket #%(number)s: %(amount)s %(currency)s")
MSG_NOBODY = gettext_noop(
    "Recovery request on ticket #%(number)s (%(amount)s %(currency)s) is above every "
    "approver's limit: review the empowerment limits")
MSG_APPROVED = gettext_noop(
    "Your recovery request on ticket #%(number)s was approved: %(amount)s %(currency)s")
MSG_REJECTED = gettext_noop(
    "Your recovery request on ticket #%(number)s was rejected: %(reason)s")


def _money_error(exc: rules.InvalidMoney) -> ApplicationError:
    messages = {
        "invalid_amount": _("The amount must be a number like 120 or 99.50."),
        "negative_amount": _("The amount cannot be negative."),
        "amount_too_large": _("The amount cannot be more than %(max)s.")
        % {"max": f"{rules.MAX_AMOUNT:,}"},
        "too_many_decimals": _("The amount can have at most two decimals."),
        "invalid_currency": _("The currency must be an ISO 4217 code such as CNY."),
    }
    field = "currency" if exc.code == "invalid_currency" else "amount"
    return ApplicationError(exc.code, messages[exc.code], details={"field": field})


def clean_money(amount, currency) -> tuple[Decimal, str]:
    try:
        return rules.parse_amount(amount), rules.parse_currency(currency)
    except rules.InvalidMoney as exc:
        raise _money_error(exc)


def _audit(action: RecoveryAction, actor: User, event_kind: str, now, **more) -> None:
    """The timeline row, in the caller's transaction (``data["kind"]`` is the recovery kind,
    so it is set after ``_event``, whose own ``kind`` is the event's)."""
    event = _event(action.ticket, actor, event_kind, now)
    event.data = {"action": action.pk, "kind": action.kind, "amount": str(action.amount),
                  "currency": action.currency, **more}
    event.save()


def _alert_args(action: RecoveryAction) -> dict:
    return {"number": action.ticket_id, "amount": str(action.amount), "currency": action.currency}


def _covers(rows: list[rules.LimitRow], user: User, action: RecoveryAction, tier_id) -> bool:
    return rules.may_grant(rows, role=user.role, tier_id=tier_id, kind=action.kind,
                           currency=action.currency, amount=action.amount)


def approvers_to_alert(action: RecoveryAction, ticket: Ticket, tier_id) -> tuple[list[User], str]:
    """Supervisors of the ticket's branch (or on its team) whose limit covers the action; if
    none, admins whose limit does; if none either, every admin (they keep the limits), with
    a message saying so. Never the requester."""
    rows = limit_rows()
    people = (User.objects.filter(is_active=True).exclude(pk=action.requested_by_id)
              .order_by("pk"))
    branch = Q(branch_id=ticket.branch_id) if ticket.branch_id else Q(branch__isnull=True)
    supervisors = people.filter(Q(role=Role.SUPERVISOR) & (branch | Q(teams=ticket.team_id)))
    found = [u for u in supervisors.distinct() if _covers(rows, u, action, tier_id)]
    if found:
        return found, MSG_WAITING
    admins = list(people.filter(role=Role.ADMIN))
    found = [u for u in admins if _covers(rows, u, action, tier_id)]
    if found:
        return found, MSG_WAITING
    return admins, MSG_NOBODY


@transaction.atomic
def recovery_request(*, ticket: Ticket, actor: User, kind: str, amount, currency: str = "CNY",
                     note: str = "") -> RecoveryAction:
    """Ask for a recovery gesture on a ticket (loaded through ``ticket_get_for``).

    Granted at once within the actor's own limit for this customer's tier, this kind and
    currency (an amount of 0 always is); otherwise pending, and the approvers are alerted.
    """
    require_writer(actor)
    require_staff_writer(actor)
    kind = _check_choice("kind", kind, RecoveryKind)
    amount, currency = clean_money(amount, currency)
    note = _clean_text("note", note, required=False, limit=MAX_NOTE)
    if not tickets_for(actor).filter(pk=ticket.pk).exists():
        raise NotFound(_("Ticket"), ticket.pk)
    if ticket.status == "closed":
        raise ApplicationError("ticket_closed", _("The ticket is closed."), status=409)
    tier_id = ticket.customer.tier_id
    within = rules.may_grant(limit_rows(actor.role), role=actor.role, tier_id=tier_id,
                             kind=kind, currency=currency, amount=amount)
    now = timezone.now()
    action = RecoveryAction.objects.create(
        ticket=ticket, customer_id=ticket.customer_id, kind=kind, amount=amount,
        currency=currency, note=note, requested_by=actor, created_at=now,
        status=RecoveryAction.Status.GRANTED if within else RecoveryAction.Status.PENDING)
    _audit(action, actor, "recovery_granted" if within else "recovery_requested", now, note=note)
    if not within:
        people, message = approvers_to_alert(action, ticket, tier_id)
        for person in people:
            alert_create(user=person, kind=Alert.Kind.APPROVAL, message=message, ticket=ticket,
                         **_alert_args(action))
    return action


def _locked(action: RecoveryAction) -> RecoveryAction:
    """Re-read the action under a row lock; its status is the one that counts."""
    locked = RecoveryAction.objects.select_for_update().get(pk=action.pk)
    action.status = locked.status
    action.decided_by_id = locked.decided_by_id
    action.decided_at = locked.decided_at
    return action


def _check_decider(action: RecoveryAction, actor: User) -> None:
    require_writer(actor)
    require_staff_writer(actor)
    if action.requested_by_id == actor.pk:
        raise ApplicationError("own_request",
                               _("Nobody may approve or reject their own recovery request."),
                               status=403)
    if not tickets_for(actor).filter(pk=action.ticket_id).exists():
        raise NotFound(_("Recovery action"), action.pk)
    _locked(action)
    if action.status != RecoveryAction.Status.PENDING:
        raise Conflict("already_decided",
                       _("This recovery request is no longer waiting for a decision."),
                       details={"status": action.status})
    tier_id = action.customer.tier_id
    rows = limit_rows(actor.role)
    if not _covers(rows, actor, action, tier_id):
        limit = rules.limit_amount(rows, role=actor.role, tier_id=tier_id, kind=action.kind,
                                   currency=action.currency).quantize(Decimal("0.01"))
        raise ApplicationError(
            "above_your_limit",
            _("%(amount)s %(currency)s is above your own limit (%(limit)s %(currency)s); a "
              "colleague with a higher limit must decide.")
            % {"amount": action.amount, "currency": action.currency, "limit": limit},
            details={"amount": str(action.amount), "currency": action.currency,
                     "limit": str(limit)}, status=403)


def _decide(action: RecoveryAction, actor: User, status: str, reason: str, event: str,
            message: str) -> RecoveryAction:
    now = timezone.now()
    action.status = status
    action.decided_by = actor
    action.decided_at = now
    action.decision_reason = reason
    action.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _audit(action, actor, event, now, reason=reason)
    alert_create(user=action.requested_by, kind=Alert.Kind.APPROVAL, message=message,
                 ticket=action.ticket, reason=reason, **_alert_args(action))
    return action


@transaction.atomic
def recovery_approve(*, action: RecoveryAction, actor: User, reason: str = "") -> RecoveryAction:
    reason = _clean_text("reason", reason, required=False, limit=MAX_NOTE)
    _check_decider(action, actor)
    return _decide(action, actor, RecoveryAction.Status.APPROVED, reason, "recovery_approved",
                   MSG_APPROVED)


@transaction.atomic
def recovery_reject(*, action: RecoveryAction, actor: User, reason: str) -> RecoveryAction:
    """Reject a waiting request; the reason is required (the requester is told)."""
    reason = _clean_text("reason", reason, required=True, limit=MAX_NOTE)
    _check_decider(action, actor)
    return _decide(action, actor, RecoveryAction.Status.REJECTED, reason, "recovery_rejected",
                   MSG_REJECTED)


@transaction.atomic
def recovery_cancel(*, action: RecoveryAction, actor: User) -> RecoveryAction:
    """The requester withdraws their own request while it is still waiting."""
    require_writer(actor)
    require_staff_writer(actor)
    if action.requested_by_id != actor.pk:
        raise ApplicationError("not_your_request",
                               _("Only the person who asked can cancel a recovery request."),
                               status=403)
    _locked(action)
    if action.status != RecoveryAction.Status.PENDING:
        raise Conflict("already_decided",
                       _("This recovery request is no longer waiting for a decision."),
                       details={"status": action.status})
    now = timezone.now()
    action.status = RecoveryAction.Status.CANCELLED
    action.decided_by = actor
    action.decided_at = now
    action.save(update_fields=["status", "decided_by", "decided_at"])
    _audit(action, actor, "recovery_cancelled", now)
    return action
