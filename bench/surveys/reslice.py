"""Ad-hoc re-slices over the raw SERVQUAL answers — any combination the rollups were not
kept for — two ways:

- **SQL**: a plain ``GROUP BY`` joining answers, responses and questions in the database;
- **DuckDB over Parquet**: the answers exported once from the database with their slice
  (period, branch, team, tier) and dimension into a Parquet file (pyarrow), then read by
  DuckDB, a columnar engine, for each question asked.

Both answer "the gap per dimension" (mean perception − mean expectation over the answers;
with complete answers, the mean of the item gaps) by the chosen combination. ``duckdb`` and
``pyarrow`` are the optional ``bench`` dependencies (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Reslice:
    name: str
    label: str
    group: tuple[str, ...]  # columns of the export (r.… in SQL)
    branch: bool  # restricted to one branch


RESLICES = [
    Reslice("tier_month_one_branch", "gap per dimension by tier × month, one branch",
            ("tier_id", "period"), True),
    Reslice("team_tier_all", "gap per dimension by team × tier, all branches and months",
            ("team_id", "tier_id"), False),
]


def _tables():
    from kefu.surveys.models import Answer, Question, Response

    return Answer._meta.db_table, Response._meta.db_table, Question._meta.db_table


def sql_query(reslice: Reslice) -> str:
    answers, responses, questions = _tables()
    group = ", ".join(f"r.{c}" for c in reslice.group)
    where = "r.instrument_id = %s" + (" AND r.branch_id = %s" if reslice.branch else "")
    return (f'SELECT {group}, q.dimension, '
            f'AVG(CASE WHEN a."column" = 2 THEN a.value END) '
            f'- AVG(CASE WHEN a."column" = 1 THEN a.value END) AS gap, '
            f'SUM(CASE WHEN a."column" = 2 THEN 1 ELSE 0 END) AS n '
            f'FROM {answers} a JOIN {responses} r ON r.id = a.response_id '
            f'JOIN {questions} q ON q.id = a.question_id '
            f'WHERE {where} AND a."column" IN (1, 2) '
            f'GROUP BY {group}, q.dimension')


def run_sql(reslice: Reslice, instrument: int, branch: int) -> list[tuple]:
    from django.db import connection

    params = [instrument, branch] if reslice.branch else [instrument]
    with connection.cursor() as cursor:
        cursor.execute(sql_query(reslice), params)
        return [(*row[:-2], float(row[-2]), int(row[-1])) for row in cursor.fetchall()]


# --- export ------------------------------------------------------------------------------------

EXPORT_COLUMNS = ["response_id", "period", "branch_id", "team_id", "tier_id", "question_id",
                  "dimension", "column", "value"]


def _schema():
    import pyarrow as pa

    return pa.schema([("response_id", pa.int64()), ("period", pa.date32()),
                      ("branch_id", pa.int32()), ("team_id", pa.int32()),
                      ("tier_id", pa.int32()), ("question_id", pa.int32()),
                      ("dimension", pa.dictionary(pa.int8(), pa.string())),
                      ("column", pa.int8()), ("value", pa.int16())])


def export_query() -> str:
    answers, responses, questions = _tables()
    return (f'SELECT a.response_id, r.period, r.branch_id, r.team_id, r.tier_id, '
            f'a.question_id, q.dimension, a."column", a.value '
            f'FROM {answers} a JOIN {responses} r ON r.id = a.response_id '
            f'JOIN {questions} q ON q.id = a.question_id WHERE r.instrument_id = %s')


def export_parquet(path: Path, instrument: int) -> dict:
    """Write the instrument's answers with their slice to ``path`` (Parquet, zstd, row groups
    of a million rows). PostgreSQL streams ``COPY (…) TO STDOUT`` as CSV through pyarrow's
    CSV reader; SQLite is read in batches of rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.db import connection

    schema = _schema()
    started = time.monotonic()
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        if connection.vendor == "postgresql":
            import pyarrow.csv as pacsv

            with tempfile.TemporaryDirectory(prefix="kefu-bench-") as tmp:
                csv_path = Path(tmp) / "answers.csv"
                sql = export_query().replace("%s", str(int(instrument)))
                with connection.cursor() as cursor, open(csv_path, "wb") as out, \
                        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
                    for data in copy:
                        out.write(data)
                plain = pa.schema([(f.name, pa.string() if f.name == "dimension" else f.type)
                                   for f in schema])
                reader = pacsv.open_csv(
                    csv_path, read_options=pacsv.ReadOptions(column_names=EXPORT_COLUMNS,
                                                            block_size=64 << 20),
                    convert_options=pacsv.ConvertOptions(
                        column_types=plain, strings_can_be_null=False,
                        quoted_strings_can_be_null=False))
                for batch in reader:
                    table = pa.Table.from_batches([batch]).cast(schema)
                    writer.write_table(table, row_group_size=1_000_000)
                    rows += batch.num_rows
        else:
            raw = connection.connection.cursor()
            raw.execute(export_query().replace("%s", "?"), [instrument])
            while batch := raw.fetchmany(250_000):
                columns = list(zip(*batch, strict=True))
                arrays = [pa.array(columns[0], pa.int64()),
                          _dates(pa, columns[1]),
                          *(pa.array(c, pa.int32()) for c in columns[2:6]),
                          pa.array(columns[6], pa.string()).dictionary_encode()
                          .cast(pa.dictionary(pa.int8(), pa.string())),
                          pa.array(columns[7], pa.int8()), pa.array(columns[8], pa.int16())]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema),
                                   row_group_size=1_000_000)
                rows += len(batch)
            raw.close()
    return {"rows": rows, "seconds": round(time.monotonic() - started, 1),
            "bytes": os.path.getsize(path)}


def _dates(pa, values):
    """Django's SQLite connection converts ``date`` columns already; a plain one gives text."""
    if values and isinstance(values[0], str):
        return pa.array(values, pa.string()).cast(pa.date32())
    return pa.array(values, pa.date32())


def duckdb_query(reslice: Reslice) -> str:
    group = ", ".join(reslice.group)
    where = "branch_id = $branch AND " if reslice.branch else ""
    return (f'SELECT {group}, dimension, '
            f'avg(value) FILTER (WHERE "column" = 2) - avg(value) FILTER (WHERE "column" = 1) '
            f'AS gap, count(*) FILTER (WHERE "column" = 2) AS n '
            f'FROM read_parquet($path) WHERE {where}"column" IN (1, 2) '
            f'GROUP BY {group}, dimension')


def run_duckdb(reslice: Reslice, path: Path, branch: int, *, threads: int = 2) -> list[tuple]:
    """A fresh DuckDB connection each time (nothing cached but the operating system's pages),
    ``threads`` threads and a 1 GB memory limit."""
    import duckdb

    con = duckdb.connect(config={"threads": threads, "memory_limit": "1GB"})
    try:
        params = {"path": str(path)}
        if reslice.branch:
            params["branch"] = branch
        rows = con.execute(duckdb_query(reslice), params).fetchall()
    finally:
        con.close()
    return [(*row[:-2], float(row[-2]), int(row[-1])) for row in rows]


def same(a: list[tuple], b: list[tuple]) -> bool:
    """The two engines' answers agree (group keys, counts; gaps to 1e-9)."""
    def norm(rows):
        return {tuple(str(v) for v in row[:-2]): (row[-2], row[-1]) for row in rows}

    x, y = norm(a), norm(b)
    return set(x) == set(y) and all(x[k][1] == y[k][1] and abs(x[k][0] - y[k][0]) < 1e-9
                                    for k in x)
