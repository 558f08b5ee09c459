"""Business calendars and SLA due times: pure functions, no ORM, no settings.

A ``BusinessCalendar`` says which wall-clock intervals are open on every local date of
its time zone. For a date, the first rule that matches wins:

1. a custom closed day (``closed``, e.g. a branch's stock-take) → closed;
2. a custom extra open day (``extra_open``) or a 调休 working day (``workdays``) → the
   ``makeup`` schedule (by default the first Monday–Friday schedule with hours);
3. a public holiday (``holidays``) → closed;
4. otherwise the weekly schedule for that weekday.

Conventions every function here shares (see ``docs/sla-calendar.md``):

- Inputs are aware datetimes in any zone; naive ones raise ``ValueError``. Results are
  aware datetimes **in UTC**: Python compares and subtracts two datetimes of the *same*
  zone by wall clock, which is wrong inside a DST fall-back hour, and UTC is what the
  database stores anyway. Convert for display.
- Open intervals are half-open, ``[open, close)``: at 12:00 a desk open 09:00–12:00 is
  closed.
- Business time is real elapsed time inside open intervals. Local intervals are turned
  into instants date by date, so on a DST change day an interval spanning the change is
  an hour longer or shorter. A wall time the clock skips maps to the instant of the jump;
  a wall time that occurs twice maps to its first occurrence.
- The clock runs only inside open intervals and outside pauses (e.g. "pending customer").
- Walks go interval by interval and day by day, never minute by minute, and give up with
  ``ValueError`` after ``HORIZON`` (about three years).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kefu.workflow import holidays_cn

Interval = tuple[int, int]  # minutes after local midnight, [start, end), 0 <= start < end <= 1440
Schedule = tuple[Interval, ...]
Span = tuple[datetime, datetime]  # UTC instants, [start, end)
Pause = tuple[datetime, datetime | None]  # end None: paused until further notice

DAY_MINUTES = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TZ = "Asia/Shanghai"
HORIZON = timedelta(days=3 * 366)
ONE_DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Weekly hours in a time zone, with public holidays, 调休 days and custom days.

    ``weekly`` has seven schedules, Monday first. Construction normalises schedules
    (sorted, touching intervals merged) and raises ``ValueError`` on bad data, so a
    calendar that exists is valid.
    """

    weekly: tuple[Schedule, ...]
    tz: str = DEFAULT_TZ
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    closed: frozenset[date] = frozenset()
    extra_open: frozenset[date] = frozenset()
    makeup: Schedule | None = None
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        if len(self.weekly) != 7:
            raise ValueError(f"weekly needs 7 schedules (Monday first), got {len(self.weekly)}")
        weekly = tuple(_normalise(WEEKDAYS[n], day) for n, day in enumerate(self.weekly))
        put(self, "weekly", weekly)
        put(self, "zone", _zone(self.tz))
        for name in ("holidays", "workdays", "closed", "extra_open"):
            put(self, name, _dates(name, getattr(self, name)))
        _check_disjoint("holidays", self.holidays, "workdays", self.workdays)
        _check_disjoint("closed", self.closed, "extra_open", self.extra_open)
        makeup = _first_weekday_schedule(weekly) if self.makeup is None else self.makeup
        put(self, "makeup", _normalise("makeup", makeup))

    def schedule_on(self, day: date) -> Schedule:
        """The local open intervals of ``day`` (see the precedence in the module docstring)."""
        if day in self.closed:
            return ()
        if day in self.extra_open or day in self.workdays:
            return self.makeup or ()
        if day in self.holidays:
            return ()
        return self.weekly[day.weekday()]


class SlaState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"


# --- building a calendar from JSON-able data -------------------------------------------

_KEYS = frozenset({"tz", "weekly", "makeup", "public_holidays", "closed", "open"})
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")


def default_calendar_data() -> dict[str, Any]:
    """A fresh copy of the demo calendar: Mon–Fri 09:00–12:00 and 13:30–18:00, Shanghai."""
    hours = [["09:00", "12:00"], ["13:30", "18:00"]]
    weekly = {day: [list(pair) for pair in hours] for day in WEEKDAYS[:5]}
    return {"tz": DEFAULT_TZ, "weekly": weekly, "public_holidays": "cn", "closed": [], "open": []}


