"""Business calendars and SLA due times, without a database.

Fixed examples use the demo calendar (Mon–Fri 09:00–12:00 and 13:30–18:00, Shanghai,
mainland China holidays); properties use generated calendars in several zones.
"""

import json
import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.workflow import holidays_cn
from kefu.workflow.calendar import (
    DAY_MINUTES,
    BusinessCalendar,
    SlaState,
    add_business_minutes,
    business_minutes_between,
    calendar_from_dict,
    default_calendar_data,
    end_of_business_day,
    is_open,
    next_open,
    remaining_business_minutes,
    sla_state,
)

SH = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
CAL = calendar_from_dict(default_calendar_data())
TICK = timedelta(microseconds=1)


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SH)


def due(start: datetime, minutes: float, pauses=()) -> datetime | None:
    result = add_business_minutes(CAL, start, minutes, pauses)
    return None if result is None else result.astimezone(SH)


# --- fixed examples: the working day -----------------------------------------------------


def test_lunch_break_is_not_counted():
    # given a ticket at 11:00 on a Monday with a two-hour target
    # then one hour runs before lunch and one after 13:30
    assert due(sh(2026, 3, 2, 11), 120) == sh(2026, 3, 2, 14, 30)


def test_after_hours_arrival_starts_the_clock_next_morning():
    assert due(sh(2026, 3, 2, 19), 60) == sh(2026, 3, 3, 10)


def test_friday_evening_target_runs_over_the_weekend_to_monday():
    assert due(sh(2026, 3, 6, 17, 30), 60) == sh(2026, 3, 9, 9, 30)


def test_target_ending_exactly_at_close_is_due_at_close_not_next_opening():
    assert due(sh(2026, 3, 2, 17), 60) == sh(2026, 3, 2, 18)


def test_results_are_in_utc():
    assert add_business_minutes(CAL, sh(2026, 3, 2, 9), 30).tzinfo is UTC


def test_zero_minutes_moves_the_start_to_the_next_open_instant():
    assert due(sh(2026, 3, 2, 9), 0) == sh(2026, 3, 2, 9)
    assert due(sh(2026, 3, 2, 12), 0) == sh(2026, 3, 2, 13, 30)
    assert due(sh(2026, 3, 7, 10), 0) == sh(2026, 3, 9, 9)


def test_intervals_are_half_open():
    assert is_open(CAL, sh(2026, 3, 2, 9))
    assert is_open(CAL, sh(2026, 3, 2, 11, 59))
    assert not is_open(CAL, sh(2026, 3, 2, 12))
    assert next_open(CAL, sh(2026, 3, 2, 12)) == sh(2026, 3, 2, 13, 30)


# --- fixed examples: public holidays and 调休 ----------------------------------------------


def test_afternoon_before_spring_festival_2026_is_due_after_the_holiday():
    # given Saturday 14 February 2026, a 调休 working day, the eve of nine days off
    # when a ticket arrives at 15:00 with an eight-business-hour target
    # then three hours run that day and five on Tuesday 24 February
    assert due(sh(2026, 2, 14, 15), 8 * 60) == sh(2026, 2, 24, 15, 30)


def test_afternoon_before_spring_festival_2025_is_due_after_the_holiday():
    # 除夕 28 January 2025 to 4 February are off; 8 February (Saturday) is worked
    assert due(sh(2025, 1, 27, 15), 8 * 60) == sh(2025, 2, 5, 15, 30)


def test_adjusted_working_saturday_and_sunday_count_as_working_days():
    assert is_open(CAL, sh(2026, 2, 14, 10))  # Saturday before 春节 2026
    assert is_open(CAL, sh(2026, 9, 20, 10))  # Sunday before 国庆节 2026
    assert due(sh(2026, 9, 19, 10), 60) == sh(2026, 9, 20, 10)
    assert due(sh(2026, 10, 9, 17), 120) == sh(2026, 10, 10, 10)  # Friday → 调休 Saturday


def test_national_day_and_mid_autumn_2025_run_as_one_closed_week():
    assert due(sh(2025, 9, 30, 16), 8 * 60) == sh(2025, 10, 9, 16, 30)


