"""Loading the generated survey data (``generate``) into the database in one transaction, then
checking it: the stored rollups of a few slices against ``rollups.recompute`` from the raw
answers of the same slices."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass

from . import generate

MARKER = "bench_surveys_generated"  # a SurveyEvent written with the data, in its transaction
BULK_MIN = 100_000  # set the answers' foreign keys aside for loads at least this big


@dataclass(frozen=True)
class Plan:
    answers: int  # SERVQUAL answers asked for
    seed: int
    servqual: int  # respondents
    csat: int
    nps: int
    ces: int


def plan_for(answers: int, seed: int) -> Plan:
    """About ``answers`` SERVQUAL answers; CSAT, NPS and CES responses besides (4 %, 1.25 %,
    1.25 % of that many), enough for the per-team scores to mean something."""
    return Plan(answers=answers, seed=seed, servqual=generate.servqual_respondents(answers),
                csat=max(1, answers // 25), nps=max(1, answers // 80), ces=max(1, answers // 80))


def loaded() -> dict | None:
    """The plan of the data already loaded (None: none)."""
    from kefu.surveys.models import SurveyEvent

    row = SurveyEvent.objects.filter(kind=MARKER).order_by("-pk").values_list("data",
                                                                             flat=True).first()
    return row


def build(plan: Plan, *, say: Callable[[str], None] = print) -> dict:
    """Generate and write everything; returns what was written and how long it took."""
    from django.db import connection, transaction
    from django.utils import timezone

    from kefu.demo.build import _indexes_set_aside
    from kefu.surveys import rollups
    from kefu.surveys.models import Answer, Response, Rollup, RollupTotal, SurveyEvent

    layout = generate.read_layout()
    bounds = layout.month_bounds()
    sums = generate.RollupSums()
    counts = {"responses": 0, "answers_written": 0, "servqual_answers": 0}
    started = time.monotonic()
    big = plan.answers >= BULK_MIN
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # a bigger page cache while the indexes grow
            cursor.execute("PRAGMA cache_size = -262144")
    table = Response._meta.db_table
    with transaction.atomic(), (_indexes_set_aside([Answer._meta.db_table]) if big
                                else nullcontext()):
        for kind, total in (("servqual", plan.servqual), ("csat", plan.csat),
                            ("nps", plan.nps), ("ces", plan.ces)):
            first = generate.reserve_ids(Response, total)
            instrument, version = ((layout.servqual, layout.servqual_version) if kind == "servqual"
                                   else layout.scales[kind][:2])
            for index, offset in enumerate(range(0, total, generate.CHUNK)):
                n = min(generate.CHUNK, total - offset)
                if kind == "servqual":
                    chunk = generate.servqual_chunk(layout, plan.seed, index, n, first + offset,
                                                    bounds)
                else:
                    chunk = generate.scale_chunk(layout, kind, plan.seed, index, n,
                                                 first + offset, bounds)
                generate.write_rows(table, generate.RESPONSE_COLUMNS,
                                    generate.response_rows(chunk, layout, instrument, version))
                written = generate.write_answers(chunk.answers)
                sums.add(chunk.instrument, chunk.slices, layout.months, chunk.tails,
                         chunk.values, chunk.counted)
                counts["responses"] += n
                counts["answers_written"] += written
                if kind == "servqual":
                    counts["servqual_answers"] += written
                if index % 25 == 24 or offset + n == total:
                    say(f"  {kind}: {offset + n:,} of {total:,} respondents, "
                        f"{counts['answers_written']:,} answers, {time.monotonic() - started:.0f} s")
        loaded_at = time.monotonic()
        rows = sums.result()
        say(f"  rollups: {len(rows):,} rows from the generated arrays")
        rollups.upsert(rows)
        counts["rollup_rows"] = len(rows)
        SurveyEvent.objects.create(kind=MARKER, data={**asdict(plan), **counts},
                                   created_at=timezone.now())
        if big:
            say("  rebuilding the answers' foreign keys…")
    timings = {"load_s": round(loaded_at - started, 1),
               "rollups_s": round(time.monotonic() - loaded_at, 1)}
    analysed = time.monotonic()
    analyse(Answer._meta.db_table, Response._meta.db_table, Rollup._meta.db_table,
            RollupTotal._meta.db_table)
    timings["analyse_s"] = round(time.monotonic() - analysed, 1)
    timings["total_s"] = round(time.monotonic() - started, 1)
    return {**counts, **timings}


def analyse(*tables: str) -> None:
    from django.db import connection

    # VACUUM (which also sets PostgreSQL's visibility map) cannot run inside a transaction
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}" if vacuum else f"ANALYZE {table}")


def check_sample(seed: int, *, slices: int = 3) -> list[dict]:
    """Stored rollups of a few slices (SERVQUAL: month × branch × team × tier; CSAT: with the
    agent and channel too) against ``rollups.recompute`` over every response of the slice."""
    from kefu.surveys import rollups
    from kefu.surveys.models import Response, Rollup

    layout = generate.read_layout()
    rng = random.Random(seed)
    picks = []
    for instrument, name, count in ((layout.servqual, "servqual", slices),
                                    (layout.scales["csat"][0], "csat", 1)):
        ids = Response.objects.filter(instrument_id=instrument, source=generate.SOURCE)
        total = ids.count()
        for _ in range(count if total else 0):
            row = (ids.order_by("pk").values("period", "branch_id", "team_id", "tier_id",
                                             "agent_id", "contact_channel")
                   [rng.randrange(total)])
            extra = {"contact_channel": row.pop("contact_channel")}
            if name == "servqual":
                row.pop("agent_id")  # SERVQUAL is not rolled up per agent
            picks.append((name, instrument, row, extra))
    checks = []
    for name, instrument, where, extra in picks:
        responses = Response.objects.filter(instrument_id=instrument, **where, **extra)
        expected = rollups.recompute(responses)
        key = {**where, "channel": extra["contact_channel"]}
        if name == "servqual":
            key["agent_id"] = 0  # SERVQUAL is not rolled up per agent
        stored_qs = Rollup.objects.filter(instrument_id=instrument, **key)
        stored = {tuple(getattr(r, f) for f in Rollup.KEY): (r.count, r.total, r.total_sq)
                  for r in stored_qs}
        problems = _compare(stored, expected)
        checks.append({"instrument": name, "slice": {k: str(v) for k, v in key.items()},
                       "responses": responses.count(), "rows": len(expected),
                       "equal": not problems, "problems": problems[:5]})
    checks.append(check_totals())
    return checks


def check_totals() -> dict:
    """Every ``RollupTotal`` row against the sum of the stored ``Rollup`` rows it covers (the
    sampled ``Rollup`` slices are checked against the raw answers above)."""
    from kefu.surveys import rollups
    from kefu.surveys.models import Response

    expected = rollups.totals_of(rollups.stored())
    problems = rollups.totals_differ(rollups.stored_totals(), expected)
    return {"instrument": "all", "slice": {"table": "RollupTotal", "grains": "0, 1 and 2"},
            "responses": Response.objects.count(), "rows": len(expected),
            "equal": not problems, "problems": problems}


def _compare(stored: dict, expected: dict) -> list[str]:
    problems = []
    for key in sorted(set(stored) | set(expected), key=str):
        a, b = stored.get(key), expected.get(key)
        if a is None or b is None:
            problems.append(f"{key}: stored {a}, recomputed {b}")
        elif a[0] != b[0] or not all(abs(x - y) <= 1e-9 * max(1.0, abs(y))
                                     for x, y in zip(a[1:], b[1:], strict=True)):
            problems.append(f"{key}: stored {a}, recomputed {b}")
    return problems