def calendar_from_dict(data: Mapping[str, Any]) -> BusinessCalendar:
    """Build a calendar from the JSON-able form stored in the database.

    ``weekly`` maps ``mon``..``sun`` to ``[[open, close], ...]`` (``"HH:MM"`` or minutes
    after midnight, ``"24:00"`` allowed); a missing day is closed. ``makeup`` is the
    schedule of 调休 and extra open days. ``public_holidays`` is ``"cn"`` (default) or
    ``None``. ``closed`` and ``open`` are lists of ``"YYYY-MM-DD"``. Raises ``ValueError``
    with a message fit for an admin form.
    """
    if not isinstance(data, Mapping):
        raise ValueError("a calendar must be an object")
    unknown = sorted(map(str, set(data) - _KEYS))
    if unknown:
        raise ValueError(f"unknown calendar keys: {', '.join(unknown)}")
    holidays, workdays = _public_holidays(data.get("public_holidays", "cn"))
    makeup = data.get("makeup")
    return BusinessCalendar(
        weekly=_parse_weekly(data.get("weekly", {})),
        tz=data.get("tz", DEFAULT_TZ),
        holidays=holidays,
        workdays=workdays,
        closed=_parse_dates("closed", data.get("closed", [])),
        extra_open=_parse_dates("open", data.get("open", [])),
        makeup=None if makeup is None else _parse_schedule("makeup", makeup),
    )


def _public_holidays(name: object) -> tuple[frozenset[date], frozenset[date]]:
    if name is None or name == "none":
        return frozenset(), frozenset()
    if name == "cn":
        return holidays_cn.holidays_and_workdays()
    raise ValueError(f"public_holidays must be 'cn' or null, got {name!r}")


def _parse_weekly(weekly: object) -> tuple[Schedule, ...]:
    if not isinstance(weekly, Mapping):
        raise ValueError("weekly must map mon..sun to lists of [open, close]")
    unknown = sorted(map(str, set(weekly) - set(WEEKDAYS)))
    if unknown:
        raise ValueError(f"unknown weekdays: {', '.join(unknown)} (use mon..sun)")
    return tuple(_parse_schedule(day, weekly.get(day, [])) for day in WEEKDAYS)


def _parse_schedule(label: str, pairs: object) -> Schedule:
    if not isinstance(pairs, list | tuple):
        raise ValueError(f"{label}: expected a list of [open, close] pairs")
    parsed = []
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValueError(f"{label}: {pair!r} is not an [open, close] pair")
        parsed.append((_parse_minute(label, pair[0]), _parse_minute(label, pair[1])))
    return tuple(parsed)


def _parse_minute(label: str, value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _HHMM.match(value) if isinstance(value, str) else None
    if match is None or int(match[2]) > 59:
        raise ValueError(f"{label}: {value!r} is not a time like '09:30'")
    return int(match[1]) * 60 + int(match[2])


def _parse_dates(label: str, values: object) -> frozenset[date]:
    if not isinstance(values, list | tuple):
        raise ValueError(f"{label}: expected a list of dates like '2026-02-16'")
    try:
        return frozenset(date.fromisoformat(value) for value in values)
    except (TypeError, ValueError):
        raise ValueError(f"{label}: every entry must be a date like '2026-02-16'")


# --- validation ------------------------------------------------------------------------


def _normalise(label: str, intervals: Iterable[Interval]) -> Schedule:
    """Sorted, validated intervals; touching ones merged, overlapping ones rejected."""
    checked = sorted(_check_interval(label, pair) for pair in intervals)
    merged: list[Interval] = []
    for start, end in checked:
        if merged and start < merged[-1][1]:
            before = merged[-1]
            raise ValueError(f"{label}: {_hhmm(start, end)} overlaps {_hhmm(*before)}")
        if merged and start == merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _check_interval(label: str, pair: object) -> Interval:
    if not isinstance(pair, tuple | list) or len(pair) != 2:
        raise ValueError(f"{label}: {pair!r} is not a (start, end) pair of minutes")
    start, end = pair
    for minute in (start, end):
        if not isinstance(minute, int) or isinstance(minute, bool):
            raise ValueError(f"{label}: {minute!r} is not a whole minute")
        if not 0 <= minute <= DAY_MINUTES:
            raise ValueError(f"{label}: minute {minute} is outside 0..1440 (00:00..24:00)")
    if end <= start:
        raise ValueError(f"{label}: {_hhmm(start, end)} must end after it starts")
    return (start, end)


def _hhmm(start: int, end: int) -> str:
    return f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"


def _zone(name: object) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise ValueError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like 'Asia/Shanghai')")


def _dates(label: str, values: Iterable[date]) -> frozenset[date]:
    days = frozenset(values)
    if any(isinstance(d, datetime) or not isinstance(d, date) for d in days):
        raise ValueError(f"{label}: every entry must be a date")
    return days


def _check_disjoint(a: str, days_a: frozenset[date], b: str, days_b: frozenset[date]) -> None:
    both = sorted(days_a & days_b)
    if both:
        listed = ", ".join(d.isoformat() for d in both[:5])
        raise ValueError(f"a day cannot be in both {a} and {b}: {listed}")


