"""Incremental rollups: what each response adds (``rollup_rules.rollup_deltas``), written in the
response's transaction with one ``INSERT … ON CONFLICT DO UPDATE`` that adds to the running
count, sum and sum of squares. Safe with concurrent submissions on PostgreSQL (the unique
key serialises writers of the same row; rows are written in key order, so two responses
never wait for each other crosswise) and on SQLite (one writer at a time).

Every write also adds to ``RollupTotal`` — the same sums at coarser grains: every slice
summed; per branch × team × agent; per branch × team × tier × agent — in the same transaction,
after the ``Rollup`` rows: writers lock rows in one order (fine rows, then totals,
each in key order). A whole-instrument row is written by every response of its month, so
concurrent submissions to one instrument queue on it for the rest of their transactions.

Dashboards read ``RollupTotal`` (``Rollup`` for a contact-channel filter) — never the raw
answers. ``recompute`` and ``rebuild`` derive the same rows from the raw answers (for tests,
after an import, or to repair); ``totals_of`` derives the totals from ``Rollup`` rows,
``rebuild_totals`` rewrites them from the stored ones, and the consistency checks compare
``stored_totals`` with ``totals_of(recompute())`` or ``totals_of(stored())``.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import date

from django.conf import settings
from django.db import connection, transaction

from . import distribution_rules, rollup_rules, rules
from .models import Answer, Question, Response, Rollup, RollupTotal

Key = tuple  # Rollup.KEY order (RollupTotal.KEY for the totals)
_SUMS = ("count", "total", "total_sq")
_COLUMNS = (*Rollup.KEY, *_SUMS)
_TOTAL_COLUMNS = (*RollupTotal.KEY, *_SUMS)


def business_tz():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def period_of(moment) -> date:
    return distribution_rules.month_start(moment, business_tz())


def slice_of(response: Response, instrument_kind: str) -> tuple:
    """(branch, team, tier, agent, channel) with 0 / "" for none; the agent only for CSAT,
    NPS and CES."""
    agent = response.agent_id if instrument_kind in rules.PER_AGENT_KINDS else None
    return (response.branch_id or 0, response.team_id or 0, response.tier_id or 0,
            agent or 0, response.contact_channel or "")


def rows_for(response: Response, specs: Sequence[rules.QuestionSpec],
             answers: Iterable[rules.CleanAnswer], instrument_kind: str) -> dict[Key, tuple]:
    """The rollup rows one response adds: key → (count, total, total_sq)."""
    branch, team, tier, agent, channel = slice_of(response, instrument_kind)
    out = {}
    for (question_id, dimension, column, option), values in rollup_rules.rollup_deltas(
            specs, answers).items():
        key = (response.instrument_id, response.period, question_id, dimension, int(column),
               option, branch, team, tier, agent, channel)
        out[key] = values
    return out


def apply(response: Response, specs: Sequence[rules.QuestionSpec],
          answers: Iterable[rules.CleanAnswer], instrument_kind: str) -> int:
    """Add one response to the rollups (call inside the response's transaction)."""
    return upsert(rows_for(response, specs, answers, instrument_kind))


def upsert(rows: dict[Key, tuple]) -> int:
    """Add ``rows`` (``Rollup`` keys) to the table — new keys are inserted, existing ones
    incremented — and their sums to ``RollupTotal``. Returns the number of ``Rollup`` rows."""
    if not rows:
        return 0
    done = _upsert(Rollup, _COLUMNS, rows)
    _upsert(RollupTotal, _TOTAL_COLUMNS, totals_of(rows))
    return done


def totals_of(rows: dict[Key, tuple]) -> dict[Key, tuple]:
    """The ``RollupTotal`` rows that ``Rollup`` rows add up to (every grain)."""
    out: dict[Key, list] = {}
    for key, (count, amount, squares) in rows.items():
        instrument, item = key[0], key[1:6]  # item: period, question, dimension, column, option
        branch, team, tier, agent, _channel = key[6:]
        for grain, tail in ((RollupTotal.TOTAL, (0, 0, 0, 0)),
                            (RollupTotal.UNIT, (branch, team, 0, agent)),
                            (RollupTotal.TIER, (branch, team, tier, agent))):
            total_key = (instrument, grain, *item, *tail)
            acc = out.get(total_key)
            if acc is None:
                out[total_key] = [count, amount, squares]
            else:
                acc[0] += count
                acc[1] += amount
                acc[2] += squares
    return {key: tuple(values) for key, values in out.items()}


def _upsert(model, names: Sequence[str], rows: dict[Key, tuple]) -> int:
    """``INSERT … ON CONFLICT (key) DO UPDATE`` adding to count, total and total_sq."""
    table = connection.ops.quote_name(model._meta.db_table)
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in names)
    key = ", ".join(q(c) for c in model.KEY)
    adds = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in _SUMS)
    placeholder = "(" + ", ".join(["%s"] * len(names)) + ")"
    period_at = model.KEY.index("period")
    ordered = sorted(rows.items(), key=lambda item: _sort_key(item[0]))
    done = 0
    # Chunks keep every statement under SQLite's and PostgreSQL's parameter limits.
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        params: list = []
        for k, (count, total, total_sq) in chunk:
            params.extend((*k[:period_at], connection.ops.adapt_datefield_value(k[period_at]),
                           *k[period_at + 1:], int(count), float(total), float(total_sq)))
        sql = (f"INSERT INTO {table} ({columns}) VALUES "
               f"{', '.join([placeholder] * len(chunk))} "
               f"ON CONFLICT ({key}) DO UPDATE SET {adds}")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        done += len(chunk)
    return done


