"""SLA rules, pure (no ORM): which policy applies, each target's due time, warning and state,
what the periodic job must alert next. Business time is kefu.workflow.calendar's.

Targets of a ticket:
- first response: from arrival, met by the first public staff reply;
- next update (optional): from the last public staff reply, met by the next one; it runs
  only after the first response and until resolution;
- resolution: from arrival, met when resolved (reopening resumes it: the time spent
  resolved is a pause);
- sunset (日落原则, optional): the end of the working day on which the ticket arrived; met
  by a public staff reply or resolution before then.
While the ticket waits on the customer (when the policy says so) every clock is paused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .calendar import BusinessCalendar, add_business_minutes, end_of_business_day


class Target(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_UPDATE = "next_update"
    RESOLUTION = "resolution"
    SUNSET = "sunset"


class State(StrEnum):
    RUNNING = "running"
    WARNING = "warning"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"
    MET_LATE = "met_late"


class Stage(StrEnum):
    """How far the alerts for one target have gone (stored per target, sent once each)."""

    NONE = ""
    WARNED = "warned"
    BREACHED = "breached"  # the owner was told
    ESCALATED = "escalated"  # a supervisor was told


@dataclass(frozen=True)
class Terms:
    """A policy as the rules need it."""

    policy_id: int
    calendar_id: int
    order: int = 100
    is_default: bool = False
    tier_id: int | None = None
    priority: str = ""
    type: str = ""
    first_response: int | None = None
    next_update: int | None = None
    resolution: int | None = None
    sunset: bool = False
    pause_when_pending_customer: bool = True
    warn_at_percent: int = 75


def choose_policy(policies: Iterable[Terms], *, tier_id: int | None, priority: str,
                  type: str) -> Terms | None:
    """The first non-default policy (by order, then id) whose blanks or values match; else the
    default policy; None only when there is no policy at all."""
    default = None
    for terms in sorted(policies, key=lambda t: (t.order, t.policy_id)):
        if terms.is_default:
            default = default or terms
            continue
        if ((terms.tier_id is None or terms.tier_id == tier_id)
                and terms.priority in ("", priority) and terms.type in ("", type)):
            return terms
    return default


#: Why the clock stopped: waiting on the customer, or resolved (reopening resumes it).
PAUSE_CUSTOMER = "customer"
PAUSE_RESOLVED = "resolved"
ReasonedPause = tuple[datetime, datetime | None, str]


@dataclass(frozen=True)
class Clock:
    """What a ticket's SLA is computed from."""

    start: datetime  # arrival
    pauses: tuple[ReasonedPause, ...] = ()
    first_response_at: datetime | None = None
    last_public_reply_at: datetime | None = None
    resolved_at: datetime | None = None  # set while resolved


@dataclass(frozen=True)
class TargetTimes:
    target: Target
    minutes: int | None  # the target in business minutes (None for sunset)
    due: datetime | None  # None: paused
    warn_at: datetime | None
    met_at: datetime | None


def target_times(cal: BusinessCalendar, terms: Terms, clock: Clock) -> list[TargetTimes]:
    """Due and warning instants of every target the policy sets, in UTC."""
    pauses = [(start, end) for start, end, reason in clock.pauses
              if reason == PAUSE_RESOLVED or terms.pause_when_pending_customer]
    out: list[TargetTimes] = []

    def timed(target: Target, minutes: int | None, base: datetime, met_at: datetime | None):
        if minutes is None:
            return
        try:
            due = add_business_minutes(cal, base, minutes, pauses)
            warn_minutes = minutes * terms.warn_at_percent / 100
            warn_at = add_business_minutes(cal, base, warn_minutes, pauses) if due else None
        except ValueError:  # not reachable within the calendar's horizon: no such target
            return
        out.append(TargetTimes(target, minutes, due, warn_at, met_at))

    # Resolving without a reply ends the first-response target too (met late, if it was late).
    timed(Target.FIRST_RESPONSE, terms.first_response, clock.start,
          clock.first_response_at or clock.resolved_at)
    if (clock.first_response_at is not None and clock.resolved_at is None
            and terms.next_update is not None):
        base = clock.last_public_reply_at or clock.first_response_at
        timed(Target.NEXT_UPDATE, terms.next_update, base, None)
    timed(Target.RESOLUTION, terms.resolution, clock.start, clock.resolved_at)
    if terms.sunset:
        due = end_of_business_day(cal, clock.start)
        # Met by a public reply, resolution, or asking the customer (waiting on them).
        asked = [s for s, _e, reason in clock.pauses if reason == PAUSE_CUSTOMER]
        met = [t for t in (clock.first_response_at, clock.resolved_at, *asked[:1]) if t is not None]
        out.append(TargetTimes(Target.SUNSET, None, due, None, min(met) if met else None))
    return out


