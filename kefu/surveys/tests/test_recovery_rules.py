"""Which answers call for recovery (pure rules, no database): CSAT at or below the
threshold, NPS detractors, the most negative SERVQUAL dimension gap (MSA for the
three-column form), nothing for SERVPERF, CES or rules switched off."""

from __future__ import annotations

import pytest

from kefu.surveys import recovery_rules as rr
from kefu.surveys.rules import CleanAnswer, Column, QuestionSpec

CSAT = [QuestionSpec(1, "rating", "rating", scale_min=1, scale_max=5),
        QuestionSpec(2, "comment", "text", required=False)]
NPS = [QuestionSpec(1, "score", "rating", scale_min=0, scale_max=10)]
E, P, A, D = Column.EXPECTATION, Column.PERCEPTION, Column.ADEQUATE, Column.DESIRED


def sq_specs(columns):
    return [QuestionSpec(10, "t1", "servqual", scale_min=1, scale_max=7, dimension="tangibles",
                         columns=columns),
            QuestionSpec(11, "t2", "servqual", scale_min=1, scale_max=7, dimension="tangibles",
                         columns=columns),
            QuestionSpec(20, "r1", "servqual", scale_min=1, scale_max=7,
                         dimension="reliability", columns=columns),
            QuestionSpec(30, "e1", "servqual", scale_min=1, scale_max=7, dimension="empathy",
                         columns=columns)]


def sq_answers(rows):
    return [CleanAnswer(q, int(col), value=v) for q, cols in rows.items() for col, v in cols.items()]


@pytest.mark.parametrize("rating, opens", [(1, True), (2, True), (3, False), (5, False)])
def test_a_csat_rating_at_or_below_the_threshold_opens_a_ticket(rating, opens):
    trigger = rr.recovery_trigger("csat", CSAT, [CleanAnswer(1, 0, value=rating)],
                                  rr.Thresholds())
    assert (trigger is not None) == opens
    if opens:
        assert trigger == rr.Trigger("low_csat", float(rating), 2.0, question="rating")


@pytest.mark.parametrize("score, opens", [(0, True), (6, True), (7, False), (10, False)])
def test_an_nps_detractor_opens_a_ticket_a_passive_does_not(score, opens):
    trigger = rr.recovery_trigger("nps", NPS, [CleanAnswer(1, 0, value=score)], rr.Thresholds())
    assert (trigger is not None) == opens
    assert trigger is None or trigger.reason == "nps_detractor"


def test_a_threshold_left_blank_switches_its_rule_off():
    off = rr.Thresholds(csat_at_most=None, nps_at_most=None, gap_at_most=None)
    assert rr.recovery_trigger("csat", CSAT, [CleanAnswer(1, 0, value=1)], off) is None
    assert rr.recovery_trigger("nps", NPS, [CleanAnswer(1, 0, value=0)], off) is None


def test_the_most_negative_servqual_dimension_is_named_with_its_hand_computed_gap():
    # given tangibles items with gaps −1 and −3 (dimension mean −2), reliability −1.5 and
    # empathy +1
    answers = sq_answers({10: {E: 7, P: 6}, 11: {E: 7, P: 4}, 20: {E: 6, P: 4.5},
                          30: {E: 4, P: 5}})
    answers = [CleanAnswer(a.question_id, a.column, value=a.value) for a in answers]
    trigger = rr.recovery_trigger("servqual", sq_specs(("expectation", "perception")), answers,
                                  rr.Thresholds(gap_at_most=-1.5))
    # then tangibles (−2.0) is the worst, at or below −1.5
    assert trigger == rr.Trigger("servqual_gap", -2.0, -1.5, dimension="tangibles",
                                 column="gap")
    # and with a stricter threshold (−2.5) nothing opens
    assert rr.recovery_trigger("servqual", sq_specs(("expectation", "perception")), answers,
                               rr.Thresholds(gap_at_most=-2.5)) is None


def test_a_gap_exactly_at_the_threshold_opens_a_ticket():
    answers = sq_answers({20: {E: 6, P: 4}})  # reliability −2
    trigger = rr.recovery_trigger("servqual", sq_specs(("expectation", "perception")), answers,
                                  rr.Thresholds(gap_at_most=-2.0))
    assert trigger is not None and trigger.score == -2.0 and trigger.dimension == "reliability"


def test_the_three_column_form_uses_perception_minus_adequate():
    # given perception above the adequate level but far below the desired one: MSA +1, MSS −3
    answers = sq_answers({20: {D: 7, A: 3, P: 4}})
    specs = sq_specs(("desired", "adequate", "perception"))
    assert rr.recovery_trigger("servqual3", specs, answers, rr.Thresholds()) is None
    # and below the adequate level by 2: MSA −2 ≤ −1.5
    answers = sq_answers({20: {D: 7, A: 5, P: 3}})
    trigger = rr.recovery_trigger("servqual3", specs, answers, rr.Thresholds())
    assert trigger == rr.Trigger("servqual_gap", -2.0, -1.5, dimension="reliability",
                                 column="msa")


@pytest.mark.parametrize("kind", ["servperf", "ces", "custom", "management"])
def test_other_instruments_never_open_a_ticket(kind):
    specs = sq_specs(("perception",)) if kind == "servperf" else CSAT
    answers = (sq_answers({10: {P: 1}}) if kind == "servperf"
               else [CleanAnswer(1, 0, value=1)])
    assert rr.recovery_trigger(kind, specs, answers, rr.Thresholds()) is None


@pytest.mark.parametrize("thresholds, field", [
    (rr.Thresholds(csat_at_most=0), "csat_at_most"),
    (rr.Thresholds(csat_at_most=True), "csat_at_most"),
    (rr.Thresholds(nps_at_most=11), "nps_at_most"),
    (rr.Thresholds(gap_at_most=0.5), "gap_at_most"),
    (rr.Thresholds(gap_at_most=-7), "gap_at_most"),
    (rr.Thresholds(gap_at_most=float("nan")), "gap_at_most"),
    (rr.Thresholds(gap_at_most="-1"), "gap_at_most"),
])
def test_thresholds_out_of_range_are_named(thresholds, field):
    assert [f for f, _code in rr.threshold_problems(thresholds)] == [field]


def test_the_default_thresholds_are_valid():
    assert rr.threshold_problems(rr.Thresholds()) == []
