"""The rollups equal what the raw answers add up to, after any sequence of submissions:
checked against a recomputation in Python from the ``Answer`` rows and, for the plain
per-item rows, against a GROUP BY over the raw answers in the database."""

from __future__ import annotations

import pytest
from django.db.models import Count, F, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.surveys import rollups, rules
from kefu.surveys.instruments_data import SERVQUAL_ITEMS
from kefu.surveys.models import Answer, Rollup, RollupTotal
from kefu.surveys.services.responses import response_submit

from .conftest import invite

ITEM_CODES = [code for code, *_rest in SERVQUAL_ITEMS]


def weights_strategy():
    """Five non-negative integers adding up to 100 (or no weights at all)."""
    cuts = st.lists(st.integers(0, 100), min_size=4, max_size=4).map(sorted)
    return st.one_of(st.none(), cuts.map(lambda c: [b - a for a, b in zip(
        [0, *c], [*c, 100], strict=True)]))


def servqual(columns):
    item = st.fixed_dictionaries({c: st.integers(1, 7) for c in columns})
    return st.tuples(st.fixed_dictionaries({code: item for code in ITEM_CODES}),
                     weights_strategy())


SUBMISSION = st.one_of(
    st.tuples(st.just("csat"), st.fixed_dictionaries(
        {"rating": st.integers(1, 5)},
        optional={"reasons": st.lists(st.sampled_from(["speed", "attitude", "knowledge"]),
                                      unique=True, min_size=1),
                  "comment": st.text(min_size=1, max_size=20).filter(
                      lambda t: t.strip() and "\x00" not in t)})),
    st.tuples(st.just("nps"), st.fixed_dictionaries({"score": st.integers(0, 10)})),
    st.tuples(st.just("ces"), st.fixed_dictionaries({"effort": st.integers(1, 7)})),
    st.tuples(st.just("servqual"), servqual(("expectation", "perception"))),
    st.tuples(st.just("servqual3"), servqual(("desired", "adequate", "perception"))),
)
SLICE = st.tuples(st.sampled_from([None, "east", "west"]), st.sampled_from([None, "vip",
                                                                            "regular"]),
                  st.booleans(), st.sampled_from(["", "phone", "email"]), st.booleans())


def _answers(kind, drawn):
    if kind.startswith("servqual"):
        items, weights = drawn
        answers = dict(items)
        if weights is not None:
            answers["weights"] = dict(zip([d.value for d in rules.DIMENSIONS], weights,
                                          strict=True))
        return answers
    return drawn


def assert_same(stored, expected):
    assert set(stored) == set(expected)
    for key, (count, total, squares) in expected.items():
        got = stored[key]
        assert got[0] == count, key
        assert got[1] == pytest.approx(total, abs=1e-9), key
        assert got[2] == pytest.approx(squares, abs=1e-9), key


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(SUBMISSION, SLICE), min_size=1, max_size=6))
def test_rollups_equal_a_recomputation_from_the_raw_answers(company, shipped, submissions):
    branches = {"east": company.east, "west": company.west}
    tiers = {"vip": company.vip, "regular": company.regular}
    for (kind, drawn), (branch, tier, with_agent, channel, anonymous) in submissions:
        instrument = shipped[kind]
        _inv, token = invite(instrument, customer=company.alice,
                             branch_id=branches[branch].pk if branch else None,
                             tier_id=tiers[tier].pk if tier else None,
                             team_id=company.east_team.pk if branch == "east" else None,
                             agent_id=company.agent_east.pk if with_agent else None,
                             contact_channel=channel)
        response_submit(token=token, answers=_answers(kind, drawn),
                        anonymous=anonymous and instrument.anonymous_allowed)
    recomputed = rollups.recompute()
    assert_same(rollups.stored(), recomputed)
    # the coarser totals, written with them, are the sums of the recomputed rows
    assert_same(rollups.stored_totals(), rollups.totals_of(recomputed))


