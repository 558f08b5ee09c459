"""Incremental rollups: what each response adds (``rollup_rules.rollup_deltas``), written in the
response's transaction with one ``INSERT … ON CONFLICT DO UPDATE`` that adds to the running
count, sum and sum of squares. Safe with concurrent submissions on PostgreSQL (the unique
key serialises writers of the same row; rows are written in key order, so two responses
never wait for each other crosswise) and on SQLite (one writer at a time).

Dashboards read ``Rollup`` — a few thousand rows per instrument and month — never the raw
answers. ``recompute`` and ``rebuild`` derive the same rows from the raw answers (for tests,
after an import, or to repair).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import date

from django.conf import settings
from django.db import connection, transaction

from . import distribution_rules, rollup_rules, rules
from .models import Answer, Question, Response, Rollup

Key = tuple  # Rollup.KEY order
_COLUMNS = (*Rollup.KEY, "count", "total", "total_sq")


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
    """Add ``rows`` to the table: new keys are inserted, existing ones incremented."""
    if not rows:
        return 0
    table = connection.ops.quote_name(Rollup._meta.db_table)
    q = connection.ops.quote_name
    columns = ", ".join(q(c) for c in _COLUMNS)
    key = ", ".join(q(c) for c in Rollup.KEY)
    adds = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}"
                     for c in ("count", "total", "total_sq"))
    placeholder = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    ordered = sorted(rows.items(), key=lambda item: _sort_key(item[0]))
    done = 0
    # Chunks keep every statement under SQLite's and PostgreSQL's parameter limits.
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        params: list = []
        for k, (count, total, total_sq) in chunk:
            params.extend((k[0], connection.ops.adapt_datefield_value(k[1]), *k[2:],
                           int(count), float(total), float(total_sq)))
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
    qs = Rollup.objects.all()
    if instrument_ids is not None:
        qs = qs.filter(instrument_id__in=list(instrument_ids))
    return {tuple(row[:11]): tuple(row[11:]) for row in qs.values_list(*_COLUMNS)}


@transaction.atomic
def rebuild(instrument_id: int | None = None) -> int:
    """Throw the rollups away (of one instrument, or all) and add them up again from the raw
    answers. Locks the table's rows of that instrument while it runs."""
    rollups = Rollup.objects.all()
    responses = Response.objects.all()
    if instrument_id is not None:
        rollups = rollups.filter(instrument_id=instrument_id)
        responses = responses.filter(instrument_id=instrument_id)
    rollups.delete()
    return upsert(recompute(responses))
