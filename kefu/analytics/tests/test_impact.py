"""The word-of-mouth and churn arithmetic (pure), against values worked out by hand:

with the seeds' defaults one dissatisfied customer tells 80% × 10 + 20% × 20 = 12 people;
3 dissatisfied answers → 36 people told, 36 good experiences to repair them; 3 complaints at
a 4% complaint rate → 75 dissatisfied, 72 silent, 72 × 81% = 58.32 likely to leave,
75 × 12 = 900 people told, 58.32 × 5 = 291.6 times the cost of keeping one customer
(× 200 = 58,320 in money)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kefu.analytics import impact


def values(steps):
    return {s.key: s.value for s in steps}


def test_the_seeds_defaults_on_three_answers_and_three_complaints():
    result = impact.estimate(dissatisfied=3, complaints=3, assumptions=impact.Assumptions())
    assert result.per_person == pytest.approx(12)
    assert values(result.word_of_mouth) == pytest.approx(
        {"per_person": 12, "told": 36, "repair": 36})
    assert values(result.iceberg) == pytest.approx(
        {"estimated": 75, "silent": 72, "lost": 58.32, "told_all": 900, "replace": 291.6})


def test_the_arithmetic_is_written_out_with_the_numbers_used():
    result = impact.estimate(dissatisfied=3, complaints=3, assumptions=impact.Assumptions())
    formulas = {s.key: s.formula for s in result.word_of_mouth + result.iceberg}
    assert formulas == {
        "per_person": "80% × 10 + 20% × 20 = 12",
        "told": "3 × 12 = 36",
        "repair": "3 × 12 = 36",
        "estimated": "3 ÷ 4% = 75",
        "silent": "75 − 3 = 72",
        "lost": "72 × 81% = 58.32",
        "told_all": "75 × 12 = 900",
        "replace": "58.32 × 5 = 291.6",
    }


def test_a_cost_of_keeping_a_customer_adds_the_cost_in_money():
    a = impact.Assumptions(keep_cost=Decimal("200"))
    result = impact.estimate(dissatisfied=0, complaints=3, assumptions=a)
    step = result.iceberg[-1]
    assert (step.key, step.value, step.formula) == ("replace_cost", pytest.approx(58320),
                                                    "291.6 × 200 = 58,320")


def test_edited_assumptions_change_every_step():
    # given: everyone tells 5, nobody tells more, half complain, all silent ones leave
    a = impact.Assumptions(tell=5, loud_share=0, loud_tell=0, complain_share=0.5,
                           silent_leave_share=1, repair=2, acquisition_multiple=3)
    result = impact.estimate(dissatisfied=10, complaints=4, assumptions=a)
    assert values(result.word_of_mouth) == pytest.approx({"per_person": 5, "told": 50,
                                                          "repair": 20})
    # 4 ÷ 50% = 8 dissatisfied, 4 silent, 4 leave, 8 × 5 = 40 told, 4 × 3 = 12
    assert values(result.iceberg) == pytest.approx(
        {"estimated": 8, "silent": 4, "lost": 4, "told_all": 40, "replace": 12})


def test_no_counts_give_zeros_not_errors():
    result = impact.estimate(dissatisfied=0, complaints=0, assumptions=impact.Assumptions())
    assert all(s.value == 0 for s in result.iceberg)
    assert values(result.word_of_mouth)["told"] == 0


@pytest.mark.parametrize("change, field", [
    ({"complain_share": 0}, "complain_share"), ({"loud_share": 1.5}, "loud_share"),
    ({"silent_leave_share": -0.1}, "silent_leave_share"), ({"tell": float("nan")}, "tell"),
    ({"repair": True}, "repair"), ({"acquisition_multiple": "5"}, "acquisition_multiple"),
    ({"keep_cost": Decimal("-1")}, "keep_cost"),
])
def test_assumptions_out_of_range_are_refused_by_name(change, field):
    with pytest.raises(impact.AssumptionError) as caught:
        impact.estimate(dissatisfied=1, complaints=1,
                        assumptions=impact.Assumptions(**change))
    assert caught.value.field == field


@pytest.mark.parametrize("dissatisfied, complaints", [(-1, 0), (0, 1.5), ("3", 0), (True, 0)])
def test_counts_must_be_whole_numbers_from_zero(dissatisfied, complaints):
    with pytest.raises(impact.AssumptionError):
        impact.estimate(dissatisfied=dissatisfied, complaints=complaints,
                        assumptions=impact.Assumptions())


def test_numbers_are_written_plainly():
    assert [impact.number(x) for x in (12.0, 58.32, 291.6, 58320, 0.125)] == [
        "12", "58.32", "291.6", "58,320", "0.12"]
    assert impact.percent(0.04) == "4%" and impact.percent(0.81) == "81%"