def test_item_rows_equal_a_group_by_over_the_raw_answers(company, shipped):
    # given answers in two slices (and an agent on CSAT only)
    for value, branch in ((5, company.east), (3, company.east), (2, company.west)):
        for code, answers in (("csat", {"rating": value}),
                              ("servqual3", {c: {"desired": 7, "adequate": value,
                                                 "perception": value + 1}
                                             for c in ITEM_CODES})):
            _inv, token = invite(shipped[code], customer=company.bob, branch_id=branch.pk,
                                 agent_id=company.agent_west.pk)
            response_submit(token=token, answers=answers)
    # when the raw answers are grouped the way the rollups are keyed
    raw = (Answer.objects.filter(question__kind__in=["rating", "likert", "servqual", "weights"])
           .values(instrument=F("response__instrument_id"), period=F("response__period"),
                   q=F("question_id"), col=F("column"), branch=F("response__branch_id"))
           .annotate(n=Count("pk"), total=Sum("value"), sq=Sum(F("value") * F("value"))))
    expected = {(r["instrument"], r["period"], r["q"], r["col"], r["branch"] or 0):
                (r["n"], float(r["total"]), float(r["sq"])) for r in raw}
    stored = {}
    for row in Rollup.objects.filter(question_id__gt=0, option=0, column__lt=5):
        key = (row.instrument_id, row.period, row.question_id, row.column, row.branch_id)
        count, total, squares = stored.get(key, (0, 0.0, 0.0))
        stored[key] = (count + row.count, total + row.total, squares + row.total_sq)
    # then they agree
    assert stored == expected
    # CSAT rows carry the agent; SERVQUAL rows never do
    assert set(Rollup.objects.filter(instrument_id=shipped["csat"].pk)
               .values_list("agent_id", flat=True)) == {company.agent_west.pk}
    assert set(Rollup.objects.filter(instrument_id=shipped["servqual3"].pk)
               .values_list("agent_id", flat=True)) == {0}


def test_rebuild_gives_back_the_same_rows(company, shipped):
    for value in (1, 4, 5):
        _inv, token = invite(shipped["nps"], customer=company.alice, branch_id=company.east.pk)
        response_submit(token=token, answers={"score": value + 5})
    before, totals = rollups.stored(), rollups.stored_totals()
    Rollup.objects.update(count=0)  # damage them
    RollupTotal.objects.update(total=0)
    rollups.rebuild()
    assert_same(rollups.stored(), before)
    assert_same(rollups.stored_totals(), totals)
    # the NPS distribution rows: scores 6, 9 and 10 → options 7, 10 and 11
    score = shipped["nps"].versions.get().questions.get(code="score")
    options = dict(Rollup.objects.filter(question_id=score.pk, option__gt=0)
                   .values_list("option", "count"))
    assert options == {7: 1, 10: 1, 11: 1}


def test_totals_sum_the_rows_they_cover(company, shipped):
    # given CSAT answers in two slices of one month, with agents, tiers and channels
    for value, branch, tier, channel in ((5, company.east, company.vip, "phone"),
                                         (3, company.east, company.regular, "email"),
                                         (2, company.west, None, "")):
        _inv, token = invite(shipped["csat"], customer=company.bob, branch_id=branch.pk,
                             tier_id=tier.pk if tier else None, contact_channel=channel,
                             agent_id=company.agent_west.pk)
        response_submit(token=token, answers={"rating": value})
    rating = shipped["csat"].versions.get().questions.get(code="rating")
    # then the whole-instrument row counts all three, the per-unit rows one branch each
    whole = RollupTotal.objects.get(grain=RollupTotal.TOTAL, question_id=rating.pk, option=0)
    assert (whole.count, whole.total, whole.total_sq) == (3, 10.0, 38.0)
    assert (whole.branch_id, whole.team_id, whole.agent_id) == (0, 0, 0)
    units = {r.branch_id: (r.count, r.total, r.agent_id) for r in RollupTotal.objects.filter(
        grain=RollupTotal.UNIT, question_id=rating.pk, option=0)}
    assert units == {company.east.pk: (2, 8.0, company.agent_west.pk),
                     company.west.pk: (1, 2.0, company.agent_west.pk)}
    tiers = {(r.branch_id, r.tier_id): r.count for r in RollupTotal.objects.filter(
        grain=RollupTotal.TIER, question_id=rating.pk, option=0)}
    assert tiers == {(company.east.pk, company.vip.pk): 1,
                     (company.east.pk, company.regular.pk): 1, (company.west.pk, 0): 1}


def test_rebuild_totals_derives_them_from_the_stored_rows(company, shipped):
    for score in (3, 9):
        _inv, token = invite(shipped["nps"], customer=company.alice, branch_id=company.east.pk)
        response_submit(token=token, answers={"score": score})
    before = rollups.stored_totals()
    RollupTotal.objects.all().delete()  # as after adding the table
    rollups.rebuild_totals()
    assert_same(rollups.stored_totals(), before)
    assert rollups.totals_differ(rollups.stored_totals(), rollups.totals_of(rollups.stored())) \
        == []
    # a damaged row is reported
    RollupTotal.objects.filter(grain=RollupTotal.TOTAL, option=0).update(count=99)
    assert rollups.totals_differ(rollups.stored_totals(), rollups.totals_of(rollups.stored()))
