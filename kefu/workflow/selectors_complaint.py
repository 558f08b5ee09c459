"""Reads of the hand-off and complaint features: loading a hand-off, commitment or follow-up
for a user (404 when they may not see it), the hand-off queue of a user's teams, a
complaint's checklist in one piece, and the skipped-steps report."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from kefu.accounts.models import Role, User
from kefu.core.errors import ApplicationError, NotFound, PermissionDenied
from kefu.core.pagination import keyset_page, valid_id
from kefu.tickets import rules
from kefu.tickets.access import ticket_get_for, tickets_for
from kefu.tickets.models import Ticket

from .models import Commitment, ComplaintStep, FollowUp, Handoff, Resolution
from .models.complaint import Step
from .playbook import apologies, apology_expression, playbook_steps
from .services.complaint import complaint_close_problems
from .services.handoff import decidable_team_ids, may_decide

HANDOFF_RELATED = ("ticket", "from_team", "to_team", "requested_by", "decided_by")


def _id(value, what: str) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise NotFound(what, value)
    if not valid_id(value):
        raise NotFound(what, value)
    return value


def handoff_get_for(user: User, handoff_id) -> Handoff:
    """A hand-off the user may see: its ticket is visible to them, or it waits for a team
    they may decide for. Customers never see hand-offs (404)."""
    handoff_id = _id(handoff_id, _("Hand-off"))
    if user.role == Role.CUSTOMER:
        raise NotFound(_("Hand-off"), handoff_id)
    handoff = Handoff.objects.select_related(*HANDOFF_RELATED).filter(pk=handoff_id).first()
    if handoff is None:
        raise NotFound(_("Hand-off"), handoff_id)
    if may_decide(user, handoff.to_team):
        return handoff
    if not tickets_for(user).filter(pk=handoff.ticket_id).exists():
        raise NotFound(_("Hand-off"), handoff_id)
    return handoff


def handoffs_of_ticket(ticket: Ticket) -> QuerySet[Handoff]:
    return Handoff.objects.filter(ticket=ticket).select_related(*HANDOFF_RELATED)


def handoff_queue(user: User, *, status: str | None = "open", cursor: str | None = None,
                  limit: int = 25) -> tuple[list[Handoff], str | None]:
    """Hand-offs to the teams the user may decide for (auditors: all), newest first."""
    if user.role == Role.CUSTOMER:
        raise PermissionDenied()
    qs = Handoff.objects.select_related(*HANDOFF_RELATED)
    if status:
        if status not in Handoff.Status.values:
            raise ApplicationError("invalid_filter", _("%(field)s is not valid.") % {"field": "status"},
                                   details={"field": "status", "allowed": list(Handoff.Status.values)})
        qs = qs.filter(status=status)
    team_ids = decidable_team_ids(user)
    if team_ids is not None:
        qs = qs.filter(to_team_id__in=team_ids)
    return keyset_page(qs, field="created_at", descending=True, cursor=cursor, limit=limit)


def handoffs_requested_by(user: User, *, limit: int = 50) -> list[Handoff]:
    """The open hand-offs of tickets the user owns or asked for (the owner stays accountable)."""
    return list(Handoff.objects.select_related(*HANDOFF_RELATED)
                .filter(Q(requested_by=user) | Q(ticket__owner=user), status=Handoff.Status.OPEN)
                .order_by("created_at", "pk")[:limit])


def _on_ticket_visible_to(user: User, model, object_id, what: str):
    object_id = _id(object_id, what)
    found = model.objects.select_related("ticket").filter(pk=object_id).first()
    if found is None or found.ticket_id is None:
        raise NotFound(what, object_id)
    try:
        found.ticket = ticket_get_for(user, found.ticket_id)
    except NotFound:
        raise NotFound(what, object_id)
    return found


def commitment_get_for(user: User, commitment_id) -> Commitment:
    return _on_ticket_visible_to(user, Commitment, commitment_id, _("Commitment"))


def follow_up_get_for(user: User, follow_up_id) -> FollowUp:
    """A follow-up of a ticket the user may see; a follow-up without a ticket (a care task):
    its assignee, supervisors and admins."""
    follow_up_id = _id(follow_up_id, _("Follow-up"))
    found = FollowUp.objects.select_related("ticket").filter(pk=follow_up_id).first()
    if found is None or user.role == Role.CUSTOMER:
        raise NotFound(_("Follow-up"), follow_up_id)
    if found.ticket_id is None:
        if user.pk == found.assigned_to_id or user.role in (Role.SUPERVISOR, Role.ADMIN,
                                                            Role.AUDITOR):
            return found
        raise NotFound(_("Follow-up"), follow_up_id)
    return _on_ticket_visible_to(user, FollowUp, follow_up_id, _("Follow-up"))


def complaint_overview(ticket: Ticket, *, language: str | None = None) -> dict:
    """Everything the checklist shows, in a fixed number of queries: the seven steps with
    their records and playbook, the apologies, commitments, follow-ups, resolution and what
    still stops the complaint from closing."""
    playbook = playbook_steps(language)
    records = {r.step: r for r in ComplaintStep.objects.filter(ticket=ticket).select_related("actor")}
    steps, next_step = [], None
    for step in Step:
        record = records.get(step.value)
        if record is None and next_step is None:
            next_step = step.value
        steps.append({"step": step.value, "label": str(step.label), "record": record,
                      "apology": apology_expression((record.data or {}).get("apology"))
                      if record else "",
                      "playbook": playbook[step.value]})
    return {
        "is_complaint": ticket.type == rules.Type.COMPLAINT,
        "steps": steps,
        "next_step": next_step,
        "apologies": apologies(language),
        "commitments": list(Commitment.objects.filter(ticket=ticket).select_related("promised_by")),
        "follow_ups": list(FollowUp.objects.filter(ticket=ticket)
                           .select_related("assigned_to", "created_by")),
        "resolution": Resolution.objects.filter(ticket=ticket)
                      .select_related("recorded_by", "confirmed_by").first(),
        "close_problems": complaint_close_problems(ticket),
    }


REPORT_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)
TOP_REASONS = 5


def skipped_steps_report(viewer: User, since: datetime | None = None) -> list[dict]:
    """Per step of the seven: how many complaints recorded it done and skipped, and the most
    common reasons for skipping — over the tickets the viewer may see (supervisors, admins
    and auditors only). ``since`` limits it to steps recorded from then on."""
    if viewer.role not in REPORT_ROLES:
        raise PermissionDenied(_("Only supervisors, administrators and auditors see this report."))
    qs = ComplaintStep.objects.filter(ticket__in=tickets_for(viewer).values("pk"))
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    counts = {(row["step"], row["outcome"]): row["n"]
              for row in qs.values("step", "outcome").annotate(n=Count("pk")).order_by()}
    reasons: dict[int, Counter] = {}
    for row in (qs.filter(outcome=ComplaintStep.Outcome.SKIPPED)
                .values("step", "reason").annotate(n=Count("pk")).order_by()):
        text = " ".join((row["reason"] or "").split())[:200]
        reasons.setdefault(row["step"], Counter())[text] += row["n"]
    out = []
    for step in Step:
        done = counts.get((step.value, "done"), 0)
        skipped = counts.get((step.value, "skipped"), 0)
        top = sorted((reasons.get(step.value) or Counter()).items(), key=lambda kv: (-kv[1], kv[0]))
        out.append({"step": step.value, "label": str(step.label), "done": done,
                    "skipped": skipped,
                    "skip_rate": round(skipped / (done + skipped), 3) if done + skipped else None,
                    "reasons": [{"reason": r, "count": n} for r, n in top[:TOP_REASONS]]})
    return out
