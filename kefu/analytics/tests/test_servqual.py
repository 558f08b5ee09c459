"""SERVQUAL figures against values worked out by hand (t.975(2) = 4.302653 from a t table)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kefu.analytics.stats import StatsError
from kefu.analytics.stats.servqual import (
    DIMENSIONS,
    ServqualData,
    analyze,
    first_duplicate,
    first_importance_conflict,
    normalise_dimension,
    zone_position,
)

T975_2 = 4.302653  # t table, df 2

# respondent → item → (E, P); T = tangibles, R = reliability (2 and 3 items: unbalanced)
ANSWERS = {
    "r1": {"T1": (6, 5), "T2": (7, 5), "R1": (7, 6), "R2": (6, 6), "R3": (7, 4)},
    "r2": {"T1": (5, 5), "T2": (6, 4), "R1": (7, 5), "R2": (7, 7), "R3": (6, 5)},
    "r3": {"T1": (6, 6), "T2": (5, 5), "R1": (6, 4), "R2": (7, 5), "R3": (7, 6)},
}
# 100 points over the two dimensions; r3 gave only 90 (normalised per respondent)
IMPORTANCE = {"r1": {"T": 20, "R": 80}, "r2": {"T": 50, "R": 50}, "r3": {"T": 30, "R": 60}}


def records(answers=ANSWERS, importance=None):
    for resp, items in answers.items():
        for item, (e, p) in items.items():
            rec = {"respondent": resp, "item": item, "expectation": e, "perception": p,
                   "dimension": "tangibles" if item[0] == "T" else "可靠性"}
            if importance:
                rec["importance"] = importance[resp][item[0]]
            yield rec


def by_name(rows, key):
    return {getattr(r, key): r for r in rows}


def test_item_gaps_are_the_mean_of_p_minus_e():
    # row gaps: r1 −1 −2 −1 0 −3 · r2 0 −2 −2 0 −1 · r3 0 0 −2 −2 −1
    result = analyze(ServqualData.from_records(records()))
    items = by_name(result.items, "item")
    assert items["T1"].gap == pytest.approx(-1 / 3)
    assert items["T2"].gap == pytest.approx(-4 / 3)
    assert items["R1"].gap == pytest.approx(-5 / 3)
    assert items["R2"].gap == pytest.approx(-2 / 3)
    assert items["R3"].gap == pytest.approx(-5 / 3)
    # T1: E (6+5+6)/3, P (5+5+6)/3
    assert (items["T1"].expectation, items["T1"].perception) == pytest.approx((17 / 3, 16 / 3))
    assert items["T1"].n == 3 and items["T1"].dimension == "tangibles"


def test_item_gap_interval_by_hand():
    # T1 gaps −1, 0, 0: mean −1/3, SS 4/9 + 1/9 + 1/9 → var 1/3, se √(1/3)/√3 = 1/3
    result = analyze(ServqualData.from_records(records()))
    t1 = by_name(result.items, "item")["T1"]
    assert t1.gap_ci95 == pytest.approx((-1 / 3 - T975_2 / 3, -1 / 3 + T975_2 / 3), rel=1e-6)


def test_dimension_gap_is_the_mean_of_its_item_gaps():
    result = analyze(ServqualData.from_records(records()))
    dims = by_name(result.dimensions, "dimension")
    assert dims["tangibles"].gap == pytest.approx((-1 / 3 - 4 / 3) / 2)  # −5/6
    assert dims["reliability"].gap == pytest.approx((-5 / 3 - 2 / 3 - 5 / 3) / 3)  # −4/3
    assert dims["tangibles"].items == 2 and dims["reliability"].items == 3
    assert dims["tangibles"].n == 3
    assert [d.dimension for d in result.dimensions] == ["tangibles", "reliability"]


def test_dimension_interval_from_the_respondents_dimension_gaps():
    # respondents' tangibles gaps: r1 (−1−2)/2 = −1.5, r2 (0−2)/2 = −1, r3 0 → mean −5/6;
    # deviations −2/3, −1/6, 5/6 → SS 7/6 → var 7/12; se √(7/12)/√3
    half = T975_2 * math.sqrt(7 / 12) / math.sqrt(3)
    result = analyze(ServqualData.from_records(records()))
    tangibles = by_name(result.dimensions, "dimension")["tangibles"]
    assert tangibles.gap_ci95 == pytest.approx((-5 / 6 - half, -5 / 6 + half), rel=1e-6)


def test_overall_gap_is_the_unweighted_mean_of_dimension_gaps():
    result = analyze(ServqualData.from_records(records()))
    assert result.overall.gap == pytest.approx((-5 / 6 + -4 / 3) / 2)  # −13/12
    # not the mean of the 15 row gaps (−17/15): each dimension counts once
    assert result.overall.gap != pytest.approx(-17 / 15)
    # respondents' overall gaps: r1 (−1.5 − 4/3)/2 = −17/12, r2 (−1 − 1)/2, r3 (0 − 5/3)/2
    units = [-17 / 12, -1, -5 / 6]
    half = T975_2 * np.std(units, ddof=1) / math.sqrt(3)
    assert result.overall.gap_ci95 == pytest.approx((-13 / 12 - half, -13 / 12 + half))
    overall = result.overall
    assert (overall.respondents, overall.items, overall.rows, overall.dimensions) == (3, 5, 15, 2)


def test_weighted_gap_normalises_weights_per_respondent():
    # r1: .2 × (−1.5) + .8 × (−4/3) = −41/30 · r2: .5 × (−1) + .5 × (−1) = −1
    # r3 (30 + 60 points): (30 × 0 + 60 × (−5/3)) / 90 = −10/9 → mean −313/270
    result = analyze(ServqualData.from_records(records(importance=IMPORTANCE)))
    assert result.overall.gap_weighted == pytest.approx((-41 / 30 - 1 - 10 / 9) / 3)
    assert result.overall.n_weighted == 3
    # weighted SERVPERF: r1 .2 × 5 + .8 × 16/3, r2 .5 × 4.5 + .5 × 17/3, r3 (30×5.5 + 60×5)/90
    assert result.overall.perception_weighted == pytest.approx(
        (0.2 * 5 + 0.8 * 16 / 3 + 0.5 * 4.5 + 0.5 * 17 / 3 + 465 / 90) / 3)
    dims = by_name(result.dimensions, "dimension")
    # mean share of each respondent's points, in %
    assert dims["tangibles"].importance == pytest.approx((20 + 50 + 100 / 3) / 3)
    assert dims["reliability"].importance == pytest.approx((80 + 50 + 200 / 3) / 3)


def test_equal_importance_gives_the_unweighted_gap_on_complete_data():
    equal = {r: {"T": 50, "R": 50} for r in ANSWERS}
    result = analyze(ServqualData.from_records(records(importance=equal)))
    assert result.overall.gap_weighted == pytest.approx(result.overall.gap)


def test_alpha_per_dimension_by_hand():
    # tangibles P: T1 5,5,6 (var 1/3), T2 5,4,5 (var 1/3), totals 10, 9, 11 (var 1)
    # → α = 2 (1 − 2/3) = 2/3. E: T1 6,5,6 (1/3), T2 7,6,5 (1), totals 13, 11, 11 (4/3) → 0.
    # reliability P: R1 6,5,4, R2 6,7,5, R3 4,5,6 (var 1 each), totals 16, 17, 15 (var 1)
    # → α = 3/2 (1 − 3) = −3
    result = analyze(ServqualData.from_records(records()))
    dims = by_name(result.dimensions, "dimension")
    assert dims["tangibles"].alpha_perception.alpha == pytest.approx(2 / 3)
    assert dims["tangibles"].alpha_expectation.alpha == pytest.approx(0, abs=1e-12)
    assert dims["reliability"].alpha_perception.alpha == pytest.approx(-3)
    assert dims["reliability"].alpha_perception.k == 3


def test_alpha_is_none_for_a_one_item_dimension():
    answers = {r: {"T1": v["T1"], "R1": v["R1"], "R2": v["R2"]} for r, v in ANSWERS.items()}
    result = analyze(ServqualData.from_records(records(answers)))
    assert by_name(result.dimensions, "dimension")["tangibles"].alpha_perception is None


THREE_COLUMN = [  # respondent, item, dimension, E, P, desired, adequate
    ("r1", "T1", "tangibles", 6, 5, 7, 4),  # MSA 1, MSS −2: within
    ("r1", "R1", "reliability", 7, 3, 7, 5),  # MSA −2, MSS −4: below
    ("r2", "T1", "tangibles", 5, 7, 6, 3),  # MSA 4, MSS 1: above
    ("r2", "R1", "reliability", 6, 5, 6, 4),  # MSA 1, MSS −1: within
]


def three_column():
    keys = ("respondent", "item", "dimension", "expectation", "perception", "desired",
            "adequate")
    return ServqualData.from_records(dict(zip(keys, row, strict=True)) for row in THREE_COLUMN)


def test_msa_and_mss_at_each_level():
    result = analyze(three_column())
    items = by_name(result.items, "item")
    assert (items["T1"].msa, items["T1"].mss) == pytest.approx(((1 + 4) / 2, (-2 + 1) / 2))
    assert (items["R1"].msa, items["R1"].mss) == pytest.approx(((-2 + 1) / 2, (-4 - 1) / 2))
    assert (items["T1"].adequate, items["T1"].desired) == pytest.approx((3.5, 6.5))
    assert result.overall.msa == pytest.approx((2.5 - 0.5) / 2)
    assert result.overall.mss == pytest.approx((-0.5 - 2.5) / 2)


def test_zone_of_tolerance_positions_and_shares():
    result = analyze(three_column())
    t1 = by_name(result.items, "item")["T1"].zone
    r1 = by_name(result.dimensions, "dimension")["reliability"].zone
    # T1: adequate 3.5, desired 6.5, perception 6 → within; rows: within, above
    assert (t1.adequate, t1.desired, t1.perception, t1.width) == pytest.approx((3.5, 6.5, 6, 3))
    assert t1.position == "within"
    assert (t1.below, t1.within, t1.above, t1.n) == (0, 0.5, 0.5, 2)
    # R1: adequate 4.5, perception 4 → below; rows: below, within
    assert r1.position == "below" and (r1.below, r1.within, r1.above) == (0.5, 0.5, 0)
    # overall: adequate (3.5 + 4.5)/2 = 4, desired 6.5, perception (6 + 4)/2 = 5; 4 rows
    z = result.overall.zone
    assert (z.adequate, z.desired, z.perception, z.position) == (4, 6.5, 5, "within")
    assert (z.below, z.within, z.above, z.n) == (0.25, 0.5, 0.25, 4)


def test_zone_position_rule():
    assert zone_position(4, 6, 3.9) == "below"
    assert zone_position(4, 6, 4) == "within"
    assert zone_position(4, 6, 6) == "within"
    assert zone_position(4, 6, 6.1) == "above"
    # an inverted zone (adequate above desired) has no inside
    assert zone_position(6, 4, 5) == "below" and zone_position(6, 4, 6) == "above"


def test_servperf_without_expectations():
    recs = [{k: v for k, v in r.items() if k != "expectation"} for r in records()]
    result = analyze(ServqualData.from_records(recs))
    dims = by_name(result.dimensions, "dimension")
    # tangibles P items: T1 16/3, T2 14/3 → 5; reliability: 5, 6, 5 → 16/3
    assert dims["tangibles"].perception == pytest.approx(5)
    assert dims["reliability"].perception == pytest.approx(16 / 3)
    assert result.overall.perception == pytest.approx((5 + 16 / 3) / 2)
    assert result.overall.gap is None and dims["tangibles"].gap is None
    assert result.columns == frozenset({"perception"})


def test_missing_rows_change_the_item_means_not_the_rule():
    answers = {r: dict(v) for r, v in ANSWERS.items()}
    del answers["r3"]["T2"]  # r3 skipped T2
    result = analyze(ServqualData.from_records(records(answers)))
    items = by_name(result.items, "item")
    assert items["T2"].gap == pytest.approx(-2) and items["T2"].n == 2
    tangibles = by_name(result.dimensions, "dimension")["tangibles"]
    assert tangibles.gap == pytest.approx((-1 / 3 - 2) / 2)
    assert tangibles.alpha_perception.n == 2  # listwise: r3 left out


@pytest.mark.parametrize(("name", "canonical"), [
    ("Tangibles", "tangibles"), (" 有形性 ", "tangibles"), ("可靠性", "reliability"),
    ("响应性", "responsiveness"), ("保证性", "assurance"), ("移情性", "empathy"),
    ("EMPATHY", "empathy"), ("quality", None), ("", None),
])
def test_dimension_names_are_normalised(name, canonical):
    assert normalise_dimension(name) == canonical


def test_five_dimensions_in_the_instrument_order():
    assert DIMENSIONS == ("tangibles", "reliability", "responsiveness", "assurance", "empathy")


def test_first_duplicate_and_importance_conflict():
    assert first_duplicate([0, 1, 0, 0], [0, 0, 1, 0]) == (0, 3)
    assert first_duplicate([0, 1], [0, 0]) is None
    nan = math.nan
    assert first_importance_conflict([0, 0, 0, 1], [0, 0, 0, 0], [30, nan, 40, 10]) == (0, 2)
    assert first_importance_conflict([0, 0, 1], [0, 1, 0], [30, 40, 50]) is None


@pytest.mark.parametrize(("change", "code"), [
    (lambda recs: recs + [dict(recs[0])], "duplicate"),
    (lambda recs: [dict(r, dimension="quality") for r in recs], "unknown_dimension"),
    (lambda recs: recs + [dict(recs[0], respondent="r9", dimension="empathy")],
     "item_dimension"),
    (lambda recs: [dict(r, importance=20 if i else 30) for i, r in enumerate(recs)],
     "importance_conflict"),
    (lambda recs: [], "no_data"),
])
def test_bad_data_is_refused(change, code):
    with pytest.raises(StatsError) as exc:
        analyze(ServqualData.from_records(change(list(records()))))
    assert exc.value.code == code


def test_a_missing_perception_is_refused():
    data = ServqualData.from_records(records())
    data.perception[3] = math.nan
    with pytest.raises(StatsError) as exc:
        analyze(data)
    assert exc.value.code == "missing_value" and exc.value.details == {"row": 3}