def _first_weekday_schedule(weekly: tuple[Schedule, ...]) -> Schedule:
    """调休 days work like a normal weekday: Monday's hours, or the next weekday's if none."""
    return next((day for day in weekly[:5] if day), ())


# --- from local wall clock to UTC instants ---------------------------------------------


def _as_utc(moment: datetime, name: str = "at") -> datetime:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")
    return moment.astimezone(UTC)


def _wall_to_utc(zone: ZoneInfo, wall: datetime) -> datetime:
    """The instant ``wall`` (naive local time) occurs: first occurrence, or the DST jump."""
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    return _jump_instant(zone, wall, instant)


def _jump_instant(zone: ZoneInfo, wall: datetime, after: datetime) -> datetime:
    """First instant whose wall clock reads ``wall`` or later, for a skipped wall time.

    Bisection over whole seconds (zone transitions fall on whole seconds); it only runs
    for an interval boundary inside a spring-forward gap, a few times a year at most.
    """
    low = int(wall.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    high = int(after.timestamp())

    def reached(second: int) -> bool:
        return datetime.fromtimestamp(second, zone).replace(tzinfo=None) >= wall

    if reached(low):
        return datetime.fromtimestamp(low, UTC)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reached(middle) else (middle, high)
    return datetime.fromtimestamp(high, UTC)


def _day_spans(cal: BusinessCalendar, day: date) -> list[Span]:
    """The open intervals of local ``day`` as UTC instants, in order."""
    schedule = cal.schedule_on(day)
    if not schedule:
        return []
    midnight = datetime.combine(day, time())
    offset = cal.zone.utcoffset(midnight)
    if offset == cal.zone.utcoffset(midnight + ONE_DAY):
        # No clock change on this date: plain arithmetic, the common fast path.
        base = (midnight - offset).replace(tzinfo=UTC)
        return [(base + start * MINUTE, base + end * MINUTE) for start, end in schedule]
    spans = []
    for start, end in schedule:
        span = (
            _wall_to_utc(cal.zone, midnight + start * MINUTE),
            _wall_to_utc(cal.zone, midnight + end * MINUTE),
        )
        if span[0] < span[1]:  # both ends inside a skipped hour: nothing is left
            spans.append(span)
    return spans


def _open_spans(cal: BusinessCalendar, after: datetime, until: datetime) -> Iterator[Span]:
    """Open spans that end after ``after``, in order, through the local date of ``until``.

    Starts one local date early so a span is never missed around a DST change.
    """
    day = after.astimezone(cal.zone).date() - ONE_DAY
    last = until.astimezone(cal.zone).date()
    while day <= last:
        for span in _day_spans(cal, day):
            if span[1] > after:
                yield span
        day += ONE_DAY


# --- pauses ----------------------------------------------------------------------------


def _merge_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    """Pauses in UTC, sorted, overlapping and touching ones merged; empty ones dropped."""
    spans: list[Pause] = []
    for pause in pauses:
        start, end = pause
        begin = _as_utc(start, "pause start")
        finish = None if end is None else _as_utc(end, "pause end")
        if finish is not None and finish < begin:
            raise ValueError(f"pause ends before it starts: {start.isoformat()} > {end}")
        if finish != begin:
            spans.append((begin, finish))
    spans.sort(key=lambda span: span[0])
    merged: list[Pause] = []
    for begin, finish in spans:
        last = merged[-1] if merged else None
        if last is not None and (last[1] is None or begin <= last[1]):
            if last[1] is not None:
                merged[-1] = (last[0], None if finish is None else max(last[1], finish))
        else:
            merged.append((begin, finish))
    return merged


def _minus_pauses(spans: Iterable[Span], pauses: list[Pause]) -> Iterator[Span]:
    """The parts of ``spans`` outside ``pauses``; stops for good at an open-ended pause."""
    first = 0
    for start, end in spans:
        while first < len(pauses) and (stop := pauses[first][1]) is not None and stop <= start:
            first += 1
        cursor, index = start, first
        while cursor < end:
            if index == len(pauses) or pauses[index][0] >= end:
                yield cursor, end
                break
            pause_start, pause_end = pauses[index]
            if pause_start > cursor:
                yield cursor, pause_start
            if pause_end is None:
                return
            cursor, index = max(cursor, pause_end), index + 1


def _running(
    cal: BusinessCalendar, start: datetime, until: datetime, pauses: list[Pause]
) -> Iterator[Span]:
    """Spans from ``start`` on during which the SLA clock runs (open and not paused)."""
    clipped = ((max(span[0], start), span[1]) for span in _open_spans(cal, start, until))
    return _minus_pauses(clipped, pauses)


# --- the public functions --------------------------------------------------------------


def add_business_minutes(
    cal: BusinessCalendar, start: datetime, minutes: float, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """The UTC instant at which ``minutes`` of business time have run since ``start``.

    Closed time and pauses do not count; a start in closed time starts the clock at the
    next opening. For ``minutes > 0`` the result is the *earliest* such instant, so it is
    inside an open interval or exactly at its close, never at the next opening. For
    ``minutes == 0`` it is the first instant at or after ``start`` when the clock runs.
    ``None`` when an open-ended pause stops the clock first. ``ValueError`` for negative
    minutes or when the target is not reached within ``HORIZON``.
    """
    if not minutes >= 0:
        raise ValueError(f"minutes must be zero or more, got {minutes!r}")
    if minutes > HORIZON / MINUTE:
        raise ValueError(f"{minutes} business minutes is beyond the {HORIZON.days}-day horizon")
    begin = _as_utc(start, "start")
    paused = _merge_pauses(pauses)
    horizon = begin + HORIZON
    left = minutes * MINUTE
    for span_start, span_end in _running(cal, begin, horizon, paused):
        if span_start >= horizon:
            break
        if left <= span_end - span_start:
            return span_start + left
        left -= span_end - span_start
    if paused and paused[-1][1] is None and paused[-1][0] < horizon:
        return None
    raise ValueError(
        f"{minutes} business minutes after {start.isoformat()} is not reached within "
        f"{HORIZON.days} days: the calendar has too little open time"
    )


def business_minutes_between(
    cal: BusinessCalendar, start: datetime, end: datetime, pauses: Iterable[Pause] = ()
) -> float:
    """Business minutes from ``start`` to ``end``, outside closed time and pauses.

    The inverse of ``add_business_minutes``: for ``due = add_business_minutes(cal, s, m)``
    this returns ``m``. ``ValueError`` when ``end`` is before ``start``.
    """
    begin, finish = _as_utc(start, "start"), _as_utc(end, "end")
    if finish < begin:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    total = timedelta()
    for span_start, span_end in _running(cal, begin, finish, _merge_pauses(pauses)):
        if span_start >= finish:
            break
        total += min(span_end, finish) - span_start
    return total / MINUTE


def is_open(cal: BusinessCalendar, at: datetime) -> bool:
    """Whether ``at`` falls inside an open interval (intervals are ``[open, close)``)."""
    moment = _as_utc(at)
    for span_start, _ in _open_spans(cal, moment, moment + ONE_DAY):
        return span_start <= moment
    return False


def next_open(cal: BusinessCalendar, at: datetime) -> datetime:
    """``at`` in UTC if the calendar is open then, else the next opening (UTC)."""
    moment = _as_utc(at)
    for span_start, _ in _open_spans(cal, moment, moment + HORIZON):
        return max(span_start, moment)
    raise ValueError(f"the calendar has no open time within {HORIZON.days} days of {at}")


def end_of_business_day(cal: BusinessCalendar, at: datetime) -> datetime:
    """Closing instant (UTC) of the working day ``at`` belongs to — the 日落原则 deadline.

    That is the last close of ``at``'s local date if it is still ahead (before opening
    and during a lunch break included). After the last close, or on a closed day, it is
    the last close of the next date with open time.
    """
    moment = _as_utc(at)
    day = moment.astimezone(cal.zone).date()
    for _ in range(HORIZON.days):
        spans = _day_spans(cal, day)
        if spans and spans[-1][1] > moment:
            return spans[-1][1]
        day += ONE_DAY
    raise ValueError(f"the calendar has no open time within {HORIZON.days} days of {at}")


def remaining_business_minutes(
    cal: BusinessCalendar, now: datetime, due: datetime, pauses: Iterable[Pause] = ()
) -> float:
    """Business minutes left until ``due``; negative (business minutes overdue) after it."""
    if _as_utc(now, "now") <= _as_utc(due, "due"):
        return business_minutes_between(cal, now, due, pauses)
    return -business_minutes_between(cal, due, now, pauses)


def sla_state(now: datetime, due: datetime | None, warn_at: datetime | None = None) -> SlaState:
    """``breached`` once ``now`` is past ``due``, ``warning`` from ``warn_at``, else ``ok``.

    Meeting the target exactly at ``due`` is on time. ``due is None`` (clock stopped by an
    open-ended pause) is ``ok``. Take ``warn_at`` from the same calendar, e.g.
    ``add_business_minutes(cal, start, 0.8 * target, pauses)`` for a warning at 80 %.
    """
    moment = _as_utc(now, "now")
    if due is not None and moment > _as_utc(due, "due"):
        return SlaState.BREACHED
    if warn_at is not None and moment >= _as_utc(warn_at, "warn_at"):
        return SlaState.WARNING
    return SlaState.OK
