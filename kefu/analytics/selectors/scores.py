"""CSAT, NPS and CES per team, agent, branch or month, from the rollups' distribution rows
(option ``k`` of a scale question counts the answers of its k-th point; the value of a row
is its sum over its count, so no scale look-up is needed).

One query for the scale questions (with their instruments' kinds), one grouped rollup
query, one for the group names — whatever the number of groups; ``by_groups`` reads several
groupings (the scores page's four) with one rollup query for team, agent and branch and one
for the months. Each figure carries its sample size; a group with fewer than ``f.min_n``
answers is flagged ``insufficient_data`` and not ranked (see ``kefu.analytics.stats.compare``);
the test across the ranked groups is a χ² test of homogeneity for CSAT (satisfied / not) and
NPS (promoters / passives / detractors) — or the z tests for two groups — and a one-way ANOVA
from the sums for CES.

- CSAT: % satisfied (4 or 5 of 1–5) with Wilson's interval; the scale question ``rating``;
- NPS: % promoters (9–10) − % detractors (0–6) with its interval; the question ``score``;
- CES: mean agreement that "the company made it easy" (1–7, higher is easier) with its
  t interval; the question ``effort``.
"""

from __future__ import annotations

import math

from django.db.models import Sum
from django.utils.translation import gettext as _
from scipy import stats as _st

from kefu.accounts.models import Branch, Team, User
from kefu.analytics.stats import compare, scores
from kefu.analytics.stats.base import StatsError
from kefu.surveys import rules
from kefu.surveys.models import Question

from ._common import mean_ci, nps_ci, wilson
from .filters import DashboardFilter

MEASURES = ("csat", "nps", "ces")
#: The scale question of each kind (codes stay the same across versions).
SCALE_QUESTIONS = {"csat": "rating", "nps": "score", "ces": "effort"}
GROUP_FIELDS = {"team": "team_id", "agent": "agent_id", "branch": "branch_id",
                "month": "period"}


def _read(f: DashboardFilter, groups: tuple[str, ...]) -> dict[str, dict]:
    """{group: {(kind, key): {value: count}}} for each of ``groups``, in at most one query
    for the scale questions and two grouped rollup queries: one for the groups of a slice
    (team, agent, branch: ``RollupTotal``'s per-unit rows summed over the months, grouped in
    Python), one for the months."""
    # the scale questions and their instruments' kinds in one query; the ids go into the
    # rollup query as a list (PostgreSQL plans a subquery there for a handful of rows)
    scale = list(Question.objects.filter(
        version__instrument__kind__in=MEASURES,
        kind__in=(rules.QuestionKind.RATING, rules.QuestionKind.LIKERT),
        code__in=list(SCALE_QUESTIONS.values())).values_list(
            "pk", "version__instrument_id", "version__instrument__kind"))
    kinds = {instrument: kind for _pk, instrument, kind in scale}
    questions = sorted({pk for pk, _instrument, _kind in scale})
    out: dict[str, dict] = {group: {} for group in groups}
    if not kinds:
        return out
    units = [g for g in groups if g != "month"]
    for fields, wanted, by_unit in (([GROUP_FIELDS[g] for g in units], units, True),
                                    (["period"], [g for g in groups if g == "month"], False)):
        if not wanted:
            continue
        qs = f.rollup_rows(by_unit=by_unit).filter(
            instrument_id__in=sorted(kinds), question_id__in=questions,
            column=rules.Column.VALUE, option__gt=0)
        rows = (qs.values_list("instrument_id", "option", *fields)
                .annotate(n=Sum("count"), t=Sum("total")).order_by())
        for instrument_id, _option, *keys, n, total in rows:
            if not n:
                continue
            kind = kinds[instrument_id]
            # every answer of an option row has the same value: its sum over its count
            value = int(round(total / n))
            for group, key in zip(wanted, keys, strict=True):
                dist = out[group].setdefault((kind, key), {})
                dist[value] = dist.get(value, 0) + int(n)
    return out


def csat_figure(dist: dict[int, int]) -> dict | None:
    n = sum(dist.values())
    if not n:
        return None
    satisfied = sum(c for v, c in dist.items() if v >= 4)
    lo, hi = wilson(satisfied, n)
    return {"value": round(100 * satisfied / n, 1), "ci95": [round(100 * lo, 1),
                                                             round(100 * hi, 1)],
            "n": n, "satisfied": satisfied}


def nps_figure(dist: dict[int, int]) -> dict | None:
    if not sum(dist.values()):
        return None
    promoters = sum(c for v, c in dist.items() if v >= 9)
    passives = sum(c for v, c in dist.items() if 7 <= v <= 8)
    detractors = sum(c for v, c in dist.items() if v <= 6)
    value, ci = nps_ci(promoters, passives, detractors)
    return {"value": round(value, 1), "ci95": [round(x, 1) for x in ci],
            "n": promoters + passives + detractors, "promoters": promoters,
            "passives": passives, "detractors": detractors}


def ces_figure(dist: dict[int, int]) -> dict | None:
    n = sum(dist.values())
    if not n:
        return None
    total = float(sum(v * c for v, c in dist.items()))
    squares = float(sum(v * v * c for v, c in dist.items()))
    m, ci = mean_ci(n, total, squares)
    return {"value": round(m, 2), "ci95": [round(x, 2) for x in ci] if ci else None,
            "n": n, "_sums": (n, total, squares)}


FIGURES = {"csat": csat_figure, "nps": nps_figure, "ces": ces_figure}


