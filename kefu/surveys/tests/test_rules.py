"""The pure survey rules, without a database: answer checks, rollup deltas worked out by
hand, sampling, reminder times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.surveys import distribution_rules, rollup_rules, rules
from kefu.surveys.rules import Column, QuestionSpec

RATING = QuestionSpec(1, "rating", "rating", scale_min=1, scale_max=5)
REASONS = QuestionSpec(2, "reasons", "multiple", required=False,
                       options=("speed", "attitude", "knowledge"))
COMMENT = QuestionSpec(3, "comment", "text", required=False)
CHANNEL = QuestionSpec(4, "channel", "single", required=False, options=("phone", "email"))
T1 = QuestionSpec(10, "tan1", "servqual", scale_min=1, scale_max=7, dimension="tangibles",
                  columns=("expectation", "perception"))
T2 = QuestionSpec(11, "tan2", "servqual", scale_min=1, scale_max=7, dimension="tangibles",
                  columns=("expectation", "perception"))
R1 = QuestionSpec(12, "rel1", "servqual", scale_min=1, scale_max=7, dimension="reliability",
                  columns=("expectation", "perception"))
WEIGHTS = QuestionSpec(20, "weights", "weights", required=False)
CSAT = [RATING, REASONS, COMMENT, CHANNEL]
SQ = [T1, T2, R1, WEIGHTS]


def problems(specs, answers):
    with pytest.raises(rules.AnswersInvalid) as caught:
        rules.clean_answers(specs, answers)
    return [(p.code, p.question, p.column) for p in caught.value.problems]


def test_a_good_csat_answer_becomes_rows():
    rows = rules.clean_answers(CSAT, {"rating": 4, "reasons": ["knowledge", "speed"],
                                      "comment": "  很好 ", "channel": "email"})
    assert rows == [
        rules.CleanAnswer(1, Column.VALUE, value=4),
        rules.CleanAnswer(2, Column.VALUE, choices=("speed", "knowledge")),  # option order
        rules.CleanAnswer(3, Column.VALUE, text="很好"),
        rules.CleanAnswer(4, Column.VALUE, value=2, choices=("email",)),
    ]


@pytest.mark.parametrize("answers, expected", [
    ({"rating": 6}, [("out_of_scale", "rating", "")]),
    ({"rating": 0}, [("out_of_scale", "rating", "")]),
    ({"rating": "4"}, [("invalid_answer", "rating", "")]),
    ({"rating": True}, [("invalid_answer", "rating", "")]),
    ({"rating": 4.0}, [("invalid_answer", "rating", "")]),
    ({}, [("missing_answer", "rating", "")]),
    ({"rating": None}, [("missing_answer", "rating", "")]),
    ({"rating": 4, "mood": 3}, [("unknown_question", "mood", "")]),
    ({"rating": 4, "reasons": ["price"]}, [("unknown_option", "reasons", "")]),
    ({"rating": 4, "reasons": ["speed", "speed"]}, [("duplicate_choice", "reasons", "")]),
    ({"rating": 4, "reasons": "speed"}, [("invalid_answer", "reasons", "")]),
    ({"rating": 4, "channel": "fax"}, [("unknown_option", "channel", "")]),
    ({"rating": 4, "comment": "x" * 2001}, [("too_long", "comment", "")]),
    ({"rating": 4, "comment": "a\x00b"}, [("invalid_text", "comment", "")]),
    ({"rating": 4, "comment": 5}, [("invalid_answer", "comment", "")]),
])
def test_every_bad_csat_answer_is_named(answers, expected):
    assert problems(CSAT, answers) == expected


def test_not_an_object_is_refused():
    assert problems(CSAT, [4]) == [("invalid_answers", "", "")]


def test_an_empty_response_is_refused_even_with_only_optional_questions():
    assert problems([COMMENT], {}) == [("empty_response", "", "")]


def sq(**overrides):
    answers = {"tan1": {"expectation": 6, "perception": 5},
               "tan2": {"expectation": 7, "perception": 4},
               "rel1": {"expectation": 7, "perception": 7}}
    answers.update(overrides)
    return answers


@pytest.mark.parametrize("answers, expected", [
    (sq(tan1={"expectation": 8, "perception": 5}), [("out_of_scale", "tan1", "expectation")]),
    (sq(tan1={"expectation": 6, "desired": 5, "perception": 5}),
     [("wrong_column", "tan1", "desired")]),
    (sq(tan1={"perception": 5}), [("missing_answer", "tan1", "expectation")]),
    (sq(tan1=5), [("invalid_answer", "tan1", "")]),
    (sq(weights={"tangibles": 50, "reliability": 40}), [("weights_sum", "weights", "")]),
    (sq(weights={"tangibles": 50, "reliability": 60, "empathy": -10}),
     [("out_of_scale", "weights", "empathy")]),
    (sq(weights={"tangibles": 100, "price": 0}), [("wrong_column", "weights", "price")]),
    (sq(weights={"tangibles": "100"}), [("invalid_answer", "weights", "tangibles")]),
    (sq(weights=[100]), [("invalid_answer", "weights", "")]),
])
def test_every_bad_servqual_answer_is_named(answers, expected):
    assert problems(SQ, answers) == expected


def test_all_problems_are_reported_in_question_order():
    got = problems(SQ, {"rel1": {"expectation": 0}, "tan1": {"perception": 9}, "zzz": 1})
    assert got == [("unknown_question", "zzz", ""), ("out_of_scale", "tan1", "perception"),
                   ("missing_answer", "tan2", ""), ("out_of_scale", "rel1", "expectation")]


def test_weights_store_every_dimension_missing_ones_as_zero():
    rows = rules.clean_answers(SQ, sq(weights={"reliability": 60, "empathy": 40}))
    weights = {r.column: r.value for r in rows if r.question_id == 20}
    assert weights == {11: 0, 12: 60, 13: 0, 14: 0, 15: 40}


def test_rollup_deltas_of_a_csat_answer():
    rows = rules.clean_answers(CSAT, {"rating": 4, "reasons": ["speed", "knowledge"],
                                      "comment": "ok"})
    deltas = rollup_rules.rollup_deltas(CSAT, rows)
    assert deltas == {
        (0, "", Column.RESPONSES, 0): (1, 0.0, 0.0),
        (1, "", Column.VALUE, 0): (1, 4.0, 16.0),
        (1, "", Column.VALUE, 4): (1, 4.0, 16.0),  # the distribution: 4 is the 4th point
        (2, "", Column.VALUE, 0): (1, 0.0, 0.0),  # answered the reasons
        (2, "", Column.VALUE, 1): (1, 0.0, 0.0),  # speed
        (2, "", Column.VALUE, 3): (1, 0.0, 0.0),  # knowledge
        (3, "", Column.VALUE, 0): (1, 0.0, 0.0),
    }


def test_rollup_deltas_of_a_servqual_answer_worked_by_hand():
    # tan1 E6 P5 (gap −1), tan2 E7 P4 (gap −3), rel1 E7 P7 (gap 0); tangibles gap −2
    answers = sq(weights={"tangibles": 40, "reliability": 60})
    deltas = rollup_rules.rollup_deltas(SQ, rules.clean_answers(SQ, answers))
    assert deltas[(10, "tangibles", Column.GAP, 0)] == (1, -1.0, 1.0)
    assert deltas[(11, "tangibles", Column.GAP, 0)] == (1, -3.0, 9.0)
    assert deltas[(0, "tangibles", Column.EXPECTATION, 0)] == (1, 6.5, 42.25)
    assert deltas[(0, "tangibles", Column.GAP, 0)] == (1, -2.0, 4.0)
    assert deltas[(0, "reliability", Column.GAP, 0)] == (1, 0.0, 0.0)
    assert deltas[(0, "overall", Column.GAP, 0)] == (1, -1.0, 1.0)  # mean of −2 and 0
    assert deltas[(20, "reliability", Column.WEIGHT_RELIABILITY, 0)] == (1, 60.0, 3600.0)
    # weighted over the dimensions with a gap: (40·−2 + 60·0) / 100
    assert deltas[(0, "overall", Column.WEIGHTED_GAP, 0)] == (1, -0.8, pytest.approx(0.64))
    # perception: tangibles 4.5, reliability 7 → (40·4.5 + 60·7) / 100 = 6.0
    assert deltas[(0, "overall", Column.WEIGHTED_PERCEPTION, 0)] == (1, 6.0, 36.0)


def test_weights_only_count_the_dimensions_with_a_score():
    # tangibles has no answer here: 100 points split 40/60 with tangibles → only reliability
    specs = [R1, WEIGHTS]
    rows = rules.clean_answers(specs, {"rel1": {"expectation": 7, "perception": 5},
                                       "weights": {"tangibles": 40, "reliability": 60}})
    deltas = rollup_rules.rollup_deltas(specs, rows)
    assert deltas[(0, "overall", Column.WEIGHTED_GAP, 0)] == (1, -2.0, 4.0)


def test_weighted_gap_over_all_five_dimensions():
    specs = [QuestionSpec(i + 1, f"i{i}", "servqual", scale_min=1, scale_max=7, dimension=d.value,
                          columns=("expectation", "perception"))
             for i, d in enumerate(rules.DIMENSIONS)] + [WEIGHTS]
    gaps = {"i0": (7, 4), "i1": (7, 6), "i2": (5, 5), "i3": (6, 7), "i4": (7, 5)}  # −3 −1 0 1 −2
    answers = {code: {"expectation": e, "perception": p} for code, (e, p) in gaps.items()}
    answers["weights"] = {"tangibles": 10, "reliability": 40, "responsiveness": 20,
                          "assurance": 10, "empathy": 20}
    deltas = rollup_rules.rollup_deltas(specs, rules.clean_answers(specs, answers))
    # (10·−3 + 40·−1 + 20·0 + 10·1 + 20·−2) / 100 = −1.0
    assert deltas[(0, "overall", Column.WEIGHTED_GAP, 0)] == (1, -1.0, 1.0)


def test_three_column_items_give_adequacy_and_superiority():
    spec = QuestionSpec(1, "res1", "servqual", scale_min=1, scale_max=7,
                        dimension="responsiveness", columns=("desired", "adequate", "perception"))
    rows = rules.clean_answers([spec], {"res1": {"desired": 7, "adequate": 4, "perception": 5}})
    deltas = rollup_rules.rollup_deltas([spec], rows)
    assert deltas[(1, "responsiveness", Column.MSA, 0)] == (1, 1.0, 1.0)
    assert deltas[(1, "responsiveness", Column.MSS, 0)] == (1, -2.0, 4.0)


@pytest.mark.parametrize("spec, wrong", [
    (QuestionSpec(1, "a", "rating", scale_min=5, scale_max=5), ["scale"]),
    (QuestionSpec(1, "a", "single", options=("x",)), ["options"]),
    (QuestionSpec(1, "a", "servqual", scale_min=1, scale_max=7, columns=("perception",)),
     ["dimension"]),
    (QuestionSpec(1, "a", "servqual", scale_min=1, scale_max=7, dimension="empathy",
                  columns=("importance",)), ["columns"]),
    (QuestionSpec(1, "a", "hologram"), ["kind"]),
    (T1, []),
])
def test_check_question(spec, wrong):
    assert rules.check_question(spec) == wrong


@given(st.lists(st.integers(1, 10**6), max_size=300, unique=True), st.integers(0, 2**62),
       st.integers(1, 400))
def test_sampling_is_reproducible_and_within_the_population(ids, seed, size):
    first = distribution_rules.sample_ids(ids, size=size, seed=seed)
    assert first == distribution_rules.sample_ids(list(reversed(ids)), size=size, seed=seed)
    assert len(first) == min(size, len(ids))
    assert set(first) <= set(ids) and first == sorted(first)


def test_sampling_by_fraction_rounds_half_up_and_keeps_at_least_one():
    assert distribution_rules.sample_size_for(10, size=None, fraction=0.25) == 3
    assert distribution_rules.sample_size_for(10, size=None, fraction=0.01) == 1
    assert distribution_rules.sample_size_for(0, size=None, fraction=0.5) == 0
    assert distribution_rules.sample_size_for(7, size=None, fraction=None) == 7


def test_month_start_is_in_the_business_time_zone():
    # 2026-01-31 17:00 UTC is already 1 February in Shanghai
    moment = datetime(2026, 1, 31, 17, 0, tzinfo=UTC)
    assert distribution_rules.month_start(moment, ZoneInfo("Asia/Shanghai")) == date(2026, 2, 1)
    assert distribution_rules.month_start(moment, ZoneInfo("UTC")) == date(2026, 1, 1)


def test_reminders_follow_the_schedule_and_stop_before_expiry():
    sent = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    expires = sent + timedelta(days=10)
    assert distribution_rules.next_reminder_at(sent, [3, 7, 14], 0, expires) == sent + timedelta(days=3)
    assert distribution_rules.next_reminder_at(sent, [3, 7, 14], 1, expires) == sent + timedelta(days=7)
    assert distribution_rules.next_reminder_at(sent, [3, 7, 14], 2, expires) is None  # after expiry
    assert distribution_rules.next_reminder_at(sent, [3], 1, expires) is None
    assert distribution_rules.next_reminder_at(None, [3], 0, expires) is None


@pytest.mark.parametrize("days", [[0], [3, 3], [7, 3], [1, 2, 3, 4], ["3"], [91], "3"])
def test_bad_reminder_schedules_are_refused(days):
    with pytest.raises(ValueError):
        distribution_rules.check_reminder_days(days)
