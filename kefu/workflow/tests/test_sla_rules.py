"""SLA rules without a database: which policy applies, each target's due and warning time,
its state, the ticket-row summary, and which alerts the periodic job still owes.

Fixed examples use the demo calendar (Mon–Fri 09:00–12:00 and 13:30–18:00, Shanghai,
mainland China holidays) around Monday 2 March 2026; time is frozen by passing ``now``.
Expected instants are worked out by hand in the comments, not with the code under test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.workflow.calendar import (
    add_business_minutes,
    business_minutes_between,
    calendar_from_dict,
    default_calendar_data,
)
from kefu.workflow.sla_rules import (
    PAUSE_CUSTOMER,
    PAUSE_RESOLVED,
    Clock,
    Stage,
    State,
    Target,
    TargetTimes,
    Terms,
    choose_policy,
    due_alerts,
    is_breached,
    next_threshold,
    state_of,
    summarise,
    target_times,
)

SH = ZoneInfo("Asia/Shanghai")
CAL = calendar_from_dict(default_calendar_data())
ESCALATE = timedelta(minutes=30)
TICK = timedelta(microseconds=1)
VIP, GOLD = 7, 8


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SH)


MONDAY = sh(2026, 3, 2, 9, 0)  # an ordinary working Monday


def terms(policy_id: int = 1, **kw) -> Terms:
    return Terms(policy_id=policy_id, calendar_id=1, **kw)


def by_target(times: list[TargetTimes]) -> dict[Target, TargetTimes]:
    found = {t.target: t for t in times}
    assert len(found) == len(times), "a target appears twice"
    return found


def one(cal_terms: Terms, clock: Clock, target: Target) -> TargetTimes:
    return by_target(target_times(CAL, cal_terms, clock))[target]


DUE, WARN = sh(2026, 3, 2, 14, 30), sh(2026, 3, 2, 12, 0)  # 240 minutes from MONDAY, 75 %


def fixed(target=Target.FIRST_RESPONSE, *, due=DUE, warn_at=WARN, met_at=None,
          minutes=240) -> TargetTimes:
    return TargetTimes(target, minutes, due, warn_at, met_at)


# --- choose_policy ----------------------------------------------------------------------


def test_first_matching_policy_by_order_wins_and_ties_go_to_the_older_policy():
    # given two matching policies of the same order, a more specific one earlier in order
    # that does not match, and a default that sorts first
    urgent = terms(3, order=20, priority="urgent")
    vip = terms(2, order=20, tier_id=VIP)
    vip_complaints = terms(1, order=10, tier_id=VIP, type="complaint")
    default = terms(9, order=0, is_default=True)
    policies = [urgent, vip, vip_complaints, default]
    # when a VIP's urgent inquiry arrives
    chosen = choose_policy(policies, tier_id=VIP, priority="urgent", type="inquiry")
    # then the tie on order goes to the lower id; the default never pre-empts a match
    assert chosen == vip
    assert choose_policy(reversed(policies), tier_id=VIP, priority="urgent",
                         type="inquiry") == vip
    # and a VIP complaint takes the earlier, more specific policy
    assert choose_policy(policies, tier_id=VIP, priority="urgent",
                         type="complaint") == vip_complaints


def test_blank_fields_match_anything_and_every_set_field_must_match():
    # given a catch-all (non-default) policy and policies that each set one field
    anything = terms(5, order=50)
    gold = terms(1, order=10, tier_id=GOLD)
    high = terms(2, order=10, priority="high")
    complaints = terms(3, order=10, type="complaint")
    policies = [gold, high, complaints, anything]
    # then each field is matched exactly, blanks match anything, even a ticket without a tier
    assert choose_policy(policies, tier_id=GOLD, priority="low", type="inquiry") == gold
    assert choose_policy(policies, tier_id=None, priority="high", type="inquiry") == high
    assert choose_policy(policies, tier_id=VIP, priority="low", type="complaint") == complaints
    assert choose_policy(policies, tier_id=None, priority="low", type="praise") == anything
    # and a policy for a tier does not catch a customer without one
    assert choose_policy([gold], tier_id=None, priority="low", type="inquiry") is None


def test_default_policy_catches_the_rest_and_no_policy_means_none():
    default = terms(9, order=1000, is_default=True)
    vip = terms(1, tier_id=VIP, priority="urgent", type="complaint")
    # a ticket nothing else matches gets the default
    assert choose_policy([vip, default], tier_id=GOLD, priority="normal", type="inquiry") == default
    assert choose_policy([default], tier_id=None, priority="low", type="praise") == default
    # no match and no default: no SLA at all
    assert choose_policy([vip], tier_id=GOLD, priority="normal", type="inquiry") is None
    assert choose_policy([], tier_id=VIP, priority="urgent", type="complaint") is None
    # any iterable will do (the service passes a dict's values)
    assert choose_policy(iter([default, vip]), tier_id=VIP, priority="urgent",
                         type="complaint") == vip


# --- target_times -----------------------------------------------------------------------


def test_first_response_and_resolution_run_on_business_time_from_arrival():
    # given first response within 240 business minutes, resolution within 1,350, warn at 75 %
    policy = terms(first_response=240, resolution=1350)
    # when a ticket arrives on Monday 09:00
    times = by_target(target_times(CAL, policy, Clock(start=MONDAY)))
    # then only the targets the policy sets run
    assert set(times) == {Target.FIRST_RESPONSE, Target.RESOLUTION}
    first = times[Target.FIRST_RESPONSE]
    # 09:00–12:00 is 180 minutes, 60 more after lunch: 14:30; 75 % = 180 minutes: 12:00
    assert (first.minutes, first.due, first.warn_at, first.met_at) == (
        240, sh(2026, 3, 2, 14, 30), sh(2026, 3, 2, 12, 0), None)
    resolution = times[Target.RESOLUTION]
    # 1,350 minutes is three full days (Mon–Wed); 1,012.5 is two days and 112.5 minutes
    assert resolution.due == sh(2026, 3, 4, 18, 0)
    assert resolution.warn_at == sh(2026, 3, 4, 10, 52, 30)
    # and results are in UTC
    assert first.due.tzinfo is UTC and resolution.warn_at.tzinfo is UTC


def test_due_times_skip_spring_festival_and_count_the_makeup_saturday():
    # given a ticket on Friday 13 Feb 2026 at 17:00, the eve of the Spring Festival break
    policy = terms(first_response=120, resolution=1350)
    times = by_target(target_times(CAL, policy, Clock(start=sh(2026, 2, 13, 17, 0))))
    # then 60 minutes run on Friday and 60 on the 调休 Saturday 14 Feb
    assert times[Target.FIRST_RESPONSE].due == sh(2026, 2, 14, 10, 0)
    # and resolution: 60 (Fri) + 450 (Sat 14) + holiday 15–23 + 450 (Tue 24) + 390 (Wed 25)
    assert times[Target.RESOLUTION].due == sh(2026, 2, 25, 17, 0)


def test_due_times_skip_national_day():
    # given a ticket on Wednesday 30 September 2026 at 17:00
    first = one(terms(first_response=120), Clock(start=sh(2026, 9, 30, 17, 0)),
                Target.FIRST_RESPONSE)
    # then one hour runs on the 30th and the other after the 1–7 October holiday
    assert first.due == sh(2026, 10, 8, 10, 0)


def test_next_update_runs_only_after_the_first_response_from_the_last_public_reply():
    policy = terms(first_response=240, next_update=60, resolution=1350)
    # before any reply there is no next-update target
    assert Target.NEXT_UPDATE not in by_target(target_times(CAL, policy, Clock(start=MONDAY)))
    # after the first response at 10:00 it runs from there: 11:00
    replied = Clock(start=MONDAY, first_response_at=sh(2026, 3, 2, 10, 0))
    update = one(policy, replied, Target.NEXT_UPDATE)
    assert (update.minutes, update.due, update.warn_at, update.met_at) == (
        60, sh(2026, 3, 2, 11, 0), sh(2026, 3, 2, 10, 45), None)
    # after a later public reply at 11:30 it runs from that one: 30 before lunch, 30 after
    later = Clock(start=MONDAY, first_response_at=sh(2026, 3, 2, 10, 0),
                  last_public_reply_at=sh(2026, 3, 2, 11, 30))
    assert one(policy, later, Target.NEXT_UPDATE).due == sh(2026, 3, 2, 14, 0)
    # and once resolved there is nothing more to update
    resolved = Clock(start=MONDAY, first_response_at=sh(2026, 3, 2, 10, 0),
                     resolved_at=sh(2026, 3, 2, 16, 0),
                     pauses=((sh(2026, 3, 2, 16, 0), None, PAUSE_RESOLVED),))
    assert Target.NEXT_UPDATE not in by_target(target_times(CAL, policy, resolved))


def test_sunset_is_the_end_of_the_arrival_working_day():
    policy = terms(sunset=True)
    cases = [
        (sh(2026, 3, 2, 11, 30), sh(2026, 3, 2, 18, 0)),  # morning: same day
        (sh(2026, 3, 2, 12, 30), sh(2026, 3, 2, 18, 0)),  # over lunch: same day
        (sh(2026, 3, 2, 7, 0), sh(2026, 3, 2, 18, 0)),  # before opening: same day
        (sh(2026, 3, 2, 19, 0), sh(2026, 3, 3, 18, 0)),  # after closing: next working day
        (sh(2026, 2, 21, 10, 0), sh(2026, 2, 24, 18, 0)),  # Spring Festival Saturday
        (sh(2026, 2, 14, 8, 0), sh(2026, 2, 14, 18, 0)),  # 调休 Saturday is a working day
    ]
    for arrival, deadline in cases:
        sunset = one(policy, Clock(start=arrival), Target.SUNSET)
        assert (sunset.minutes, sunset.due, sunset.warn_at) == (None, deadline, None), arrival


def test_sunset_is_met_by_a_reply_or_a_resolution_whichever_comes_first():
    policy = terms(sunset=True)
    arrival = sh(2026, 3, 2, 11, 30)
    # a reply before 18:00 meets it
    replied = one(policy, Clock(start=arrival, first_response_at=sh(2026, 3, 2, 17, 0)),
                  Target.SUNSET)
    assert replied.met_at == sh(2026, 3, 2, 17, 0)
    assert state_of(replied, sh(2026, 3, 3, 9, 0)) == State.MET
    # a reply the next morning is late
    late = one(policy, Clock(start=arrival, first_response_at=sh(2026, 3, 3, 9, 30)),
               Target.SUNSET)
    assert state_of(late, sh(2026, 3, 3, 10, 0)) == State.MET_LATE
    # a resolution without any reply meets it too, and the earlier of the two counts
    resolved = one(policy, Clock(start=arrival, resolved_at=sh(2026, 3, 2, 15, 0)),
                   Target.SUNSET)
    assert resolved.met_at == sh(2026, 3, 2, 15, 0)
    both = one(policy, Clock(start=arrival, first_response_at=sh(2026, 3, 3, 9, 30),
                             resolved_at=sh(2026, 3, 2, 16, 0)), Target.SUNSET)
    assert both.met_at == sh(2026, 3, 2, 16, 0)
    assert state_of(both, sh(2026, 3, 4, 9, 0)) == State.MET


def test_warning_time_follows_warn_at_percent():
    clock = Clock(start=MONDAY)
    # half of 240 minutes is 120: 11:00
    assert one(terms(first_response=240, warn_at_percent=50), clock,
               Target.FIRST_RESPONSE).warn_at == sh(2026, 3, 2, 11, 0)
    # 1 % of 240 is 2.4 minutes
    assert one(terms(first_response=240, warn_at_percent=1), clock,
               Target.FIRST_RESPONSE).warn_at == sh(2026, 3, 2, 9, 2, 24)
    # at 100 % the warning comes with the due time
    full = one(terms(first_response=240, warn_at_percent=100), clock, Target.FIRST_RESPONSE)
    assert full.warn_at == full.due == sh(2026, 3, 2, 14, 30)


def test_customer_pauses_count_only_when_the_policy_says_so_resolved_pauses_always():
    hour = (sh(2026, 3, 2, 10, 0), sh(2026, 3, 2, 11, 0))
    waiting = Clock(start=MONDAY, pauses=((*hour, PAUSE_CUSTOMER),))
    resolved = Clock(start=MONDAY, pauses=((*hour, PAUSE_RESOLVED),))
    pausing = terms(first_response=240, pause_when_pending_customer=True)
    running = terms(first_response=240, pause_when_pending_customer=False)
    # a waiting hour moves the due time an hour later, and the warning too
    moved = one(pausing, waiting, Target.FIRST_RESPONSE)
    assert moved.due == sh(2026, 3, 2, 15, 30)
    assert moved.warn_at == sh(2026, 3, 2, 14, 30)  # 180: 09:00–10:00, 11:00–12:00, 13:30–14:30
    # unless the policy keeps the clock running while waiting on the customer
    assert one(running, waiting, Target.FIRST_RESPONSE).due == sh(2026, 3, 2, 14, 30)
    # a resolved spell (before a reopening) is always a pause
    assert one(running, resolved, Target.FIRST_RESPONSE).due == sh(2026, 3, 2, 15, 30)
    # and a pause over lunch or at night takes no business time
    lunch = Clock(start=MONDAY, pauses=((sh(2026, 3, 2, 12, 0), sh(2026, 3, 2, 13, 30),
                                         PAUSE_CUSTOMER),))
    assert one(pausing, lunch, Target.FIRST_RESPONSE).due == sh(2026, 3, 2, 14, 30)


def test_an_open_ended_pause_stops_the_clock_and_the_target_is_paused():
    waiting = Clock(start=MONDAY, pauses=((sh(2026, 3, 2, 10, 0), None, PAUSE_CUSTOMER),))
    paused = one(terms(first_response=240), waiting, Target.FIRST_RESPONSE)
    assert paused.due is None and paused.warn_at is None
    assert state_of(paused, sh(2026, 3, 9, 9, 0)) == State.PAUSED
    assert not is_breached(paused, sh(2026, 3, 9, 9, 0))
    # with pausing switched off the same wait does not stop anything
    kept = one(terms(first_response=240, pause_when_pending_customer=False), waiting,
               Target.FIRST_RESPONSE)
    assert kept.due == sh(2026, 3, 2, 14, 30)
    # a pause that starts after the due time does not save a late target
    after = Clock(start=MONDAY, pauses=((sh(2026, 3, 2, 15, 0), None, PAUSE_CUSTOMER),))
    late = one(terms(first_response=240), after, Target.FIRST_RESPONSE)
    assert late.due == sh(2026, 3, 2, 14, 30)
    assert state_of(late, sh(2026, 3, 2, 15, 30)) == State.BREACHED


# --- state_of ---------------------------------------------------------------------------


def test_state_of_each_case():
    due, warn = sh(2026, 3, 2, 14, 30), sh(2026, 3, 2, 12, 0)
    running = fixed(due=due, warn_at=warn)
    assert state_of(running, warn - TICK) == State.RUNNING
    assert state_of(running, warn) == State.WARNING  # the warning starts at warn_at
    assert state_of(running, due) == State.WARNING  # answering exactly at due is on time
    assert state_of(running, due + TICK) == State.BREACHED
    # met: on time (even exactly at the due time), or late; ``now`` no longer matters
    assert state_of(fixed(due=due, warn_at=warn, met_at=due), due + timedelta(days=9)) == State.MET
    assert state_of(fixed(due=due, warn_at=warn, met_at=due + TICK), due) == State.MET_LATE
    # met while paused is met
    assert state_of(fixed(due=None, warn_at=None, met_at=due), due) == State.MET
    assert state_of(fixed(due=None, warn_at=None), due) == State.PAUSED
    # without a warning time (sunset) it goes straight from running to breached
    sunset = fixed(Target.SUNSET, due=sh(2026, 3, 2, 18, 0), warn_at=None, minutes=None)
    assert state_of(sunset, sh(2026, 3, 2, 17, 59)) == State.RUNNING


def test_is_breached_for_a_missed_target_met_or_not():
    due = sh(2026, 3, 2, 14, 30)
    assert is_breached(fixed(due=due), due + TICK)
    assert is_breached(fixed(due=due, met_at=due + TICK), due)
    assert not is_breached(fixed(due=due, met_at=due), due + timedelta(days=1))
    assert not is_breached(fixed(due=due), due)


# --- summarise and next_threshold ---------------------------------------------------------


def test_summarise_shows_every_due_time_and_the_nearest_running_target():
    policy = terms(first_response=240, next_update=60, resolution=1350)
    times = target_times(CAL, policy, Clock(start=MONDAY))
    summary = summarise(times, {}, ESCALATE)
    assert summary.first_response_due == sh(2026, 3, 2, 14, 30)
    assert summary.next_update_due is None
    assert summary.resolution_due == sh(2026, 3, 4, 18, 0)
    # the nearest running target is the first response, with its warning
    assert (summary.sla_due, summary.sla_warn_at) == (sh(2026, 3, 2, 14, 30),
                                                     sh(2026, 3, 2, 12, 0))
    assert summary.next_check_at == sh(2026, 3, 2, 12, 0)
    # once answered at 10:00 the next update (11:00) is nearest; the met target keeps its column
    answered = target_times(CAL, policy, Clock(start=MONDAY,
                                               first_response_at=sh(2026, 3, 2, 10, 0)))
    summary = summarise(answered, {}, ESCALATE)
    assert summary.first_response_due == sh(2026, 3, 2, 14, 30)
    assert summary.next_update_due == summary.sla_due == sh(2026, 3, 2, 11, 0)
    assert summary.sla_warn_at == summary.next_check_at == sh(2026, 3, 2, 10, 45)


def test_summarise_without_running_targets_has_nothing_to_check():
    policy = terms(first_response=240, resolution=1350)
    waiting = Clock(start=MONDAY, pauses=((sh(2026, 3, 2, 10, 0), None, PAUSE_CUSTOMER),))
    summary = summarise(target_times(CAL, policy, waiting), {}, ESCALATE)
    assert (summary.first_response_due, summary.resolution_due) == (None, None)
    assert (summary.sla_due, summary.sla_warn_at, summary.next_check_at) == (None, None, None)
    assert summarise([], {}, ESCALATE).next_check_at is None


def test_next_check_follows_the_alert_stage_of_each_target():
    policy = terms(first_response=240, resolution=1350)
    times = target_times(CAL, policy, Clock(start=MONDAY))
    resolution_warning = sh(2026, 3, 4, 10, 52, 30)

    def check(stages):
        return summarise(times, stages, ESCALATE).next_check_at

    # nothing sent: the first response's warning (12:00)
    assert check({}) == sh(2026, 3, 2, 12, 0)
    # warned: its due time
    assert check({"first_response": "warned"}) == sh(2026, 3, 2, 14, 30)
    # owner told of the breach: the escalation, due + 30 minutes (wall clock)
    assert check({"first_response": "breached"}) == sh(2026, 3, 2, 15, 0)
    # escalated: nothing more for it, the resolution's warning is next
    assert check({"first_response": "escalated"}) == resolution_warning
    assert check({"first_response": "escalated", "resolution": "escalated"}) is None
    # the ticket row keeps showing the nearest target whatever was sent
    assert summarise(times, {"first_response": "escalated"}, ESCALATE).sla_due == sh(
        2026, 3, 2, 14, 30)


def test_next_threshold_goes_straight_to_due_when_the_warning_is_not_earlier():
    due = sh(2026, 3, 2, 14, 30)
    assert next_threshold(fixed(due=due, warn_at=due), Stage.NONE, ESCALATE) == due
    assert next_threshold(fixed(due=due, warn_at=None), Stage.NONE, ESCALATE) == due
    assert next_threshold(fixed(due=due, met_at=due), Stage.NONE, ESCALATE) is None
    assert next_threshold(fixed(due=None, warn_at=None), Stage.NONE, ESCALATE) is None


# --- due_alerts -------------------------------------------------------------------------


def test_alerts_come_in_order_one_stage_at_a_time():
    target = fixed(due=sh(2026, 3, 2, 14, 30), warn_at=sh(2026, 3, 2, 12, 0))
    assert due_alerts(target, Stage.NONE, sh(2026, 3, 2, 11, 59), ESCALATE) == []
    assert due_alerts(target, Stage.NONE, sh(2026, 3, 2, 12, 0), ESCALATE) == [Stage.WARNED]
    assert due_alerts(target, Stage.WARNED, sh(2026, 3, 2, 14, 30), ESCALATE) == []
    assert due_alerts(target, Stage.WARNED, sh(2026, 3, 2, 14, 31), ESCALATE) == [Stage.BREACHED]
    assert due_alerts(target, Stage.BREACHED, sh(2026, 3, 2, 15, 0), ESCALATE) == []
    assert due_alerts(target, Stage.BREACHED, sh(2026, 3, 2, 15, 1), ESCALATE) == [
        Stage.ESCALATED]


def test_a_job_that_was_down_sends_what_still_matters_and_never_repeats_a_stage():
    target = fixed(due=sh(2026, 3, 2, 14, 30), warn_at=sh(2026, 3, 2, 12, 0))
    late = sh(2026, 3, 2, 16, 0)  # past due and past due + 30 minutes
    # nothing was sent: the breach and the escalation, not the stale warning
    assert due_alerts(target, Stage.NONE, late, ESCALATE) == [Stage.BREACHED, Stage.ESCALATED]
    # past due but not yet time to escalate: only the breach
    assert due_alerts(target, Stage.NONE, sh(2026, 3, 2, 14, 45), ESCALATE) == [Stage.BREACHED]
    # what was sent is never sent again
    assert due_alerts(target, Stage.WARNED, late, ESCALATE) == [Stage.BREACHED, Stage.ESCALATED]
    assert due_alerts(target, Stage.BREACHED, late, ESCALATE) == [Stage.ESCALATED]
    assert due_alerts(target, Stage.ESCALATED, late, ESCALATE) == []
    assert due_alerts(target, Stage.WARNED, sh(2026, 3, 2, 13, 0), ESCALATE) == []


def test_met_and_paused_targets_owe_no_alerts():
    late = sh(2026, 3, 9, 9, 0)
    assert due_alerts(fixed(met_at=sh(2026, 3, 2, 15, 0)), Stage.NONE, late, ESCALATE) == []
    assert due_alerts(fixed(due=None, warn_at=None), Stage.NONE, late, ESCALATE) == []


# --- properties -------------------------------------------------------------------------

BOUNDED = settings(max_examples=60, deadline=None)
STARTS = st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 20), timezones=st.just(SH))
STAGES = st.sampled_from(list(Stage))


@st.composite
def clocks(draw) -> Clock:
    start = draw(STARTS)
    pauses = []
    for _ in range(draw(st.integers(0, 2))):
        begin = start + timedelta(minutes=draw(st.integers(0, 6 * 24 * 60)))
        length = draw(st.none() | st.integers(1, 3 * 24 * 60))
        end = None if length is None else begin + timedelta(minutes=length)
        pauses.append((begin, end, draw(st.sampled_from([PAUSE_CUSTOMER, PAUSE_RESOLVED]))))
    return Clock(start=start, pauses=tuple(pauses))


@st.composite
def running_targets(draw) -> TargetTimes:
    policy = terms(first_response=draw(st.integers(1, 2000)),
                   warn_at_percent=draw(st.integers(1, 100)))
    return one(policy, Clock(start=draw(STARTS)), Target.FIRST_RESPONSE)


@BOUNDED
@given(clocks(), st.integers(0, 2000), st.integers(0, 2000), st.booleans())
def test_a_bigger_target_is_never_due_earlier(clock, small, extra, pausing):
    def due(minutes):
        policy = terms(resolution=minutes, pause_when_pending_customer=pausing)
        return one(policy, clock, Target.RESOLUTION).due

    first, second = due(small), due(small + extra)
    if first is None:  # stopped by an open-ended pause: so is every bigger target
        assert second is None
    elif second is not None:
        assert first <= second


@BOUNDED
@given(clocks(), st.integers(1, 2000), st.integers(1, 100))
def test_warning_lies_between_arrival_and_due_and_the_due_time_is_exact(clock, minutes, percent):
    policy = terms(first_response=minutes, warn_at_percent=percent)
    target = one(policy, clock, Target.FIRST_RESPONSE)
    if target.due is None:
        assert target.warn_at is None
        return
    assert clock.start <= target.warn_at <= target.due
    pauses = [(s, e) for s, e, _reason in clock.pauses]
    assert abs(business_minutes_between(CAL, clock.start, target.due, pauses) - minutes) < 1e-6
    assert target.due == add_business_minutes(CAL, clock.start, minutes, pauses)


@BOUNDED
@given(running_targets(), STAGES)
def test_next_threshold_is_exactly_when_the_next_alert_falls_due(target, stage):
    threshold = next_threshold(target, stage, ESCALATE)
    if threshold is None:  # escalated already: nothing is owed, ever
        assert stage == Stage.ESCALATED
        assert due_alerts(target, stage, target.due + timedelta(days=30), ESCALATE) == []
        return
    # the job may sleep until the threshold without missing anything
    assert due_alerts(target, stage, threshold - TICK, ESCALATE) == []
    # and finds an alert just after it
    owed = due_alerts(target, stage, threshold + TICK, ESCALATE)
    assert owed
    # once sent, nothing is owed again at that moment, and the next threshold is later
    assert due_alerts(target, owed[-1], threshold + TICK, ESCALATE) == []
    following = next_threshold(target, owed[-1], ESCALATE)
    assert following is None or following > threshold


@BOUNDED
@given(st.lists(running_targets(), min_size=1, max_size=3), st.lists(STAGES, min_size=3,
                                                                     max_size=3))
def test_nothing_is_owed_before_the_ticket_next_check(targets, stages):
    times = [TargetTimes(target, t.minutes, t.due, t.warn_at, t.met_at)
             for target, t in zip(Target, targets, strict=False)]
    sent = {t.target.value: stage.value for t, stage in zip(times, stages, strict=False)}
    summary = summarise(times, sent, ESCALATE)
    assert summary.sla_due == min(t.due for t in times)
    if summary.next_check_at is None:
        assert all(stage == Stage.ESCALATED for stage in stages[:len(times)])
        return
    before, after = summary.next_check_at - TICK, summary.next_check_at + TICK
    assert not any(due_alerts(t, Stage(sent[t.target]), before, ESCALATE) for t in times)
    assert any(due_alerts(t, Stage(sent[t.target]), after, ESCALATE) for t in times)
