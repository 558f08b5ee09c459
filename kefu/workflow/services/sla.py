"""SLA bookkeeping: due times when a ticket arrives, pauses and exact figures as it changes,
warnings and escalations from the periodic job. The maths is kefu.workflow.sla_rules.

The ticket services call ``sla_on_create`` (before the insert: no query when the policy
cache is warm) and ``sla_on_change`` (inside their transaction, with the ticket row
locked); both only set the ticket's due columns and say which ones changed."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_noop

from kefu.accounts.models import Role, User
from kefu.core.refcache import TableCache
from kefu.tickets import rules as ticket_rules
from kefu.tickets.models import Ticket

from .. import sla_rules
from ..calendar import (
    BusinessCalendar,
    business_minutes_between,
    calendar_from_dict,
    default_calendar_data,
)
from ..models import Alert, BranchClosedDay, Calendar, SlaPolicy, TicketSla
from ..sla_rules import PAUSE_CUSTOMER, PAUSE_RESOLVED, Clock, Stage, Target, Terms
from .alerts import alert_create
from .automation import fire

log = logging.getLogger("kefu.sla")

#: A target longer than this (about a working year) is a typo, and beyond the calendar's
#: three-year horizon it could not be computed at all.
MAX_TARGET_MINUTES = 120_000

DUE_FIELDS = ("first_response_due", "next_update_due", "resolution_due", "sla_due",
              "sla_warn_at", "sla_next_check_at")


def escalate_after() -> timedelta:
    return timedelta(minutes=settings.SLA_ESCALATE_AFTER_MINUTES)


# --- policy and calendars, cached per process (kefu.core.refcache) ---------------------------

def _times(cal: BusinessCalendar, terms: Terms, clock: Clock, ticket_id=None) -> list:
    """target_times, never raising: a calendar without open hours or a target beyond the
    horizon (bad policy data) must not stop tickets; the ticket then has no SLA, and the log
    says why."""
    try:
        return sla_rules.target_times(cal, terms, clock)
    except ValueError:
        log.exception("SLA policy %s cannot be applied (ticket %s)", terms.policy_id, ticket_id)
        return []


def _load_policies() -> dict[int, Terms]:
    return {p.pk: Terms(
        policy_id=p.pk, calendar_id=p.calendar_id, order=p.order, is_default=p.is_default,
        tier_id=p.tier_id, priority=p.priority, type=p.type,
        first_response=p.first_response_minutes, next_update=p.next_update_minutes,
        resolution=p.resolution_minutes, sunset=p.sunset_rule,
        pause_when_pending_customer=p.pause_when_pending_customer,
        warn_at_percent=p.warn_at_percent)
        # the default policy always applies ("a default policy always exists")
        for p in SlaPolicy.objects.filter(Q(active=True) | Q(is_default=True))}


def _load_calendars() -> dict[int, BusinessCalendar]:
    calendars = {}
    for row in Calendar.objects.all():
        try:
            calendars[row.pk] = calendar_from_dict(row.data or default_calendar_data())
        except ValueError:  # the admin form validates; a bad row must not stop tickets
            log.exception("business calendar %s is not valid; using the default hours", row.code)
            calendars[row.pk] = calendar_from_dict(default_calendar_data())
    return calendars


def _load_closed_days() -> dict[int, frozenset]:
    days: dict[int, set] = {}
    for branch_id, day in BranchClosedDay.objects.values_list("branch_id", "day"):
        days.setdefault(branch_id, set()).add(day)
    return {branch_id: frozenset(found) for branch_id, found in days.items()}


def _load_policy_names() -> dict[int, SlaPolicy]:
    return {p.pk: p for p in SlaPolicy.objects.only("name", "name_en")}


POLICIES = TableCache(_load_policies)
POLICY_NAMES = TableCache(_load_policy_names)
CALENDARS = TableCache(_load_calendars)
CLOSED_DAYS = TableCache(_load_closed_days)
#: (calendar id, branch id) → (the cached calendar and closed days it was built from, result)
_BRANCH_CALENDARS: dict[tuple, tuple] = {}


def calendar_for(calendar_id: int, branch_id: int | None) -> BusinessCalendar:
    """The policy's calendar with the branch's own closed days added."""
    base = CALENDARS.covering({calendar_id})[calendar_id]
    extra = CLOSED_DAYS.all().get(branch_id, frozenset()) if branch_id else frozenset()
    if not extra:
        return base
    key = (calendar_id, branch_id)
    hit = _BRANCH_CALENDARS.get(key)
    if hit is not None and hit[0] is base and hit[1] is extra:  # built from these very objects
        return hit[2]
    # A branch's closed day wins over the calendar's extra open days.
    found = dataclasses.replace(base, closed=base.closed | extra,
                                extra_open=base.extra_open - extra)
    if len(_BRANCH_CALENDARS) > 1000:
        _BRANCH_CALENDARS.clear()
    _BRANCH_CALENDARS[key] = (base, extra, found)
    return found


def policy_for(ticket: Ticket, tier_id: int | None) -> Terms | None:
    return sla_rules.choose_policy(POLICIES.all().values(), tier_id=tier_id,
                                   priority=ticket.priority, type=ticket.type)


# --- the ticket's clock -----------------------------------------------------------------------

def _pauses(record: TicketSla | None) -> tuple:
    if record is None:
        return ()
    out = []
    for start, end, reason in record.pauses or ():
        out.append((parse_datetime(start), parse_datetime(end) if end else None, reason))
    return tuple(out)


def _store_pauses(record: TicketSla, pauses) -> None:
    record.pauses = [[s.isoformat(), e.isoformat() if e else None, r] for s, e, r in pauses]


def _clock(ticket: Ticket, record: TicketSla | None) -> Clock:
    return Clock(start=ticket.created_at, pauses=_pauses(record),
                 first_response_at=ticket.first_response_at,
                 last_public_reply_at=record.last_public_reply_at if record else None,
                 resolved_at=ticket.resolved_at if ticket.status == ticket_rules.Status.RESOLVED
                 else None)


def _apply(ticket: Ticket, summary: sla_rules.Summary | None) -> list[str]:
    values = dict.fromkeys(DUE_FIELDS) if summary is None else {
        "first_response_due": summary.first_response_due,
        "next_update_due": summary.next_update_due,
        "resolution_due": summary.resolution_due, "sla_due": summary.sla_due,
        "sla_warn_at": summary.sla_warn_at, "sla_next_check_at": summary.next_check_at}
    changed = []
    for name, value in values.items():
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)
            changed.append(name)
    return changed


def sla_on_create(ticket: Ticket, *, tier_id: int | None) -> None:
    """Set the due times of a ticket about to be inserted (no query with a warm cache)."""
    terms = policy_for(ticket, tier_id)
    if terms is None:
        return
    cal = calendar_for(terms.calendar_id, ticket.branch_id)
    times = _times(cal, terms, _clock(ticket, None))
    _apply(ticket, sla_rules.summarise(times, {}, escalate_after()))


def sla_on_change(ticket: Ticket, now: datetime, *, old_status: str,
                  public_staff_reply: bool = False, terms_changed: bool = False) -> list[str]:
    """After a change to a locked ticket (status, a public staff reply, priority or type):
    record pauses and figures, recompute the due times. Returns the ticket fields changed
    (the caller saves them with its own)."""
    status = ticket.status
    status_changed = status != old_status
    if not (status_changed or public_staff_reply or terms_changed):
        return []
    if status == ticket_rules.Status.CLOSED:
        return _apply(ticket, None)
    record = TicketSla.objects.filter(pk=ticket.pk).first()
    tier_id = ticket.customer.tier_id
    terms = policy_for(ticket, tier_id)
    if terms is None:
        return _apply(ticket, None)
    if record is None:
        record = TicketSla(ticket=ticket, pauses=[], alerts={})
    pauses = list(_pauses(record))
    if status_changed:
        pauses = _close_pauses(pauses, old_status, now)
        if status == ticket_rules.Status.PENDING_CUSTOMER:
            pauses.append((now, None, PAUSE_CUSTOMER))
        elif status == ticket_rules.Status.RESOLVED:
            pauses.append((now, None, PAUSE_RESOLVED))
    _store_pauses(record, pauses)
    cal = calendar_for(terms.calendar_id, ticket.branch_id)
    if public_staff_reply:
        # the reply meets the running next-update target: record it if it came late
        for t in _times(cal, terms, _clock(ticket, record), ticket.pk):
            if t.target == Target.NEXT_UPDATE and t.due is not None and now > t.due:
                record.next_update_breached = True
        record.last_public_reply_at = now
        record.alerts = {**(record.alerts or {}), Target.NEXT_UPDATE: ""}
    if status_changed and old_status == ticket_rules.Status.RESOLVED:
        record.resolution_minutes = None  # reopened: the resolution clock runs again
    if terms_changed and record.policy_id != terms.policy_id:
        record.alerts = {}  # another policy, other targets: their alerts start afresh
    times = _times(cal, terms, _clock(ticket, record), ticket.pk)
    _record_figures(record, ticket, cal, terms, times, now)
    record.policy_id = terms.policy_id
    record.save()
    return _apply(ticket, sla_rules.summarise(times, record.alerts or {}, escalate_after()))


def sla_recompute(ticket: Ticket, now: datetime | None = None) -> None:
    """Work a ticket's SLA out again from what is recorded (demo data, imports, a policy
    edit an administrator wants applied to open tickets) and save it."""
    now = now or timezone.now()
    record = TicketSla.objects.filter(pk=ticket.pk).first() or TicketSla(ticket=ticket, pauses=[],
                                                                         alerts={})
    terms = policy_for(ticket, ticket.customer.tier_id)
    if terms is None:
        changed = _apply(ticket, None)
    else:
        cal = calendar_for(terms.calendar_id, ticket.branch_id)
        times = _times(cal, terms, _clock_closed(ticket, record), ticket.pk)
        _record_figures(record, ticket, cal, terms, times, now)
        record.policy_id = terms.policy_id
        record.save()
        if ticket.status in (ticket_rules.Status.RESOLVED, ticket_rules.Status.CLOSED):
            changed = _apply(ticket, None)
        else:
            times = _times(cal, terms, _clock(ticket, record), ticket.pk)
            changed = _apply(ticket, sla_rules.summarise(times, record.alerts or {},
                                                         escalate_after()))
    if changed:
        ticket.save(update_fields=changed)


def _close_pauses(pauses: list, old_status: str, now: datetime) -> list:
    closing = {ticket_rules.Status.PENDING_CUSTOMER: PAUSE_CUSTOMER,
               ticket_rules.Status.RESOLVED: PAUSE_RESOLVED}.get(old_status)
    return [(s, now if e is None and r == closing else e, r) for s, e, r in pauses]


def _record_figures(record: TicketSla, ticket: Ticket, cal: BusinessCalendar, terms: Terms,
                    times: list, now: datetime) -> None:
    """Exact business-minute figures and breached flags, stored for reports."""
    pauses = [(s, e) for s, e, r in _pauses(record)
              if r == PAUSE_RESOLVED or terms.pause_when_pending_customer]
    if ticket.first_response_at and record.first_response_minutes is None:
        record.first_response_minutes = round(business_minutes_between(
            cal, ticket.created_at, max(ticket.first_response_at, ticket.created_at), pauses), 2)
    if ticket.status in (ticket_rules.Status.RESOLVED, ticket_rules.Status.CLOSED) \
            and ticket.resolved_at:
        record.resolution_minutes = round(business_minutes_between(
            cal, ticket.created_at, max(ticket.resolved_at, ticket.created_at), pauses), 2)
    for t in times:
        if sla_rules.is_breached(t, now):
            setattr(record, f"{t.target.value}_breached", True)


# --- the periodic job -------------------------------------------------------------------------

ALERT_TEXTS = {
    Stage.WARNED: gettext_noop("#%(number)s: the %(target)s target is due at %(due)s."),
    Stage.BREACHED: gettext_noop("#%(number)s: the %(target)s target was missed (due %(due)s)."),
    Stage.ESCALATED: gettext_noop(
        "#%(number)s: the %(target)s target was missed (due %(due)s) and is still open; "
        "owner: %(owner)s."),
}
TARGET_NAMES = {
    Target.FIRST_RESPONSE: gettext_noop("first response"),
    Target.NEXT_UPDATE: gettext_noop("next update"),
    Target.RESOLUTION: gettext_noop("resolution"),
    Target.SUNSET: gettext_noop("sunset (same working day)"),
}


def sla_check(now: datetime | None = None, *, batch: int = 500) -> dict:
    """Warn owners before a target is due, tell them when it is missed, then escalate to a
    supervisor: each once per target. Looks only at tickets whose next check has come."""
    now = now or timezone.now()
    counts = {"tickets": 0, "warned": 0, "breached": 0, "escalated": 0}
    ids = list(Ticket.objects.filter(sla_next_check_at__lte=now)
               .order_by("sla_next_check_at").values_list("pk", flat=True)[:batch])
    for ticket_id in ids:
        try:
            with transaction.atomic():
                ticket = (Ticket.objects.select_for_update(of=("self",)).select_related("customer")
                          .filter(pk=ticket_id).first())
                if ticket is None:
                    continue
                counts["tickets"] += 1
                for stage in _check_ticket(ticket, now):
                    counts[stage.value] += 1
        except Exception:  # noqa: BLE001 - one bad ticket must not stop the watch for all
            log.exception("SLA check failed for ticket %s; skipping it for an hour", ticket_id)
            Ticket.objects.filter(pk=ticket_id).update(sla_next_check_at=now + timedelta(hours=1))
    return counts


def _check_ticket(ticket: Ticket, now: datetime) -> list[Stage]:
    if ticket.status in (ticket_rules.Status.CLOSED, ticket_rules.Status.RESOLVED):
        ticket.sla_next_check_at = None
        ticket.save(update_fields=["sla_next_check_at"])
        return []
    terms = policy_for(ticket, ticket.customer.tier_id)
    if terms is None:
        _apply(ticket, None)
        ticket.save(update_fields=list(DUE_FIELDS))
        return []
    record = TicketSla.objects.filter(pk=ticket.pk).first() or TicketSla(ticket=ticket, pauses=[],
                                                                         alerts={})
    cal = calendar_for(terms.calendar_id, ticket.branch_id)
    times = _times(cal, terms, _clock(ticket, record), ticket.pk)
    stages = dict(record.alerts or {})
    sent = []
    for t in times:
        for stage in sla_rules.due_alerts(t, Stage(stages.get(t.target, "")), now, escalate_after()):
            _send(ticket, t, stage)
            fire("sla_warning" if stage == Stage.WARNED else "sla_breach", ticket)
            stages[t.target] = stage.value
            sent.append(stage)
            if stage == Stage.BREACHED:
                setattr(record, f"{t.target.value}_breached", True)
    record.alerts = stages
    record.policy_id = terms.policy_id
    record.save()
    changed = _apply(ticket, sla_rules.summarise(times, stages, escalate_after()))
    if changed:
        ticket.save(update_fields=changed)
    return sent


def _send(ticket: Ticket, times, stage: Stage) -> None:
    args = {"number": ticket.pk, "target": TARGET_NAMES[times.target],
            "due": timezone.localtime(times.due).strftime("%Y-%m-%d %H:%M"),
            "target_code": times.target.value}
    kind = Alert.Kind.SLA_WARNING if stage == Stage.WARNED else Alert.Kind.SLA_BREACH
    if stage == Stage.ESCALATED:
        owner = User.objects.filter(pk=ticket.owner_id).first()
        args["owner"] = owner.name if owner else "—"
        people = supervisors_for(ticket)
    else:
        people = [p for p in User.objects.filter(pk__in={ticket.owner_id, ticket.assignee_id} - {None},
                                                  is_active=True)] or supervisors_for(ticket)
    for person in people:
        alert_create(user=person, kind=kind, ticket=ticket, message=ALERT_TEXTS[stage], **args)


def supervisors_for(ticket: Ticket) -> list[User]:
    """Who hears about a missed target: the branch's supervisors, else head office's, else
    the administrators."""
    active = User.objects.filter(is_active=True)
    for query in (Q(role=Role.SUPERVISOR, branch_id=ticket.branch_id) if ticket.branch_id else None,
                  Q(role=Role.SUPERVISOR, branch__isnull=True), Q(role=Role.ADMIN)):
        if query is None:
            continue
        found = list(active.filter(query).order_by("pk"))
        if found:
            return found
    return []


def ticket_sla(ticket: Ticket, now: datetime | None = None) -> dict:
    """Every target of the ticket with its state, for the ticket page and the API."""
    now = now or timezone.now()
    terms = policy_for(ticket, ticket.customer.tier_id)
    record = TicketSla.objects.filter(pk=ticket.pk).first()
    if terms is None:
        return {"policy": None, "targets": [], "breached": bool(record and record.breached)}
    cal = calendar_for(terms.calendar_id, ticket.branch_id)
    if ticket.status == ticket_rules.Status.CLOSED:
        times = _times(cal, terms, _clock_closed(ticket, record), ticket.pk)
    else:
        times = _times(cal, terms, _clock(ticket, record), ticket.pk)
    policy = POLICY_NAMES.covering({terms.policy_id}).get(terms.policy_id)
    return {
        "policy": {"id": terms.policy_id, "name": policy.label if policy else ""},
        "targets": [{"target": t.target.value, "minutes": t.minutes, "due": t.due,
                     "warn_at": t.warn_at, "met_at": t.met_at,
                     "state": sla_rules.state_of(t, now).value} for t in times],
        "first_response_minutes": record.first_response_minutes if record else None,
        "resolution_minutes": record.resolution_minutes if record else None,
        "breached": bool(record and record.breached) or any(
            sla_rules.is_breached(t, now) for t in times),
    }


def _clock_closed(ticket: Ticket, record: TicketSla | None) -> Clock:
    return dataclasses.replace(_clock(ticket, record), resolved_at=ticket.resolved_at)
