"""Console: the seven-step checklist on a complaint's ticket page (with the playbook's help
and phrases in the reader's language), commitments, follow-ups, the resolution and its
confirmation, and the skipped-steps report."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.lookups import people_by_id
from kefu.accounts.models import Role, User
from kefu.console.views import _act, staff_required
from kefu.core.errors import ApplicationError, NotFound
from kefu.tickets import rules

from ..models import FollowUp, Resolution
from ..models.complaint import Step
from ..playbook import CLOSED_ANSWERS, apology_expression
from ..selectors_complaint import (
    REPORT_ROLES,
    commitment_get_for,
    complaint_overview,
    follow_up_get_for,
    skipped_steps_report,
)
from ..services import complaint as services

MAX_FORM_ANSWERS = services.MAX_ANSWERS


def panel(request, ticket):
    """A complaint: the checklist under the conversation ("main"). Any other ticket: a small
    side card with its resolution and confirmation."""
    user = request.user
    if user.role == Role.CUSTOMER:
        return None
    writable = user.can_write and ticket.status != rules.Status.CLOSED
    if ticket.type != rules.Type.COMPLAINT:
        resolution = (Resolution.objects.select_related("recorded_by", "confirmed_by")
                      .filter(ticket=ticket).first())
        return "workflow/complaint_resolution_card.html", {
            "resolution": resolution, "can_write": writable,
            "can_verify": _may_verify(user, ticket)}
    overview = complaint_overview(ticket)
    for s in overview["steps"]:
        s["is_next"] = s["step"] == overview["next_step"]
        s["out_of_order"] = (s["record"] is None and overview["next_step"] is not None
                             and s["step"] > overview["next_step"])
    assignees = [people for people in (ticket.owner, ticket.assignee) if people is not None]
    if all(p.pk != user.pk for p in assignees):
        assignees.append(user)
    overview.update({
        "can_write": writable,
        "can_verify": _may_verify(user, ticket),
        "can_report": user.role in REPORT_ROLES,
        "closed_answers": CLOSED_ANSWERS,
        "follow_up_outcomes": FollowUp.Outcome.choices,
        "assignees": assignees,
        "default_due": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "step_numbers": {"apologise": Step.APOLOGISE.value, "gather": Step.GATHER.value,
                         "propose": Step.PROPOSE.value, "opinion": Step.OPINION.value,
                         "follow_up": Step.FOLLOW_UP.value},
    })
    return "workflow/complaint_panel.html", overview, "main"


def _may_verify(user: User, ticket) -> bool:
    return user.can_write and (user.pk == ticket.owner_id
                               or user.role in (Role.SUPERVISOR, Role.ADMIN))


def _local_datetime(value: str | None, field: str) -> datetime | None:
    """A ``datetime-local`` form value, in the user's time zone."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ApplicationError("invalid_datetime", _("%(field)s must be a date and time.")
                               % {"field": field}, details={"field": field})
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
    return parsed


def _answers(post) -> list[dict]:
    """The form's questions as ``q<i>`` (text), ``k<i>`` (open/closed), ``a<i>`` (answer)."""
    out = []
    for i in range(MAX_FORM_ANSWERS):
        question = post.get(f"q{i}")
        if question is None:
            break
        out.append({"question": question, "kind": post.get(f"k{i}") or "open",
                    "answer": post.get(f"a{i}", "")})
    return out


@require_POST
@staff_required
def step_view(request, ticket_id):
    def action(ticket):
        raw_step = request.POST.get("step", "")
        if not raw_step.isdigit():
            raise ApplicationError("invalid_step", _("The step must be 1 to 7."))
        outcome = request.POST.get("outcome", "done")
        services.complaint_step_record(
            ticket=ticket, actor=request.user, step=int(raw_step), outcome=outcome,
            note=request.POST.get("note", ""), reason=request.POST.get("reason", ""),
            skip_earlier_reason=request.POST.get("skip_earlier_reason", ""),
            apology=request.POST.get("apology") or None, answers=_answers(request.POST),
            solution=request.POST.get("solution", ""),
            due_at=_local_datetime(request.POST.get("due_at"), "due_at"))
        messages.success(request, _("Step %(step)s recorded.") % {"step": raw_step})
    return _act(request, ticket_id, action)


@require_POST
@staff_required
def follow_up_schedule_view(request, ticket_id):
    def action(ticket):
        raw = request.POST.get("assigned_to", "")
        assigned_to = None
        if raw.isdigit():
            assigned_to = User.objects.filter(pk=int(raw)).first()
            if assigned_to is None:
                raise ApplicationError("invalid_assignee", _("Follow-ups can only be given to agents."))
        due_at = _local_datetime(request.POST.get("due_at"), "due_at")
        if due_at is None:
            raise ApplicationError("required", _("%(field)s is required.") % {"field": "due_at"})
        services.follow_up_schedule(ticket=ticket, actor=request.user, due_at=due_at,
                                    assigned_to=assigned_to,
                                    purpose=request.POST.get("purpose", ""))
        messages.success(request, _("Follow-up scheduled."))
    return _act(request, ticket_id, action)


def _on_object(request, load, object_id, action, done: str):
    """Load an object for the user (404 if invisible), act, and go back to its ticket."""
    found = load(request.user, object_id)
    try:
        action(found)
        messages.success(request, done)
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
    if found.ticket_id is None:
        return redirect("console:inbox")
    return redirect("console:ticket", ticket_id=found.ticket_id)