def test_business_minutes_over_spring_festival_count_only_the_working_days():
    # Friday 13 February and the 调休 Saturday 14 February, then nothing until the 24th
    assert business_minutes_between(CAL, sh(2026, 2, 13, 9), sh(2026, 2, 24, 9)) == 2 * 450


def test_makeup_schedule_is_configurable():
    data = default_calendar_data() | {"makeup": [["10:00", "16:00"]]}
    cal = calendar_from_dict(data)
    assert not is_open(cal, sh(2026, 2, 14, 9, 30))
    assert add_business_minutes(cal, sh(2026, 2, 14, 9), 60) == sh(2026, 2, 14, 11)


def test_branch_closed_day_and_extra_open_day():
    data = default_calendar_data() | {"closed": ["2026-03-02"], "open": ["2026-03-08"]}
    cal = calendar_from_dict(data)
    assert add_business_minutes(cal, sh(2026, 3, 2, 10), 60) == sh(2026, 3, 3, 10)
    assert add_business_minutes(cal, sh(2026, 3, 7, 10), 60) == sh(2026, 3, 8, 10)  # Sunday


def test_extra_open_day_overrides_a_public_holiday():
    cal = calendar_from_dict(default_calendar_data() | {"open": ["2026-10-02"]})
    assert is_open(cal, sh(2026, 10, 2, 10))
    assert not is_open(cal, sh(2026, 10, 1, 10))


def test_calendar_without_public_holidays_works_through_them():
    cal = calendar_from_dict(default_calendar_data() | {"public_holidays": None})
    assert is_open(cal, sh(2026, 10, 1, 10))
    assert not is_open(cal, sh(2026, 10, 10, 10))  # no 调休 either


# --- fixed examples: the sunset rule (日落原则) ---------------------------------------------


@pytest.mark.parametrize(
    ("arrival", "deadline"),
    [
        (sh(2026, 3, 2, 8), sh(2026, 3, 2, 18)),  # before opening: that day
        (sh(2026, 3, 2, 10), sh(2026, 3, 2, 18)),
        (sh(2026, 3, 2, 12, 30), sh(2026, 3, 2, 18)),  # lunch break: still that day
        (sh(2026, 3, 2, 18), sh(2026, 3, 3, 18)),  # at close: next working day
        (sh(2026, 3, 2, 19), sh(2026, 3, 3, 18)),
        (sh(2026, 3, 7, 11), sh(2026, 3, 9, 18)),  # Saturday: Monday
        (sh(2026, 2, 13, 19), sh(2026, 2, 14, 18)),  # Friday night: the 调休 Saturday
        (sh(2026, 2, 16, 10), sh(2026, 2, 24, 18)),  # inside 春节: first day back
    ],
)
def test_end_of_business_day(arrival, deadline):
    assert end_of_business_day(CAL, arrival) == deadline


# --- pauses and SLA state ---------------------------------------------------------------


def test_pause_in_business_time_shifts_the_due_time():
    pause = (sh(2026, 3, 2, 10), sh(2026, 3, 2, 11))
    assert due(sh(2026, 3, 2, 9), 180, [pause]) == sh(2026, 3, 2, 14, 30)


def test_pause_in_closed_time_changes_nothing():
    pause = (sh(2026, 3, 2, 12), sh(2026, 3, 2, 13, 30))
    assert due(sh(2026, 3, 2, 9), 240, [pause]) == due(sh(2026, 3, 2, 9), 240)


def test_overlapping_pauses_count_once():
    pauses = [
        (sh(2026, 3, 2, 10), sh(2026, 3, 2, 11)),
        (sh(2026, 3, 2, 10, 30), sh(2026, 3, 2, 11)),
    ]
    assert due(sh(2026, 3, 2, 9), 180, pauses) == sh(2026, 3, 2, 14, 30)


def test_open_ended_pause_stops_the_clock():
    # given a ticket waiting on the customer since 10:00, with no reply yet
    pause = (sh(2026, 3, 2, 10), None)
    assert due(sh(2026, 3, 2, 9), 120, [pause]) is None
    assert due(sh(2026, 3, 2, 9), 60, [pause]) == sh(2026, 3, 2, 10)
    assert business_minutes_between(CAL, sh(2026, 3, 2, 9), sh(2026, 3, 3, 9), [pause]) == 60


