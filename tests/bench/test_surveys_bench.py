"""A tiny run of the survey benchmark's code (``python -m bench.surveys``): 2,000 generated
SERVQUAL answers and some CSAT / NPS / CES, written the bench's way (COPY on PostgreSQL,
executemany on SQLite) with rollups computed in bulk — which must equal
``kefu.surveys.rollups.recompute`` from the raw answers — then the dashboard reads and both
re-slices (SQL, and DuckDB over a Parquet export when duckdb and pyarrow are installed)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.surveys import build, dashboard, generate, reslice
from kefu.customers.models import Customer
from kefu.surveys import rollups
from kefu.surveys.defaults import ensure_defaults
from kefu.surveys.models import Answer, Response, Rollup


@pytest.fixture
def loaded(company):
    ensure_defaults()
    for i in range(20):
        Customer.objects.create(name=f"客户{i}", tier=company.regular if i % 3 else company.vip,
                                branch=company.east if i % 2 else company.west)
    plan = build.plan_for(2000, seed=11)
    built = build.build(plan, say=lambda _line: None)
    return plan, built


def test_generation_is_deterministic(company):
    ensure_defaults()
    Customer.objects.create(name="甲", tier=company.vip, branch=company.east)
    layout = generate.read_layout()
    bounds = layout.month_bounds()
    one = generate.servqual_chunk(layout, 5, 0, 50, 1, bounds)
    two = generate.servqual_chunk(layout, 5, 0, 50, 1, bounds)
    other = generate.servqual_chunk(layout, 6, 0, 50, 1, bounds)
    for a, b in zip(one.answers, two.answers, strict=True):
        assert np.array_equal(a, b)
    assert not np.array_equal(one.answers[3], other.answers[3])
    # 22 items × E and P, and five weights for those who gave them (adding up to 100)
    r, q, c, v = one.answers
    assert set(np.bincount(r - 1)) <= {44, 49}
    weights = v[c >= 11].reshape(-1, 5)
    assert (weights.sum(axis=1) == 100).all()
    assert ((v[c <= 2] >= 1) & (v[c <= 2] <= 7)).all()


def test_bulk_rollups_equal_a_recompute_from_the_raw_answers(loaded):
    plan, built = loaded
    assert 1900 <= built["servqual_answers"] <= 2100
    assert Response.objects.filter(source=generate.SOURCE).count() == (
        plan.servqual + plan.csat + plan.nps + plan.ces)
    assert Answer.objects.count() == built["answers_written"]
    stored, expected = rollups.stored(), rollups.recompute()
    assert set(stored) == set(expected)
    for key, (count, total, squares) in expected.items():
        assert stored[key][0] == count, key
        assert stored[key][1] == pytest.approx(total, rel=1e-9, abs=1e-9), key
        assert stored[key][2] == pytest.approx(squares, rel=1e-9, abs=1e-9), key
    assert all(check["equal"] for check in build.check_sample(plan.seed))
    assert build.loaded()["seed"] == plan.seed


def test_dashboard_reads_and_reslices(loaded, company, tmp_path):
    plan, _built = loaded
    layout = generate.read_layout()
    everything = dashboard.Filter(layout.months[0], layout.months[-1])
    overview = dashboard.servqual_overview(everything)
    assert overview["respondents"] == plan.servqual
    dims = {d["dimension"]: d for d in overview["dimensions"]}
    assert dims["responsiveness"]["gap"]["mean"] < dims["tangibles"]["gap"]["mean"]
    assert len(overview["items"]) == 22 and overview["overall"]["weighted_gap"]["n"] > 0
    east = dashboard.servqual_overview(dashboard.Filter(layout.months[0], layout.months[-1],
                                                        branch=company.east.pk))
    assert 0 < east["respondents"] < plan.servqual
    trend = dashboard.servqual_trend(everything)
    assert sum(point["n"] for point in trend["series"]["overall"]) == plan.servqual
    teams = dashboard.scores_by_team(everything)["teams"]
    assert sum(t["csat"]["n"] for t in teams if t.get("csat")) == plan.csat
    # the raw-answer re-slices: SQL, and DuckDB over the export, agree
    instrument = Rollup.objects.values_list("instrument_id", flat=True).filter(
        dimension="responsiveness").first()
    sql = {rs.name: reslice.run_sql(rs, instrument, company.east.pk) for rs in reslice.RESLICES}
    assert all(sql.values())
    pytest.importorskip("duckdb")
    pytest.importorskip("pyarrow")
    path = tmp_path / "answers.parquet"
    exported = reslice.export_parquet(path, instrument)
    assert exported["rows"] == Answer.objects.filter(response__instrument_id=instrument).count()
    for rs in reslice.RESLICES:
        assert reslice.same(reslice.run_duckdb(rs, path, company.east.pk), sql[rs.name])
