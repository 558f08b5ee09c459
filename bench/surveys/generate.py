"""Generating the survey benchmark's data: SERVQUAL answers (and some CSAT, NPS and CES) for
the demo company, written in bulk — ``COPY`` on PostgreSQL, ``executemany`` in one
transaction on SQLite — with the matching ``Rollup`` rows computed in bulk from the same
arrays (numpy ``bincount`` per slice) and written with ``kefu.surveys.rollups.upsert``.

Deterministic: chunk ``k`` of every kind is drawn from ``numpy.random.default_rng((seed,
kind, k))`` and chunks have a fixed size, so a seed and a count always give the same rows.
The answering model is the demo's (``kefu.demo.survey_answers``): responsiveness the weakest
dimension, Beijing slower, VIP customers expecting more, a slow improvement over the months.

Respondents are "imported" responses (no invitation): ``source = import``, each with a
month of the last 24, a branch and team (a branch desk in its own branch, the central teams
in any), a tier and a customer of the demo; CSAT, NPS and CES also with the agent (a member
of the team) and the contact channel.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np

from kefu.demo import survey_answers as model

CHUNK = 20_000  # respondents per chunk (fixed: part of what makes the data deterministic)
SOURCE = "import"
MONTHS = 24
CHANNELS = ["phone", "email", "chat", "portal", "counter"]
PER_ANSWER = 44 + 0.85 * 5  # E and P of 22 items, and weights from 85% of respondents


def servqual_respondents(answers: int) -> int:
    """How many SERVQUAL respondents give about ``answers`` answers."""
    return max(1, round(answers / PER_ANSWER))


@dataclass
class Layout:
    """What the generated rows refer to, read from the database."""

    servqual: int  # instrument id
    servqual_version: int
    items: list[tuple[int, str]]  # (question id, dimension) in question order
    weights_question: int
    combos: list[tuple[int, int]]  # (branch id, team id)
    combo_branch_codes: list[str]
    tiers: list[tuple[int, str]]  # (id, code), best first
    customers: np.ndarray
    months: list[date]
    agents: dict[int, list[int]]  # team id → member ids
    scales: dict[str, tuple[int, int, int, int, str]] = field(default_factory=dict)
    # code → (instrument id, version id, question id, scale min, dimension)

    def month_bounds(self) -> np.ndarray:
        """Unix seconds of each month's start, and of the next one after the last."""
        from kefu.surveys.rollups import business_tz

        tz = business_tz()
        bounds = [*self.months, _add_month(self.months[-1], 1)]
        return np.array([datetime(d.year, d.month, d.day, tzinfo=tz).timestamp() for d in bounds])