def test_remaining_minutes_are_negative_once_overdue():
    assert remaining_business_minutes(CAL, sh(2026, 3, 2, 17), sh(2026, 3, 3, 10)) == 120
    assert remaining_business_minutes(CAL, sh(2026, 3, 3, 10), sh(2026, 3, 2, 17)) == -120


def test_sla_state():
    start, target = sh(2026, 3, 2, 9), 240
    due_at = add_business_minutes(CAL, start, target)
    warn_at = add_business_minutes(CAL, start, 0.8 * target)
    assert sla_state(sh(2026, 3, 2, 10), due_at, warn_at) is SlaState.OK
    assert sla_state(sh(2026, 3, 2, 14, 30), due_at, warn_at) is SlaState.WARNING
    assert sla_state(due_at, due_at, warn_at) is SlaState.WARNING  # at due is on time
    assert sla_state(due_at + TICK, due_at, warn_at) is SlaState.BREACHED
    assert sla_state(sh(2026, 3, 9, 9), None) is SlaState.OK


# --- daylight saving time ---------------------------------------------------------------


def london(weekly, **extra) -> BusinessCalendar:
    return BusinessCalendar(weekly=tuple(weekly), tz="Europe/London", **extra)


def test_dst_days_are_an_hour_short_and_long_in_real_minutes():
    always = london([((0, DAY_MINUTES),)] * 7)
    spring = datetime(2024, 3, 30, 12, tzinfo=LONDON), datetime(2024, 3, 31, 12, tzinfo=LONDON)
    autumn = datetime(2024, 10, 26, 12, tzinfo=LONDON), datetime(2024, 10, 27, 12, tzinfo=LONDON)
    assert business_minutes_between(always, *spring) == 23 * 60
    assert business_minutes_between(always, *autumn) == 25 * 60


def test_opening_inside_the_skipped_hour_opens_when_the_clock_jumps():
    # given a desk open Sunday 01:30–03:00; on 31 March 2024 01:00 GMT jumps to 02:00 BST
    cal = london([()] * 6 + [((90, 180),)])
    sunday = datetime(2024, 3, 31, tzinfo=UTC)
    # then it opens at the jump (01:00 UTC) and is open for one real hour
    assert next_open(cal, sunday) == datetime(2024, 3, 31, 1, tzinfo=UTC)
    assert business_minutes_between(cal, sunday, sunday + timedelta(days=1)) == 60


def test_due_time_across_the_spring_change_uses_the_new_offset():
    nine_to_five = london([((540, 1020),)] * 5 + [(), ()])
    friday = datetime(2024, 3, 29, 16, tzinfo=LONDON)  # GMT
    assert add_business_minutes(nine_to_five, friday, 120) == datetime(2024, 4, 1, 9, tzinfo=UTC)


# --- building calendars from data -------------------------------------------------------


def test_default_data_is_json_and_builds_the_demo_calendar():
    data = json.loads(json.dumps(default_calendar_data()))
    cal = calendar_from_dict(data)
    assert cal.tz == "Asia/Shanghai"
    assert cal.weekly[0] == ((540, 720), (810, 1080)) and cal.weekly[5] == ()
    assert cal.makeup == cal.weekly[0]
    assert cal.holidays == holidays_cn.holidays_and_workdays()[0]


def test_minutes_and_24_00_are_accepted_and_touching_intervals_merge():
    cal = calendar_from_dict({"weekly": {"sun": [[0, "12:00"], ["12:00", "24:00"]]}})
    assert cal.weekly[6] == ((0, DAY_MINUTES),)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weekly": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "overlaps"),
        ({"weekly": {"mon": [["12:00", "09:00"]]}}, "end after it starts"),
        ({"weekly": {"mon": [["09:00", "09:00"]]}}, "end after it starts"),
        ({"weekly": {"mon": [["09:00", "25:00"]]}}, "outside 0..1440"),
        ({"weekly": {"mon": [[-5, 600]]}}, "outside 0..1440"),
        ({"weekly": {"mon": [["9h", "10:00"]]}}, "not a time"),
        ({"weekly": {"monday": []}}, "unknown weekdays"),
        ({"tz": "Asia/Peking"}, "unknown time zone"),
        ({"tz": "../etc/passwd"}, "unknown time zone"),
        ({"closed": ["2026-02-30"]}, "closed"),
        ({"closed": ["2026-03-02"], "open": ["2026-03-02"]}, "both closed and extra_open"),
        ({"public_holidays": "us"}, "public_holidays"),
        ({"hours": {}}, "unknown calendar keys"),
    ],
)
def test_bad_calendar_data_raises_a_clear_value_error(data, message):
    with pytest.raises(ValueError, match=message):
        calendar_from_dict(default_calendar_data() | data)


