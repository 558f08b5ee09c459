"""Mainland China public holidays (放假) and adjusted working days (调休上班), as data.

Every year the General Office of the State Council (国务院办公厅) publishes a notice
"关于 YYYY 年部分节假日安排的通知", usually in October or November of the year before.
It lists, per festival, the days off and the weekend days that become working days so
that the holiday runs on without a break. Those weekend working days are what makes a
plain "weekends are closed" calendar wrong for a Chinese service desk.

Covered years: **2024, 2025 and 2026** only. A calendar that reaches another year has no
public holidays there until that year's notice is added to ``YEARS`` below (see
``docs/sla-calendar.md``); until then a business can enter the days as custom closed and
open days on its calendar.

Each range is recorded exactly as the notice states it. Where a notice says only
"X 日放假，与周末连休" (2024 New Year's Day, 2024 Dragon Boat) the range is that one day;
the adjoining weekend is an ordinary weekend. Days the notice merely *encourages*
employers to give (2024 Spring Festival Eve, 9 February) are not holidays here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

NAMES: dict[str, tuple[str, str]] = {
    "new_year": ("元旦", "New Year's Day"),
    "spring_festival": ("春节", "Spring Festival"),
    "qingming": ("清明节", "Qingming Festival"),
    "labour_day": ("劳动节", "Labour Day"),
    "dragon_boat": ("端午节", "Dragon Boat Festival"),
    "mid_autumn": ("中秋节", "Mid-Autumn Festival"),
    "national_day": ("国庆节", "National Day"),
    "national_day_mid_autumn": ("国庆节、中秋节", "National Day and Mid-Autumn Festival"),
}


@dataclass(frozen=True, slots=True)
class Festival:
    """One festival's days off (``first``..``last`` inclusive) and its 调休 working days."""

    key: str
    first: date
    last: date
    workdays: tuple[date, ...] = ()

    @property
    def name_zh(self) -> str:
        return NAMES[self.key][0]

    @property
    def name_en(self) -> str:
        return NAMES[self.key][1]

    @property
    def days_off(self) -> tuple[date, ...]:
        span = (self.last - self.first).days
        return tuple(self.first + timedelta(days=n) for n in range(span + 1))


def _d(year: int, month: int, day: int) -> date:
    return date(year, month, day)


F = Festival

# 国务院办公厅关于2024年部分节假日安排的通知, 国办发明电〔2023〕7号, 2023-10-25.
_2024 = (
    F("new_year", _d(2024, 1, 1), _d(2024, 1, 1)),
    F("spring_festival", _d(2024, 2, 10), _d(2024, 2, 17), (_d(2024, 2, 4), _d(2024, 2, 18))),
    F("qingming", _d(2024, 4, 4), _d(2024, 4, 6), (_d(2024, 4, 7),)),
    F("labour_day", _d(2024, 5, 1), _d(2024, 5, 5), (_d(2024, 4, 28), _d(2024, 5, 11))),
    F("dragon_boat", _d(2024, 6, 10), _d(2024, 6, 10)),
    F("mid_autumn", _d(2024, 9, 15), _d(2024, 9, 17), (_d(2024, 9, 14),)),
    F("national_day", _d(2024, 10, 1), _d(2024, 10, 7), (_d(2024, 9, 29), _d(2024, 10, 12))),
)

# 国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号, 2024-11-12.
# First year under the revised 全国年节及纪念日放假办法: Spring Festival Eve and 2 May
# became statutory holidays (13 days a year instead of 11).
_2025 = (
    F("new_year", _d(2025, 1, 1), _d(2025, 1, 1)),
    F("spring_festival", _d(2025, 1, 28), _d(2025, 2, 4), (_d(2025, 1, 26), _d(2025, 2, 8))),
    F("qingming", _d(2025, 4, 4), _d(2025, 4, 6)),
    F("labour_day", _d(2025, 5, 1), _d(2025, 5, 5), (_d(2025, 4, 27),)),
    F("dragon_boat", _d(2025, 5, 31), _d(2025, 6, 2)),
    F(
        "national_day_mid_autumn",
        _d(2025, 10, 1),
        _d(2025, 10, 8),
        (_d(2025, 9, 28), _d(2025, 10, 11)),
    ),
)

# 国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04 (Xinhua, 4 November 2025).
_2026 = (
    F("new_year", _d(2026, 1, 1), _d(2026, 1, 3), (_d(2026, 1, 4),)),
    F("spring_festival", _d(2026, 2, 15), _d(2026, 2, 23), (_d(2026, 2, 14), _d(2026, 2, 28))),
    F("qingming", _d(2026, 4, 4), _d(2026, 4, 6)),
    F("labour_day", _d(2026, 5, 1), _d(2026, 5, 5), (_d(2026, 5, 9),)),
    F("dragon_boat", _d(2026, 6, 19), _d(2026, 6, 21)),
    F("mid_autumn", _d(2026, 9, 25), _d(2026, 9, 27)),
    F("national_day", _d(2026, 10, 1), _d(2026, 10, 7), (_d(2026, 9, 20), _d(2026, 10, 10))),
)

YEARS: dict[int, tuple[Festival, ...]] = {2024: _2024, 2025: _2025, 2026: _2026}

# Statutory days off per year under 全国年节及纪念日放假办法 (the 2024 revision added two
# from 2025). A year's weekday days off minus its 调休 working days must equal this; the
# tests use it to catch a mistyped date.
STATUTORY_DAYS: dict[int, int] = {2024: 11, 2025: 13, 2026: 13}


def covered_years() -> tuple[int, ...]:
    """The years for which the official notice is recorded, oldest first."""
    return tuple(sorted(YEARS))


def holidays_and_workdays(
    years: Iterable[int] | None = None, *, strict: bool = True
) -> tuple[frozenset[date], frozenset[date]]:
    """Days off and 调休 working days for ``years`` (all covered years when ``None``).

    With ``strict`` a year without data raises ``ValueError`` rather than silently
    treating it as a year without holidays; pass ``strict=False`` to skip such years.
    """
    wanted = covered_years() if years is None else tuple(years)
    holidays: set[date] = set()
    workdays: set[date] = set()
    for year in wanted:
        if year not in YEARS:
            if strict:
                raise ValueError(
                    f"no mainland China holiday data for {year}; covered years are "
                    f"{', '.join(map(str, covered_years()))} (add it to holidays_cn.YEARS)"
                )
            continue
        for festival in YEARS[year]:
            holidays.update(festival.days_off)
            workdays.update(festival.workdays)
    return frozenset(holidays), frozenset(workdays)


def festival_on(day: date) -> Festival | None:
    """The festival ``day`` belongs to, as a day off or a 调休 working day, for labels."""
    for festival in YEARS.get(day.year, ()) + YEARS.get(day.year + 1, ()):
        if festival.first <= day <= festival.last or day in festival.workdays:
            return festival
    return None