def state_of(times: TargetTimes, now: datetime) -> State:
    if times.met_at is not None:
        return State.MET_LATE if times.due is not None and times.met_at > times.due else State.MET
    if times.due is None:
        return State.PAUSED
    if now > times.due:
        return State.BREACHED
    if times.warn_at is not None and now >= times.warn_at:
        return State.WARNING
    return State.RUNNING


def is_breached(times: TargetTimes, now: datetime) -> bool:
    return state_of(times, now) in (State.BREACHED, State.MET_LATE)


@dataclass(frozen=True)
class Summary:
    """What the ticket row stores for the inbox and the periodic job."""

    first_response_due: datetime | None
    next_update_due: datetime | None
    resolution_due: datetime | None
    sla_due: datetime | None  # the earliest running target's due time
    sla_warn_at: datetime | None
    next_check_at: datetime | None


def summarise(times: Sequence[TargetTimes], stages: dict[str, str],
              escalate_after: timedelta) -> Summary:
    """Due columns, the running target closest to its due time, and when the job must look
    next: the first threshold (warning, due, due + escalate_after) whose alert is not sent."""
    by_target = {t.target: t for t in times}

    def due(target: Target) -> datetime | None:
        found = by_target.get(target)
        return found.due if found else None

    running = [t for t in times if t.met_at is None and t.due is not None]
    nearest = min(running, key=lambda t: t.due, default=None)
    checks = [c for t in running if (c := next_threshold(t, Stage(stages.get(t.target, "")),
                                                         escalate_after)) is not None]
    return Summary(
        first_response_due=due(Target.FIRST_RESPONSE), next_update_due=due(Target.NEXT_UPDATE),
        resolution_due=due(Target.RESOLUTION),
        sla_due=nearest.due if nearest else None,
        sla_warn_at=nearest.warn_at if nearest else None,
        next_check_at=min(checks, default=None))


def next_threshold(times: TargetTimes, stage: Stage, escalate_after: timedelta) -> datetime | None:
    if times.due is None or times.met_at is not None:
        return None
    if stage == Stage.NONE:
        return times.warn_at if times.warn_at is not None and times.warn_at < times.due else times.due
    if stage == Stage.WARNED:
        return times.due
    if stage == Stage.BREACHED:
        return times.due + escalate_after
    return None


def due_alerts(times: TargetTimes, stage: Stage, now: datetime,
               escalate_after: timedelta) -> list[Stage]:
    """The alert stages a target has reached by ``now`` and not yet sent, in order. A job that
    was down sends only what still matters: a breached target skips its warning."""
    if times.due is None or times.met_at is not None:
        return []
    reached = []
    if now > times.due + escalate_after:
        reached = [Stage.BREACHED, Stage.ESCALATED]
    elif now > times.due:
        reached = [Stage.BREACHED]
    elif times.warn_at is not None and now >= times.warn_at:
        reached = [Stage.WARNED]
    order = [Stage.NONE, Stage.WARNED, Stage.BREACHED, Stage.ESCALATED]
    return [s for s in reached if order.index(s) > order.index(stage)]
