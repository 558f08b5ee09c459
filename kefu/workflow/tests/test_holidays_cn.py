"""The recorded State Council holiday notices, checked against facts the notices state."""

from datetime import date, timedelta

import pytest

from kefu.workflow import holidays_cn
from kefu.workflow.holidays_cn import YEARS


def test_covered_years_are_2024_to_2026():
    assert holidays_cn.covered_years() == (2024, 2025, 2026)


def test_every_adjusted_working_day_is_a_weekend_day():
    _, workdays = holidays_cn.holidays_and_workdays()
    assert workdays and all(day.weekday() >= 5 for day in workdays)


def test_no_day_is_both_a_holiday_and_a_working_day():
    holidays, workdays = holidays_cn.holidays_and_workdays()
    assert not holidays & workdays


@pytest.mark.parametrize("year", sorted(YEARS))
def test_weekday_days_off_minus_makeup_days_equal_the_statutory_days(year):
    # given the statutory days off of the national 放假办法 (11 until 2024, 13 from 2025)
    holidays, workdays = holidays_cn.holidays_and_workdays([year])
    # when weekend days off (free anyway) and weekend working days are netted out
    weekday_days_off = sum(1 for day in holidays if day.weekday() < 5)
    # then what is left is exactly the statutory allowance — a mistyped date breaks this
    assert weekday_days_off - len(workdays) == holidays_cn.STATUTORY_DAYS[year]


@pytest.mark.parametrize("year", sorted(YEARS))
def test_each_year_has_the_seven_festivals_in_order(year):
    festivals = YEARS[year]
    keys = {f.key for f in festivals} - {"national_day_mid_autumn"}
    assert {"new_year", "spring_festival", "qingming", "labour_day", "dragon_boat"} <= keys
    assert all(a.last < b.first for a, b in zip(festivals, festivals[1:], strict=False))
    assert all(f.first <= f.last and f.first.year == year for f in festivals)


@pytest.mark.parametrize(
    ("year", "key", "first", "days"),
    [
        (2024, "spring_festival", date(2024, 2, 10), 8),
        (2025, "spring_festival", date(2025, 1, 28), 8),
        (2026, "spring_festival", date(2026, 2, 15), 9),
        (2024, "national_day", date(2024, 10, 1), 7),
        (2025, "national_day_mid_autumn", date(2025, 10, 1), 8),
        (2026, "national_day", date(2026, 10, 1), 7),
    ],
)
def test_long_holidays_match_the_notices(year, key, first, days):
    festival = next(f for f in YEARS[year] if f.key == key)
    assert festival.first == first
    assert len(festival.days_off) == days
    assert festival.days_off[-1] == first + timedelta(days=days - 1)


def test_2024_spring_festival_eve_was_only_encouraged_not_a_holiday():
    holidays, _ = holidays_cn.holidays_and_workdays([2024])
    assert date(2024, 2, 9) not in holidays


def test_festival_on_labels_days_off_and_makeup_days_in_both_languages():
    festival = holidays_cn.festival_on(date(2026, 2, 14))  # 调休 Saturday before 春节
    assert (festival.name_zh, festival.name_en) == ("春节", "Spring Festival")
    assert holidays_cn.festival_on(date(2025, 10, 8)).name_zh == "国庆节、中秋节"
    assert holidays_cn.festival_on(date(2026, 2, 24)) is None


def test_uncovered_year_raises_unless_not_strict():
    with pytest.raises(ValueError, match="2027"):
        holidays_cn.holidays_and_workdays([2026, 2027])
    holidays, _ = holidays_cn.holidays_and_workdays([2026, 2027], strict=False)
    assert holidays == holidays_cn.holidays_and_workdays([2026])[0]


def test_every_festival_key_has_both_names():
    keys = {f.key for festivals in YEARS.values() for f in festivals}
    assert keys <= set(holidays_cn.NAMES)
    assert all(zh and en for zh, en in holidays_cn.NAMES.values())