def test_holiday_and_makeup_day_cannot_be_the_same_date():
    with pytest.raises(ValueError, match="both holidays and workdays"):
        BusinessCalendar(weekly=((),) * 7, holidays={date(2026, 1, 1)}, workdays={date(2026, 1, 1)})


def test_naive_datetimes_and_negative_targets_are_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_minutes(CAL, datetime(2026, 3, 2, 9), 60)
    with pytest.raises(ValueError, match="zero or more"):
        add_business_minutes(CAL, sh(2026, 3, 2, 9), -1)
    with pytest.raises(ValueError, match="before start"):
        business_minutes_between(CAL, sh(2026, 3, 2, 9), sh(2026, 3, 2, 8))


def test_calendar_without_open_time_gives_up_at_the_horizon():
    never = BusinessCalendar(weekly=((),) * 7)
    assert not is_open(never, sh(2026, 3, 2, 9))
    with pytest.raises(ValueError, match="no open time"):
        next_open(never, sh(2026, 3, 2, 9))
    with pytest.raises(ValueError, match="not reached"):
        add_business_minutes(never, sh(2026, 3, 2, 9), 1)
    with pytest.raises(ValueError, match="horizon"):
        add_business_minutes(CAL, sh(2026, 3, 2, 9), math.inf)


# --- properties -------------------------------------------------------------------------

ZONES = ["Asia/Shanghai", "Europe/London", "America/New_York", "UTC"]
CN = holidays_cn.holidays_and_workdays()
DAYS = st.dates(date(2024, 1, 1), date(2026, 12, 31))
STARTS = st.datetimes(datetime(2024, 1, 1), datetime(2026, 9, 30), timezones=st.just(UTC))
BOUNDED = settings(max_examples=80, deadline=None)


@st.composite
def schedules(draw) -> tuple[tuple[int, int], ...]:
    bounds = sorted(draw(st.lists(st.integers(0, DAY_MINUTES), unique=True, max_size=6)))
    return tuple(zip(bounds[::2], bounds[1::2], strict=False))


@st.composite
def calendars(draw) -> BusinessCalendar:
    weekly = [draw(schedules()) for _ in range(7)]
    if not any(weekly):
        weekly[0] = ((540, 1080),)
    holidays, workdays = draw(st.sampled_from([CN, (frozenset(), frozenset())]))
    closed = draw(st.frozensets(DAYS, max_size=8))
    return BusinessCalendar(
        weekly=tuple(weekly),
        tz=draw(st.sampled_from(ZONES)),
        holidays=holidays,
        workdays=workdays,
        closed=closed,
        extra_open=draw(st.frozensets(DAYS, max_size=4)) - closed,
    )


def targets(cal: BusinessCalendar):
    """Up to about three weeks of the calendar's open time, so every target is reachable."""
    weekly_minutes = sum(end - start for day in cal.weekly for start, end in day)
    return st.integers(0, 3 * weekly_minutes)


@BOUNDED
@given(calendars(), STARTS, st.data())
def test_round_trip_with_business_minutes_between(cal, start, data):
    minutes = data.draw(targets(cal))
    assert (
        business_minutes_between(cal, start, add_business_minutes(cal, start, minutes)) == minutes
    )


@BOUNDED
@given(calendars(), STARTS, st.data())
def test_due_is_monotonic_in_the_target(cal, start, data):
    small, large = sorted([data.draw(targets(cal)), data.draw(targets(cal))])
    assert add_business_minutes(cal, start, small) <= add_business_minutes(cal, start, large)


@BOUNDED
@given(calendars(), STARTS, st.data())
def test_due_is_never_inside_closed_time(cal, start, data):
    # For a positive target the due instant ends a stretch of open time: the instant just
    # before it is open (it may be the very close). A zero target is the next open instant.
    minutes = data.draw(targets(cal))
    due_at = add_business_minutes(cal, start, minutes)
    assert due_at >= start
    if minutes > 0:
        assert is_open(cal, due_at - TICK)
    else:
        assert due_at == next_open(cal, start) and is_open(cal, due_at)


