"""Distribution rules (pure, no ORM): sampling, periods, reminder times, response rates."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo

from .rules import _is_int


def sample_size_for(population: int, *, size: int | None, fraction: float | None) -> int:
    """How many to invite: ``size`` (at most everyone), or ``fraction`` of the population
    rounded half up (at least one when there is anyone), or everyone."""
    if population <= 0:
        return 0
    if size is not None:
        return min(size, population)
    if fraction is not None:
        return max(1, min(population, math.floor(population * fraction + 0.5)))
    return population


def sample_ids(ids: Iterable[int], *, size: int | None = None, fraction: float | None = None,
               seed: int) -> list[int]:
    """A simple random sample of ``ids`` without replacement, reproducible from ``seed``
    (the same ids and seed always give the same sample), in ascending order."""
    population = sorted(set(ids))
    k = sample_size_for(len(population), size=size, fraction=fraction)
    if k == len(population):
        return population
    return sorted(random.Random(seed).sample(population, k))


def month_start(moment: datetime, tz: tzinfo) -> date:
    """The period a response belongs to: the first day of its month in the business's time
    zone."""
    local = moment.astimezone(tz)
    return date(local.year, local.month, 1)


def next_reminder_at(sent_at: datetime | None, reminder_days: Sequence[int], sent: int,
                     expires_at: datetime | None) -> datetime | None:
    """When reminder number ``sent + 1`` is due: ``reminder_days[sent]`` days after the
    invitation was sent; None when there is none left or it would come after expiry."""
    if sent_at is None or sent >= len(reminder_days):
        return None
    due = sent_at + timedelta(days=reminder_days[sent])
    if expires_at is not None and due >= expires_at:
        return None
    return due


def check_reminder_days(days) -> list[int]:
    """At most three reminders, each 1–90 days after sending, strictly increasing."""
    if not isinstance(days, list | tuple) or len(days) > 3 or not all(
            _is_int(d) and 1 <= d <= 90 for d in days):
        raise ValueError("reminder_days")
    if any(b <= a for a, b in zip(days, days[1:], strict=False)):
        raise ValueError("reminder_days")
    return list(days)


def response_rate(responded: int, delivered: int) -> float | None:
    return round(responded / delivered, 4) if delivered else None
