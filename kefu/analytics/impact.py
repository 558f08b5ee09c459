"""Word-of-mouth and churn impact (pure, no ORM): the seeds' rules of thumb applied to a
period's real counts, every step with its arithmetic, so a reader sees exactly what is
assumed and what was counted. These are **assumptions, not data** (seed 001, after the
TARP studies): a dissatisfied customer tells 10 people, 20% of them tell 20; only 4% of
the dissatisfied complain; 81% of those who stay silent leave; it takes 12 good experiences
to repair one bad one; winning a new customer costs 5 times keeping one.

Two bases, both real counts of the period:

- **dissatisfied answers** (CSAT at the bottom two points, NPS detractors), for word of
  mouth and repair:
  ``told = n × ((1 − loud share) × tell + loud share × loud tell)`` and
  ``good experiences needed = n × repair``;
- **complaints received** (complaint tickets, not those opened by a survey), for the
  iceberg: ``dissatisfied ≈ complaints ÷ complain share``, ``silent = dissatisfied −
  complaints``, ``lost ≈ silent × silent leave share``, ``told ≈ dissatisfied × per
  person`` and ``replacing them ≈ lost × acquisition multiple`` times the cost of keeping
  one customer (in money when that cost is given).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal


class AssumptionError(ValueError):
    """An assumption out of range: ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Assumptions:
    tell: float = 10  # people a dissatisfied customer tells
    loud_share: float = 0.20  # share of the dissatisfied who tell more people …
    loud_tell: float = 20  # … this many
    complain_share: float = 0.04  # share of the dissatisfied who complain
    silent_leave_share: float = 0.81  # share of the silent dissatisfied who leave
    repair: float = 12  # good experiences that repair one bad one
    acquisition_multiple: float = 5  # a new customer costs this many times keeping one
    keep_cost: Decimal | None = None  # cost of keeping one customer (money), optional


#: (field, lowest, highest) — shares are 0…1 (complain share above 0: it divides).
LIMITS = {
    "tell": (0, 1000), "loud_share": (0, 1), "loud_tell": (0, 10000),
    "complain_share": (0.0001, 1), "silent_leave_share": (0, 1), "repair": (0, 1000),
    "acquisition_multiple": (0, 1000),
}


def check(a: Assumptions) -> Assumptions:
    for f in fields(a):
        value = getattr(a, f.name)
        if f.name == "keep_cost":
            if value is not None and (not isinstance(value, Decimal | int | float)
                                      or isinstance(value, bool) or not 0 <= value <= 10**9
                                      or value != value):
                raise AssumptionError(f.name, "keep_cost")
            continue
        low, high = LIMITS[f.name]
        if (isinstance(value, bool) or not isinstance(value, int | float) or value != value
                or not low <= value <= high):
            raise AssumptionError(f.name, f.name)
    return a


@dataclass(frozen=True)
class Step:
    """One line of the panel: ``key`` names it (the page labels it), ``formula`` shows the
    arithmetic with the numbers used, ``value`` is its result."""

    key: str
    formula: str
    value: float


@dataclass(frozen=True)
class Impact:
    dissatisfied: int
    complaints: int
    per_person: float  # people one dissatisfied customer tells, on average
    word_of_mouth: list[Step]  # from the dissatisfied answers
    iceberg: list[Step]  # from the complaints
    keep_cost: Decimal | None


def number(value: float) -> str:
    """A number as the panel writes it: whole numbers bare, others to two decimals at most."""
    if abs(value - round(value)) < 1e-9:
        return f"{int(round(value)):,}"
    if abs(value) < 0.01:
        return f"{value:g}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def percent(share: float) -> str:
    return f"{number(share * 100)}%"


def estimate(*, dissatisfied: int, complaints: int, assumptions: Assumptions) -> Impact:
    """The impact of ``dissatisfied`` answers and ``complaints`` received."""
    for name, count in (("dissatisfied", dissatisfied), ("complaints", complaints)):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise AssumptionError(name, name)
    a = check(assumptions)
    quiet = 1 - a.loud_share
    per_person = quiet * a.tell + a.loud_share * a.loud_tell
    per_person_formula = (f"{percent(quiet)} × {number(a.tell)} + {percent(a.loud_share)} × "
                          f"{number(a.loud_tell)}")
    told = dissatisfied * per_person
    repair = dissatisfied * a.repair
    word = [
        Step("per_person", f"{per_person_formula} = {number(per_person)}", per_person),
        Step("told", f"{number(dissatisfied)} × {number(per_person)} = {number(told)}", told),
        Step("repair", f"{number(dissatisfied)} × {number(a.repair)} = {number(repair)}",
             repair),
    ]
    estimated = complaints / a.complain_share
    silent = estimated - complaints
    lost = silent * a.silent_leave_share
    told_all = estimated * per_person
    replace = lost * a.acquisition_multiple
    iceberg = [
        Step("estimated", f"{number(complaints)} ÷ {percent(a.complain_share)} = "
                          f"{number(estimated)}", estimated),
        Step("silent", f"{number(estimated)} − {number(complaints)} = {number(silent)}", silent),
        Step("lost", f"{number(silent)} × {percent(a.silent_leave_share)} = {number(lost)}",
             lost),
        Step("told_all", f"{number(estimated)} × {number(per_person)} = {number(told_all)}",
             told_all),
        Step("replace", f"{number(lost)} × {number(a.acquisition_multiple)} = {number(replace)}",
             replace),
    ]
    if a.keep_cost is not None:
        cost = Decimal(str(replace)) * Decimal(a.keep_cost)
        iceberg.append(Step("replace_cost", f"{number(replace)} × {number(float(a.keep_cost))}"
                                            f" = {number(float(cost))}", float(cost)))
    return Impact(dissatisfied=dissatisfied, complaints=complaints, per_person=per_person,
                  word_of_mouth=word, iceberg=iceberg, keep_cost=a.keep_cost)