def rank(figures: list[dict | None], min_n: int) -> None:
    """Competition ranks (1, 2, 2, 4; higher is better for all three measures) over the
    figures with at least ``min_n`` answers; the others get ``insufficient_data``."""
    ok = [fig["value"] for fig in figures if fig and fig["n"] >= min_n]
    for fig in figures:
        if fig is None:
            continue
        if fig["n"] >= min_n:
            fig["status"], fig["rank"] = compare.OK, 1 + sum(1 for v in ok if v > fig["value"])
        else:
            fig["status"], fig["rank"] = compare.INSUFFICIENT, None


def anova_from_sums(groups: list[tuple[int, float, float]]) -> compare.TestResult:
    """One-way ANOVA from each group's (n, Σx, Σx²):
    ``SSB = Σ Tᵢ²/nᵢ − T²/N``, ``SSW = Σ (Qᵢ − Tᵢ²/nᵢ)``, ``F = (SSB/(g−1)) / (SSW/(N−g))``."""
    g = len(groups)
    n_all = sum(n for n, _t, _q in groups)
    if g < 2 or n_all <= g:
        raise StatsError("too_few_groups", "ANOVA needs two groups and more answers than groups")
    t_all = sum(t for _n, t, _q in groups)
    ssb = sum(t * t / n for n, t, _q in groups) - t_all * t_all / n_all
    ssw = sum(q - t * t / n for n, t, q in groups)
    if ssw <= 1e-12:
        raise StatsError("zero_variance", "no group varies: the F test is undefined")
    df1, df2 = g - 1, n_all - g
    f = (max(ssb, 0.0) / df1) / (ssw / df2)
    return compare.TestResult("anova", float(f), (float(df1), float(df2)),
                              float(_st.f.sf(f, df1, df2)))


def _test(measure: str, figures: list[dict], min_n: int) -> dict | None:
    ok = [fig for fig in figures if fig and fig["n"] >= min_n]
    if len(ok) < 2:
        return None
    try:
        if measure == "csat":
            if len(ok) == 2:
                result = compare.two_proportion_z_test(ok[0]["satisfied"], ok[0]["n"],
                                                       ok[1]["satisfied"], ok[1]["n"])
            else:
                result = compare.chi_square_homogeneity(
                    [[fig["satisfied"], fig["n"] - fig["satisfied"]] for fig in ok])
        elif measure == "nps":
            if len(ok) == 2:
                a, b = (scores.nps_from_counts(fig["promoters"], fig["passives"],
                                               fig["detractors"]) for fig in ok)
                result = compare.nps_difference_test(a, b)
            else:
                result = compare.chi_square_homogeneity(
                    [[fig["promoters"], fig["passives"], fig["detractors"]] for fig in ok])
        else:
            result = anova_from_sums([fig["_sums"] for fig in ok])
    except StatsError:
        return None
    if not math.isfinite(result.statistic):
        return None
    df = list(result.df) if isinstance(result.df, tuple) else result.df
    return {"test": result.test, "statistic": round(result.statistic, 4), "df": df,
            "p_value": round(result.p_value, 6), "groups": len(ok)}


def _names(group: str, ids: list) -> dict:
    ids = [i for i in ids if i]
    if group == "team":
        return {t.pk: t.label for t in Team.objects.filter(pk__in=ids)}
    if group == "branch":
        return {b.pk: b.label for b in Branch.objects.filter(pk__in=ids)}
    if group == "agent":
        return {u.pk: u.name for u in User.objects.filter(pk__in=ids).only(
            "pk", "display_name", "first_name", "last_name", "username")}
    return {}


def _none_label(group: str) -> str:
    return {"team": _("No team"), "agent": _("No agent"), "branch": _("No branch")}.get(
        group, "—")


def by_group(f: DashboardFilter, group: str) -> dict:
    """CSAT, NPS and CES per ``group`` ("team", "agent", "branch" or "month")."""
    return by_groups(f, (group,))[group]


def by_groups(f: DashboardFilter, groups: tuple[str, ...]) -> dict[str, dict]:
    """``by_group`` for several groups at once ({group: figures}), reading the rollups once
    for all the groups of a slice (the scores page shows four)."""
    read = _read(f, groups)
    return {group: _figures(f, group, read[group]) for group in groups}


def _figures(f: DashboardFilter, group: str, dists: dict) -> dict:
    keys = sorted({key for (_kind, key) in dists}, key=lambda k: (k is None, k))
    names = _names(group, keys)
    rows = []
    for key in keys:
        row = {"id": key.isoformat()[:7] if group == "month" else (key or None)}
        row["name"] = (row["id"] if group == "month" else
                       names.get(key, _none_label(group)) if key else _none_label(group))
        for measure in MEASURES:
            row[measure] = FIGURES[measure](dists.get((measure, key), {}))
        rows.append(row)
    tests = {}
    for measure in MEASURES:
        figures = [row[measure] for row in rows]
        if group != "month":
            rank(figures, f.min_n)
        tests[measure] = _test(measure, figures, f.min_n)
        for fig in figures:
            if fig:
                fig.pop("_sums", None)
                if group == "month":
                    fig["status"] = (compare.OK if fig["n"] >= f.min_n
                                     else compare.INSUFFICIENT)
    if group != "month":
        rows.sort(key=lambda r: (str(r["name"])))
    return {"group_by": group, "min_n": f.min_n,
            "period": {"start": f.start.isoformat(), "end": f.end.isoformat()},
            "rows": rows, "tests": tests,
            "totals": {m: sum((row[m] or {}).get("n", 0) for row in rows) for m in MEASURES}}


def by_team(f: DashboardFilter) -> dict:
    return by_group(f, "team")


def by_agent(f: DashboardFilter) -> dict:
    return by_group(f, "agent")


def by_branch(f: DashboardFilter) -> dict:
    return by_group(f, "branch")


def trend(f: DashboardFilter) -> dict:
    """CSAT, NPS and CES month by month (the test compares the months)."""
    return by_group(f, "month")