def _add_month(day: date, n: int) -> date:
    months = day.year * 12 + day.month - 1 + n
    return date(months // 12, months % 12 + 1, 1)


def read_layout(now: datetime | None = None) -> Layout:
    from django.utils import timezone

    from kefu.accounts.models import Branch, Team, User
    from kefu.customers.models import Customer, Tier
    from kefu.surveys import rollups
    from kefu.surveys.models import Instrument, Question

    now = now or timezone.now()
    versions = {}
    for code in ("servqual", "csat", "nps", "ces"):
        instrument = Instrument.objects.get(code=code)
        versions[code] = (instrument.pk, instrument.versions.get(status="published").pk)
    questions = list(Question.objects.filter(version_id=versions["servqual"][1]).order_by("pk"))
    items = [(q.pk, q.dimension) for q in questions if q.kind == "servqual"]
    weights = next(q.pk for q in questions if q.kind == "weights")
    branches = list(Branch.objects.order_by("pk").values_list("pk", "code"))
    combos, codes = [], []
    for team_id, branch_id in Team.objects.order_by("pk").values_list("pk", "branch_id"):
        for b_id, b_code in branches:
            if branch_id in (None, b_id):
                combos.append((b_id, team_id))
                codes.append(b_code)
    agents: dict[int, list[int]] = {}
    for team_id, user_id in User.teams.through.objects.order_by("user_id").values_list(
            "team_id", "user_id"):
        agents.setdefault(team_id, []).append(user_id)
    current = rollups.period_of(now)
    scales = {}
    for code in ("csat", "nps", "ces"):
        q = Question.objects.filter(version_id=versions[code][1],
                                    kind__in=("rating", "likert")).order_by("order").first()
        scales[code] = (*versions[code], q.pk, q.scale_min, q.dimension or "")
    return Layout(
        servqual=versions["servqual"][0], servqual_version=versions["servqual"][1], items=items,
        weights_question=weights, combos=combos, combo_branch_codes=codes,
        tiers=list(Tier.objects.order_by("rank").values_list("pk", "code")),
        customers=np.array(Customer.objects.order_by("pk").values_list("pk", flat=True)),
        months=[_add_month(current, -k) for k in range(MONTHS, 0, -1)], agents=agents,
        scales=scales)


# --- rollups in bulk --------------------------------------------------------------------------

class RollupSums:
    """Running (count, total, total of squares) per rollup key, added per chunk with
    ``bincount`` over the chunk's slices: the same figures ``rollup_rules.rollup_deltas``
    adds one response at a time."""

    def __init__(self):
        self.rows: dict[tuple, list] = {}

    def add(self, instrument: int, slices: np.ndarray, periods: list[date],
            tails: list[tuple], values: np.ndarray, counted: np.ndarray) -> None:
        """``slices``: n × 6 (month index, branch, team, tier, agent, channel index);
        ``tails``: M × (question, dimension, column, option); ``values``/``counted``: n × M."""
        keys, group = np.unique(slices, axis=0, return_inverse=True)
        group = group.ravel()
        g = len(keys)
        weight = counted.astype(np.float64)
        for m, tail in enumerate(tails):
            w = weight[:, m]
            count = np.bincount(group, weights=w, minlength=g)
            if not count.any():
                continue
            x = values[:, m] * w
            total = np.bincount(group, weights=x, minlength=g)
            squares = np.bincount(group, weights=x * values[:, m], minlength=g)
            for k in np.flatnonzero(count):
                month, branch, team, tier, agent, channel = (int(v) for v in keys[k])
                key = (instrument, periods[month], *tail, branch, team, tier, agent,
                       CHANNELS[channel - 1] if channel else "")
                acc = self.rows.setdefault(key, [0, 0.0, 0.0])
                acc[0] += int(round(count[k]))
                acc[1] += float(total[k])
                acc[2] += float(squares[k])

    def result(self) -> dict[tuple, tuple]:
        return {key: tuple(v) for key, v in self.rows.items()}


# --- SERVQUAL --------------------------------------------------------------------------------

@dataclass
class Chunk:
    """One chunk of generated respondents and everything written for them."""

    ids: np.ndarray
    month: np.ndarray
    combo: np.ndarray
    tier: np.ndarray
    customer: np.ndarray
    submitted: np.ndarray  # unix seconds
    answers: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # response, question, column, value
    slices: np.ndarray
    values: np.ndarray
    counted: np.ndarray
    tails: list[tuple] = field(default_factory=list)  # the rollup tail of each value column
    agent: np.ndarray | None = None
    channel: np.ndarray | None = None
    instrument: int = 0


def _points(rng, n: int, shares: dict[str, float], concentration: float = 30) -> np.ndarray:
    """n × 5 whole points adding up to 100 around ``shares`` (Dirichlet, largest remainders)."""
    alpha = np.array([max(shares[d], 0.5) * concentration / 100 for d in model.DIMENSIONS])
    raw = rng.dirichlet(alpha, size=n) * 100
    out = np.floor(raw).astype(np.int64)
    short = 100 - out.sum(axis=1)
    order = np.argsort(-(raw - out), axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(5)[None, :].repeat(n, axis=0), axis=1)
    return out + (ranks < short[:, None])


def _common(rng, layout: Layout, n: int, first_id: int, bounds: np.ndarray):
    months = len(layout.months)
    growth = np.linspace(0.8, 1.2, months)
    month = rng.choice(months, size=n, p=growth / growth.sum())
    combo = rng.integers(0, len(layout.combos), size=n)
    tier = rng.choice(len(layout.tiers), size=n, p=_tier_shares(len(layout.tiers)))
    customer = layout.customers[rng.integers(0, len(layout.customers), size=n)]
    span = bounds[month + 1] - bounds[month]
    submitted = np.floor(bounds[month] + rng.random(n) * span).astype(np.int64)
    ids = np.arange(first_id, first_id + n, dtype=np.int64)
    return ids, month, combo, tier, customer, submitted


def _tier_shares(k: int) -> np.ndarray:
    shares = np.array([0.08, 0.2, 0.72][:k] if k <= 3 else [1.0] * k, dtype=float)
    return shares / shares.sum()


def servqual_chunk(layout: Layout, seed: int, index: int, n: int, first_id: int,
                   bounds: np.ndarray) -> Chunk:
    rng = np.random.default_rng((seed, 1, index))
    ids, month, combo, tier, customer, submitted = _common(rng, layout, n, first_id, bounds)
    dims = list(model.DIMENSIONS)
    item_dim = np.array([dims.index(d) for _q, d in layout.items])
    item_shift = np.array([model.ITEM_SHIFT.get(code, 0.0) for code, _d in model.ITEMS]
                          if len(layout.items) == len(model.ITEMS) else [0.0] * len(layout.items))
    mu_e = np.array([model.EXPECTATION[d] for d in dims])
    # perception moves from the first wave's to a little past the second's over the months
    p1 = np.array([model.PERCEPTION[1][d] for d in dims])
    p2 = np.array([model.PERCEPTION[2][d] for d in dims])
    progress = (month / max(1, len(layout.months) - 1))[:, None]
    mu_p = p1[None, :] + (p2 - p1)[None, :] * progress * 1.2
    tier_codes = [code for _pk, code in layout.tiers]
    lift = np.array([model.TIER_EXPECTATION.get(code, 0.0) for code in tier_codes])[tier]
    branch_shift = np.array([[model.BRANCH_SHIFT.get(code, {}).get(d, 0.0) for d in dims]
                             for code in layout.combo_branch_codes])[combo]
    k = len(layout.items)
    person_e = rng.normal(0, 0.3, n)[:, None] + rng.normal(0, 0.3, (n, 5))
    person_p = rng.normal(0, 0.45, n)[:, None] + rng.normal(0, 0.45, (n, 5))
    e_mean = mu_e[item_dim][None, :] + lift[:, None] + person_e[:, item_dim]
    p_mean = (mu_p + branch_shift + person_p)[:, item_dim] + item_shift[None, :]
    e = np.clip(np.rint(e_mean + rng.normal(0, 0.55, (n, k))), 1, 7).astype(np.int64)
    p = np.clip(np.rint(p_mean + rng.normal(0, 0.6, (n, k))), 1, 7).astype(np.int64)
    has_w = rng.random(n) < 0.85
    w = _points(rng, n, model.IMPORTANCE)

    # answers: per respondent 22 × (E, P) then the five weights, in (question, column) order
    qids = np.array([q for q, _d in layout.items])
    item_q = np.repeat(qids, 2)[None, :].repeat(n, axis=0)
    item_c = np.tile([1, 2], k)[None, :].repeat(n, axis=0)
    item_v = np.stack([e, p], axis=2).reshape(n, 2 * k)
    w_q = np.full((n, 5), layout.weights_question)
    w_c = np.arange(11, 16)[None, :].repeat(n, axis=0)
    q_all = np.concatenate([item_q, w_q], axis=1)
    c_all = np.concatenate([item_c, w_c], axis=1)
    v_all = np.concatenate([item_v, w], axis=1)
    keep = np.concatenate([np.ones((n, 2 * k), bool), has_w[:, None].repeat(5, axis=1)], axis=1)
    r_all = ids[:, None].repeat(q_all.shape[1], axis=1)
    answers = (r_all[keep], q_all[keep], c_all[keep], v_all[keep])

    # what each respondent adds to the rollups (rollup_rules.rollup_deltas, vectorised)
    gap = p - e
    tails, columns, masks = [], [], []
    for j, (q, d) in enumerate(layout.items):
        for col, x in ((1, e[:, j]), (2, p[:, j]), (5, gap[:, j])):
            tails.append((q, d, col, 0))
            columns.append(x.astype(np.float64))
            masks.append(np.ones(n, bool))
    dim_means = {}
    for di, d in enumerate(dims):
        sel = item_dim == di
        if not sel.any():
            continue
        for col, x in ((1, e), (2, p), (5, gap)):
            mean = x[:, sel].sum(axis=1) / sel.sum()
            dim_means[(di, col)] = mean
            tails.append((0, d, col, 0))
            columns.append(mean)
            masks.append(np.ones(n, bool))
    present = [di for di in range(5) if (di, 1) in dim_means]
    for col in (1, 2, 5):
        tails.append((0, "overall", col, 0))
        columns.append(sum(dim_means[(di, col)] for di in present) / len(present))
        masks.append(np.ones(n, bool))
    w_used = w[:, present].astype(np.float64)
    w_total = w_used.sum(axis=1)
    for col, target in ((5, 8), (2, 9)):
        scores = np.stack([dim_means[(di, col)] for di in present], axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            weighted = (w_used * scores).sum(axis=1) / w_total
        tails.append((0, "overall", target, 0))
        columns.append(np.nan_to_num(weighted))
        masks.append(has_w & (w_total > 0))
    for di, d in enumerate(dims):
        tails.append((layout.weights_question, d, 11 + di, 0))
        columns.append(w[:, di].astype(np.float64))
        masks.append(has_w)
    tails.append((0, "", 90, 0))
    columns.append(np.zeros(n))
    masks.append(np.ones(n, bool))
    branch = np.array([b for b, _t in layout.combos])[combo]
    team = np.array([t for _b, t in layout.combos])[combo]
    tier_ids = np.array([pk for pk, _c in layout.tiers])[tier]
    slices = np.stack([month, branch, team, tier_ids, np.zeros(n, np.int64),
                       np.zeros(n, np.int64)], axis=1)
    return Chunk(ids=ids, month=month, combo=combo, tier=tier, customer=customer,
                 submitted=submitted, answers=answers, slices=slices,
                 values=np.stack(columns, axis=1), counted=np.stack(masks, axis=1), tails=tails,
                 instrument=layout.servqual)


def scale_chunk(layout: Layout, code: str, seed: int, index: int, n: int, first_id: int,
                bounds: np.ndarray) -> Chunk:
    """CSAT (1–5), NPS (0–10) or CES (1–7) responses: one scale answer each, with the agent
    and the contact channel (these kinds are rolled up per agent)."""
    kind = {"csat": 2, "nps": 3, "ces": 4}[code]
    rng = np.random.default_rng((seed, kind, index))
    ids, month, combo, tier, customer, submitted = _common(rng, layout, n, first_id, bounds)
    instrument, _version, question, lo, dimension = layout.scales[code]
    team = np.array([t for _b, t in layout.combos])[combo]
    branch = np.array([b for b, _t in layout.combos])[combo]
    team_codes = _team_codes()
    quality = np.array([model.CSAT_TEAM.get(team_codes.get(int(t), ""), 4.5) for t in team]) - 4.5
    bad = rng.random(n) < 0.06
    if code == "csat":
        value = np.where(bad, rng.normal(1.8, 0.8, n), rng.normal(4.5 + quality, 0.75, n))
        hi = 5
    elif code == "nps":
        value = np.where(bad, rng.normal(3, 2, n), rng.normal(7.9 + 1.6 * quality, 1.8, n))
        hi = 10
    else:
        value = np.where(bad, rng.normal(2.5, 1, n), rng.normal(5.4 + 0.8 * quality, 1.1, n))
        hi = 7
    value = np.clip(np.rint(value), lo, hi).astype(np.int64)
    agent = np.array([_pick(rng, layout.agents.get(int(t), [0])) for t in team], dtype=np.int64)
    channel = rng.integers(1, len(CHANNELS) + 1, size=n)
    answers = (ids, np.full(n, question), np.zeros(n, np.int64), value)
    tails = [(0, "", 90, 0), (question, dimension, 0, 0)]
    columns = [np.zeros(n), value.astype(np.float64)]
    masks = [np.ones(n, bool), np.ones(n, bool)]
    for option in range(1, hi - lo + 2):
        tails.append((question, dimension, 0, option))
        columns.append(value.astype(np.float64))
        masks.append(value == lo + option - 1)
    tier_ids = np.array([pk for pk, _c in layout.tiers])[tier]
    slices = np.stack([month, branch, team, tier_ids, agent, channel], axis=1)
    return Chunk(ids=ids, month=month, combo=combo, tier=tier, customer=customer,
                 submitted=submitted, answers=answers, slices=slices,
                 values=np.stack(columns, axis=1), counted=np.stack(masks, axis=1), tails=tails,
                 agent=agent, channel=channel, instrument=instrument)


def _pick(rng, options: list[int]) -> int:
    return options[int(rng.integers(0, len(options)))]


def _team_codes() -> dict[int, str]:
    from kefu.accounts.models import Team

    return dict(Team.objects.values_list("pk", "code"))


# --- writing ----------------------------------------------------------------------------------

RESPONSE_COLUMNS = ["id", "instrument_id", "version_id", "customer_id", "anonymous", "source",
                    "language", "submitted_at", "period", "external_ref", "branch_id", "team_id",
                    "agent_id", "tier_id", "contact_channel"]
ANSWER_COLUMNS = ["response_id", "question_id", "column", "value"]


def reserve_ids(model, n: int) -> int:
    """The first of ``n`` fresh primary keys of ``model`` (inside the load's transaction)."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            start = cursor.fetchone()[0]
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                           [table, start + n - 1])
            return start
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        top = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        return max(top, row[0] if row else 0) + 1


def response_rows(chunk: Chunk, layout: Layout, instrument: int, version: int) -> Iterator[tuple]:
    from django.db import connection

    branch = np.array([b for b, _t in layout.combos])[chunk.combo].tolist()
    team = np.array([t for _b, t in layout.combos])[chunk.combo].tolist()
    tier = np.array([pk for pk, _c in layout.tiers])[chunk.tier].tolist()
    agent = chunk.agent.tolist() if chunk.agent is not None else [None] * len(chunk.ids)
    channel = ([CHANNELS[c - 1] for c in chunk.channel.tolist()] if chunk.channel is not None
               else [""] * len(chunk.ids))
    periods = [layout.months[m] for m in chunk.month.tolist()]
    adapt = connection.ops.adapt_datetimefield_value
    for i, rid in enumerate(chunk.ids.tolist()):
        at = datetime.fromtimestamp(int(chunk.submitted[i]), UTC)
        yield (rid, instrument, version, int(chunk.customer[i]), False, SOURCE, "zh-hans",
               adapt(at), connection.ops.adapt_datefield_value(periods[i]), "", branch[i],
               team[i], agent[i], tier[i], channel[i])


def _copy_text(rows) -> bytes:
    out = io.StringIO()
    for row in rows:
        out.write("\t".join("\\N" if v is None else ("t" if v is True else "f" if v is False
                                                      else str(v)) for v in row))
        out.write("\n")
    return out.getvalue().encode()


def write_rows(table: str, columns: list[str], rows) -> None:
    """COPY on PostgreSQL, executemany on SQLite (inside the caller's transaction)."""
    from django.db import connection

    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {table} ({quoted}) FROM STDIN") as copy:
            copy.write(_copy_text(rows))
    else:
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES "
                               f"({', '.join(['%s'] * len(columns))})", rows)


def write_answers(answers: tuple[np.ndarray, ...]) -> int:
    """The chunk's answers: four integer columns (choices and text stay NULL)."""
    from django.db import connection

    from kefu.surveys.models import Answer

    table = Answer._meta.db_table
    r, q, c, v = (a.tolist() for a in answers)
    if connection.vendor == "postgresql":
        data = "".join(map("%d\t%d\t%d\t%d\n".__mod__, zip(r, q, c, v, strict=True)))
        with connection.cursor() as cursor, cursor.cursor.copy(
                f'COPY {table} (response_id, question_id, "column", value) FROM STDIN') as copy:
            copy.write(data.encode())
    else:
        raw = connection.connection  # the sqlite3 connection, inside the open transaction
        raw.executemany(f'INSERT INTO {table} (response_id, question_id, "column", value) '
                        "VALUES (?, ?, ?, ?)", zip(r, q, c, v, strict=True))
    return len(r)