def _sort_key(key: Key) -> tuple:
    return tuple(str(part) if isinstance(part, date) else part for part in key)


# --- recomputation from the raw answers ----------------------------------------------------------

def _specs(version_ids: Iterable[int]) -> dict[int, list[rules.QuestionSpec]]:
    out: dict[int, list[rules.QuestionSpec]] = {}
    for question in Question.objects.filter(version_id__in=set(version_ids)).order_by(
            "version_id", "order", "id"):
        out.setdefault(question.version_id, []).append(question.spec())
    return out


def recompute(responses=None, *, chunk: int = 2000) -> dict[Key, tuple]:
    """The rollup rows the raw answers of ``responses`` (a queryset; default: all) add up
    to, computed in Python from ``Answer`` rows."""
    from .models import Instrument

    responses = Response.objects.all() if responses is None else responses
    kinds = dict(Instrument.objects.values_list("pk", "kind"))
    totals: dict[Key, list] = {}
    specs_by_version: dict[int, list[rules.QuestionSpec]] = {}
    last = 0
    while True:
        batch = list(responses.filter(pk__gt=last).order_by("pk")[:chunk])
        if not batch:
            break
        last = batch[-1].pk
        missing = {r.version_id for r in batch} - set(specs_by_version)
        specs_by_version.update(_specs(missing))
        answers: dict[int, list[rules.CleanAnswer]] = {}
        for a in Answer.objects.filter(response_id__in=[r.pk for r in batch]).order_by(
                "response_id", "question_id", "column"):
            answers.setdefault(a.response_id, []).append(rules.CleanAnswer(
                a.question_id, a.column, value=a.value,
                choices=tuple(a.choices) if a.choices is not None else None, text=a.text))
        for response in batch:
            rows = rows_for(response, specs_by_version.get(response.version_id, []),
                            answers.get(response.pk, []), kinds[response.instrument_id])
            for key, (count, total, squares) in rows.items():
                acc = totals.setdefault(key, [0, 0.0, 0.0])
                acc[0] += count
                acc[1] += total
                acc[2] += squares
    return {key: tuple(values) for key, values in totals.items()}


def stored(instrument_ids: Iterable[int] | None = None) -> dict[Key, tuple]:
    return _read(Rollup, _COLUMNS, instrument_ids)


def stored_totals(instrument_ids: Iterable[int] | None = None) -> dict[Key, tuple]:
    return _read(RollupTotal, _TOTAL_COLUMNS, instrument_ids)


def _read(model, columns: Sequence[str], instrument_ids) -> dict[Key, tuple]:
    """{key: (count, total, total_sq)} of the stored rows (of some instruments, or all)."""
    qs = model.objects.all()
    if instrument_ids is not None:
        qs = qs.filter(instrument_id__in=list(instrument_ids))
    width = len(model.KEY)
    return {tuple(row[:width]): tuple(row[width:]) for row in qs.values_list(*columns)}


def totals_differ(stored_rows: dict[Key, tuple], expected: dict[Key, tuple],
                  *, limit: int = 5) -> list[str]:
    """Where two sets of rows (``Rollup`` or ``RollupTotal`` keys) disagree: a missing key, a
    different count, or sums further apart than rounding explains (the totals add the same
    numbers in another order). Empty: they agree."""
    problems = []
    for key in sorted(set(stored_rows) | set(expected), key=str):
        a, b = stored_rows.get(key), expected.get(key)
        if a is None or b is None or a[0] != b[0] or not all(
                abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))
                for x, y in zip(a[1:], b[1:], strict=True)):
            problems.append(f"{key}: stored {a}, expected {b}")
            if len(problems) >= limit:
                break
    return problems


@transaction.atomic
def rebuild(instrument_id: int | None = None) -> int:
    """Throw the rollups and their totals away (of one instrument, or all) and add them up
    again from the raw answers. Locks the tables' rows of that instrument while it runs."""
    rollups = Rollup.objects.all()
    totals = RollupTotal.objects.all()
    responses = Response.objects.all()
    if instrument_id is not None:
        rollups = rollups.filter(instrument_id=instrument_id)
        totals = totals.filter(instrument_id=instrument_id)
        responses = responses.filter(instrument_id=instrument_id)
    rollups.delete()
    totals.delete()
    return upsert(recompute(responses))


@transaction.atomic
def rebuild_totals(instrument_id: int | None = None) -> int:
    """Derive ``RollupTotal`` again from the stored ``Rollup`` rows (of one instrument, or
    all), without reading the raw answers: after the table was added, or to repair."""
    totals = RollupTotal.objects.all()
    if instrument_id is not None:
        totals = totals.filter(instrument_id=instrument_id)
    totals.delete()
    instruments = None if instrument_id is None else [instrument_id]
    return _upsert(RollupTotal, _TOTAL_COLUMNS, totals_of(stored(instruments)))