@require_POST
@staff_required
def follow_up_complete_view(request, follow_up_id):
    return _on_object(
        request, follow_up_get_for, follow_up_id,
        lambda f: services.follow_up_complete(follow_up=f, actor=request.user,
                                              outcome=request.POST.get("outcome", ""),
                                              note=request.POST.get("note", "")),
        _("Follow-up recorded."))


@require_POST
@staff_required
def commitment_keep_view(request, commitment_id):
    return _on_object(request, commitment_get_for, commitment_id,
                      lambda c: services.commitment_keep(commitment=c, actor=request.user),
                      _("Commitment marked kept."))


@require_POST
@staff_required
def resolution_view(request, ticket_id):
    def action(ticket):
        services.resolution_record(ticket=ticket, actor=request.user,
                                   summary=request.POST.get("summary", ""))
        messages.success(request, _("Resolution recorded; it now waits for confirmation."))
    return _act(request, ticket_id, action)


@require_POST
@staff_required
def resolution_confirm_view(request, ticket_id):
    def action(ticket):
        services.resolution_confirm(ticket=ticket, actor=request.user,
                                    note=request.POST.get("note", ""))
        messages.success(request, _("Call-back recorded: the resolution is verified."))
    return _act(request, ticket_id, action)


REPORT_PERIODS = (("30", 30), ("90", 90), ("365", 365), ("all", None))


@staff_required
def report_view(request):
    """Which steps of the seven get skipped, and why (supervisors, admins, auditors)."""
    if request.user.role not in REPORT_ROLES:
        return render(request, "console/forbidden.html", status=403)
    period = request.GET.get("days", "90")
    days = dict(REPORT_PERIODS).get(period, 90)
    if period not in dict(REPORT_PERIODS):
        period = "90"
    since = timezone.now() - timedelta(days=days) if days else None
    rows = skipped_steps_report(request.user, since=since)
    return render(request, "workflow/complaint_report.html", {
        "rows": rows, "period": period,
        "periods": [("30", _("Last 30 days")), ("90", _("Last 90 days")),
                    ("365", _("Last 12 months")), ("all", _("All time"))],
    })


def _step_label(d) -> str:
    try:
        return str(Step(int(d.get("step"))).label)
    except (TypeError, ValueError):
        return str(d.get("step", ""))


def _step_text(d, names) -> str:
    values = {"step": d.get("step", ""), "label": _step_label(d)}
    if d.get("outcome") == "skipped":
        return _("skipped complaint step %(step)s (%(label)s): %(reason)s") % {
            **values, "reason": d.get("reason", "")}
    text = _("completed complaint step %(step)s (%(label)s)") % values
    if d.get("apology"):
        text += " — " + apology_expression(d["apology"])
    if d.get("due_at"):
        text += " — " + _("promised by %(due)s") % {"due": _when(d["due_at"])}
    return text


def _when(iso) -> str:
    try:
        return timezone.localtime(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return str(iso or "")


def _person(user_id, names) -> str:
    if not user_id:
        return _("nobody")
    if user_id in names:
        return names[user_id]
    person = people_by_id({user_id}).get(user_id)
    return person.name if person is not None else f"#{user_id}"


FOLLOW_UP_OUTCOMES = dict(FollowUp.Outcome.choices)

EVENT_TEXTS = {
    "complaint_step": _step_text,
    "commitment_kept": lambda d, names: (
        _("kept the promise due %(due)s (late)") if d.get("late")
        else _("kept the promise due %(due)s")) % {"due": _when(d.get("due_at"))},
    "follow_up_scheduled": lambda d, names: _(
        "scheduled a follow-up for %(due)s, by %(name)s")
    % {"due": _when(d.get("due_at")), "name": _person(d.get("assignee"), names)},
    "follow_up_done": lambda d, names: _("recorded the follow-up: %(outcome)s")
    % {"outcome": FOLLOW_UP_OUTCOMES.get(d.get("outcome"), d.get("outcome", ""))}
    + (" — " + d["note"] if d.get("note") else ""),
    "resolution_recorded": lambda d, names: _("recorded the resolution: %(summary)s")
    % {"summary": d.get("summary", "")},
    "resolution_confirmed": lambda d, names: (
        _("confirmed the resolution (customer)") if d.get("by") == "customer"
        else _("verified the resolution by a call-back: %(note)s") % {"note": d.get("note", "")}),
}

urlpatterns = [
    path("tickets/<int:ticket_id>/complaint/steps/", step_view, name="complaint_step"),
    path("tickets/<int:ticket_id>/follow-ups/", follow_up_schedule_view, name="follow_up_schedule"),
    path("follow-ups/<int:follow_up_id>/complete/", follow_up_complete_view,
         name="follow_up_complete"),
    path("commitments/<int:commitment_id>/keep/", commitment_keep_view, name="commitment_keep"),
    path("tickets/<int:ticket_id>/resolution/", resolution_view, name="resolution_record"),
    path("tickets/<int:ticket_id>/resolution/confirm/", resolution_confirm_view,
         name="resolution_confirm"),
    path("reports/complaint-steps/", report_view, name="complaint_steps_report"),
]