@BOUNDED
@given(calendars(), STARTS, st.data())
def test_pause_shifts_the_due_by_exactly_the_business_time_it_takes(cal, start, data):
    # given a pause somewhere around the start
    minutes = data.draw(targets(cal))
    offset = data.draw(st.integers(-2 * DAY_MINUTES, 20 * DAY_MINUTES))
    length = data.draw(st.integers(1, 3 * DAY_MINUTES))
    pause = (start + timedelta(minutes=offset), start + timedelta(minutes=offset + length))
    # when the due time is computed with and without it
    plain = add_business_minutes(cal, start, minutes)
    paused = add_business_minutes(cal, start, minutes, [pause])
    # then the paused due is later by the open time the pause swallowed before it
    low, high = max(start, pause[0]), min(pause[1], paused)
    lost = business_minutes_between(cal, low, high) if low < high else 0
    assert paused >= plain
    assert math.isclose(business_minutes_between(cal, plain, paused), lost, abs_tol=1e-6)


@BOUNDED
@given(calendars(), STARTS, st.data())
def test_open_ended_pause_gives_no_due_if_it_starts_before_the_due(cal, start, data):
    minutes = data.draw(targets(cal))
    pause_start = start + timedelta(minutes=data.draw(st.integers(0, 30 * DAY_MINUTES)))
    plain = add_business_minutes(cal, start, minutes)
    paused = add_business_minutes(cal, start, minutes, [(pause_start, None)])
    # a pause from exactly the due instant on comes too late for a positive target, but a
    # zero target asks for an instant when the clock runs, and there is none
    on_time = pause_start > plain or (minutes > 0 and pause_start == plain)
    assert paused == (plain if on_time else None)


@BOUNDED
@given(calendars(), STARTS, st.integers(0, 20 * DAY_MINUTES), st.integers(0, 20 * DAY_MINUTES))
def test_business_minutes_add_up_and_never_exceed_wall_clock(cal, start, first, second):
    middle = start + timedelta(minutes=first)
    end = middle + timedelta(minutes=second)
    whole = business_minutes_between(cal, start, end)
    parts = business_minutes_between(cal, start, middle) + business_minutes_between(
        cal, middle, end
    )
    assert math.isclose(whole, parts, abs_tol=1e-6)
    assert 0 <= whole <= first + second


@BOUNDED
@given(calendars(), STARTS, st.integers(0, 5 * DAY_MINUTES))
def test_end_of_business_day_is_ahead_open_and_monotonic(cal, at, later):
    deadline = end_of_business_day(cal, at)
    assert deadline > at and is_open(cal, deadline - TICK)
    assert business_minutes_between(cal, at, deadline) > 0
    assert end_of_business_day(cal, at + timedelta(minutes=later)) >= deadline


@BOUNDED
@given(calendars(), STARTS)
def test_next_open_is_open_and_nothing_runs_before_it(cal, at):
    opening = next_open(cal, at)
    assert is_open(cal, opening)
    assert business_minutes_between(cal, at, opening) == 0


PAIRS = st.lists(st.tuples(st.integers(-10, 1500), st.integers(-10, 1500)), max_size=5)


@settings(max_examples=150, deadline=None)
@given(PAIRS)
def test_schedule_is_rejected_or_sorted_disjoint_and_in_range(pairs):
    try:
        cal = calendar_from_dict({"weekly": {"mon": [list(pair) for pair in pairs]}})
    except ValueError:
        return
    monday = cal.weekly[0]
    assert all(0 <= start < end <= DAY_MINUTES for start, end in monday)
    assert all(a[1] < b[0] for a, b in zip(monday, monday[1:], strict=False))
    assert sum(end - start for start, end in monday) == sum(end - start for start, end in pairs)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = st.sampled_from(["tz", "weekly", "makeup", "public_holidays", "closed", "open", "x"])


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(KEYS, JSON, max_size=4))
def test_any_json_builds_a_calendar_or_raises_value_error(data):
    try:
        calendar_from_dict(data)
    except ValueError:
        pass
