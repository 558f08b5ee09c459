"""Reading survey answers from CSV for ``kefu stats`` and ``kefu servqual``.

Files are streamed with the csv module and every value lands in a numpy array, so a
million rows read in a few seconds. Any encoding Python knows (UTF-8 with or without a BOM
by default; ``gbk``, ``gb18030``, ``big5`` …). A bad file raises :class:`CsvError` naming
the row — counted as a spreadsheet shows it, the header being row 1 — and the column.
"""

from __future__ import annotations

import codecs
import csv
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from .stats.servqual import (
    DIMENSIONS,
    ServqualData,
    first_duplicate,
    first_importance_conflict,
    normalise_dimension,
)

SCALE = (1.0, 7.0)
IMPORTANCE_SCALE = (0.0, 100.0)
SERVQUAL_REQUIRED = ("respondent", "item", "dimension", "expectation", "perception")
SERVQUAL_OPTIONAL = ("desired", "adequate", "importance")


class CsvError(Exception):
    """A file that cannot be read as asked; ``str()`` is the message for the user."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        self.row, self.column, self.message = row, column, message
        where = [f"row {row}"] if row is not None else []
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(", ".join(where) + ": " + message if where else message)


def check_encoding(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise CsvError(f"unknown encoding {encoding!r}")
    if name.startswith(("utf-16", "utf-32")):
        raise CsvError("UTF-16/32 files are not supported; save the file as UTF-8")
    return name


@contextmanager
def _rows(path: str, encoding: str) -> Iterator[tuple[list[str], csv.Reader]]:
    """The header (names stripped, a BOM removed) and a reader positioned after it."""
    check_encoding(encoding)
    try:
        fh = open(path, newline="", encoding=encoding)  # noqa: SIM115
    except OSError as exc:
        raise CsvError(f"cannot read {path}: {exc.strerror or exc}")
    reader = csv.reader(fh)
    try:
        with fh:
            header = next(reader, None)
            while header is not None and not any(c.strip() for c in header):
                header = next(reader, None)  # blank lines before the header
            if header is None:
                raise CsvError("the file is empty")
            header = [c.strip() for c in header]
            header[0] = header[0].lstrip("\ufeff").strip()
            yield header, reader
    except UnicodeDecodeError:
        line = _first_bad_line(path, encoding)
        if codecs.lookup(encoding).name.startswith("utf-8"):
            raise CsvError(f"line {line} is not valid UTF-8 (a file saved by Excel or "
                           "Windows in Chinese usually needs --encoding gbk)")
        raise CsvError(f"line {line} is not valid {encoding}")
    except csv.Error as exc:
        raise CsvError(f"line {reader.line_num} is not a readable CSV row: {exc}")


def _first_bad_line(path: str, encoding: str) -> int:
    """The first line that does not decode (a newline byte never sits inside a character in
    the encodings accepted here)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    number = 0
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, 1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError:
                return number
    return number


def _columns(header: list[str], wanted: Sequence[str], required: Sequence[str]
             ) -> dict[str, int]:
    """Positions of the wanted columns (names compared without case); missing required ones
    are an error."""
    folded = [h.casefold() for h in header]
    for name in set(folded):
        if name and folded.count(name) > 1:
            raise CsvError(f"the header names column {name!r} twice", row=1)
    found = {w: folded.index(w.casefold()) for w in wanted if w.casefold() in folded}
    absent = [w for w in required if w not in found]
    if absent:
        raise CsvError(f"missing required column{'s' if len(absent) > 1 else ''} "
                       f"{', '.join(absent)} (the header has: {', '.join(header)})", row=1)
    return found


def _fit(row: list[str], width: int, number: int) -> list[str]:
    if len(row) < width:
        raise CsvError(f"{len(row)} fields where the header has {width}", row=number)
    if len(row) > width:
        if any(c.strip() for c in row[width:]):
            raise CsvError(f"{len(row)} fields where the header has {width}", row=number)
        row = row[:width]
    return row


def to_numbers(cells: list[str], rows: Sequence[int], column: str | Sequence[str],
               scale: tuple[float, float], *, blank_ok: bool) -> np.ndarray:
    """The cells as floats, each within ``scale``; blanks NaN when ``blank_ok``.

    ``column`` names the column, or one name per position when the cells are a flattened
    rows × columns block; ``rows[i]`` is the row number of cell i (or of block row i).
    """
    width = 1 if isinstance(column, str) else len(column)

    def where(i: int) -> tuple[int, str]:
        return rows[i // width], (column if isinstance(column, str) else column[i % width])

    present = None
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        if blank_ok:
            cells = [c if c.strip() else None for c in cells]
            present = np.fromiter((c is not None for c in cells), bool, len(cells))
        for i, c in enumerate(cells):
            if c is None:
                continue
            try:
                float(c)
            except ValueError:
                row, col = where(i)
                raise CsvError("the value is missing" if not c.strip()
                               else f"{c!r} is not a number", row=row, column=col)
        values = np.array(cells, dtype=np.float64)
    lo, hi = scale
    bad = ~((values >= lo) & (values <= hi))  # also catches "nan" and "inf"
    if present is not None:
        bad &= present
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        row, col = where(i)
        raise CsvError(f"{cells[i].strip()!r} is outside the scale {lo:g}–{hi:g}",
                       row=row, column=col)
    return values


# ------------------------------------------------------------------------------ SERVQUAL

def read_servqual(path: str, *, encoding: str = "utf-8-sig",
                  scale: tuple[float, float] = SCALE) -> ServqualData:
    """A long file, one row per respondent × item: ``respondent, item, dimension,
    expectation, perception`` and optionally ``desired, adequate, importance`` (0–100 points
    for the row's dimension, the same on every row of that respondent and dimension, or blank
    after the first). Dimensions in English or Chinese."""
    with _rows(path, encoding) as (header, reader):
        cols = _columns(header, SERVQUAL_REQUIRED + SERVQUAL_OPTIONAL, SERVQUAL_REQUIRED)
        ir, ii, idim = cols["respondent"], cols["item"], cols["dimension"]
        values = {c: [] for c in cols if c not in ("respondent", "item", "dimension")}
        value_pos = [(values[c].append, cols[c]) for c in values]
        resp_codes: dict[str, int] = {}
        item_codes: dict[str, int] = {}
        item_dims: list[str] = []
        item_dim_cell: list[str] = []  # the dimension as first written, for a quick compare
        item_rows: list[int] = []
        resp, item, rows = array("q"), array("q"), array("q")
        width = len(header)
        number = 1
        for row in reader:
            number += 1
            if not row or not any(row):
                continue
            if len(row) != width:
                row = _fit(row, width, number)
            r = row[ir].strip()
            if not r:
                raise CsvError("the respondent is missing", row=number, column="respondent")
            rc = resp_codes.get(r)
            if rc is None:
                rc = resp_codes[r] = len(resp_codes)
            name = row[ii].strip()
            ic = item_codes.get(name)
            if ic is None:
                if not name:
                    raise CsvError("the item is missing", row=number, column="item")
                ic = item_codes[name] = len(item_codes)
                item_dims.append(_dimension(row[idim], number))
                item_dim_cell.append(row[idim])
                item_rows.append(number)
            elif row[idim] != item_dim_cell[ic] and _dimension(row[idim], number) != item_dims[ic]:
                raise CsvError(f"item {name!r} is in {item_dims[ic]} (row {item_rows[ic]}), "
                               f"not {normalise_dimension(row[idim])}", row=number,
                               column="dimension")
            resp.append(rc)
            item.append(ic)
            rows.append(number)
            for append, pos in value_pos:
                append(row[pos])
    if not rows:
        raise CsvError("the file has a header but no answers")
    numbers = {c: to_numbers(cells, rows, c,
                             IMPORTANCE_SCALE if c == "importance" else scale,
                             blank_ok=c in SERVQUAL_OPTIONAL)
               for c, cells in values.items()}
    data = ServqualData(respondent=np.frombuffer(resp, dtype=np.int64),
                        item=np.frombuffer(item, dtype=np.int64),
                        respondent_names=list(resp_codes), item_names=list(item_codes),
                        item_dimensions=item_dims, **numbers)
    _check_servqual_rows(data, rows)
    return data


def _dimension(cell: str, number: int) -> str:
    dim = normalise_dimension(cell)
    if dim is None:
        raise CsvError(f"{cell.strip()!r} is not a SERVQUAL dimension "
                       f"({', '.join(DIMENSIONS)} or 有形性, 可靠性, 响应性, 保证性, 移情性)",
                       row=number, column="dimension")
    return dim


def _check_servqual_rows(data: ServqualData, rows: Sequence[int]) -> None:
    dup = first_duplicate(data.respondent, data.item)
    if dup is not None:
        first, again = dup
        raise CsvError(f"respondent {data.respondent_names[data.respondent[again]]!r} already "
                       f"answered item {data.item_names[data.item[again]]!r} in row "
                       f"{rows[first]}", row=rows[again], column="item")
    if data.importance is not None:
        clash = first_importance_conflict(data.respondent, data.dimension_index()[data.item],
                                          data.importance)
        if clash is not None:
            first, again = clash
            raise CsvError(f"{data.importance[again]:g} points, but row {rows[first]} gave "
                           f"this respondent's {data.item_dimensions[data.item[again]]} "
                           f"{data.importance[first]:g}", row=rows[again], column="importance")


# ------------------------------------------------------------------------------ Cronbach

def read_wide(path: str, *, encoding: str = "utf-8-sig", id_column: str | None = None,
              scale: tuple[float, float] = SCALE) -> tuple[np.ndarray, list[str]]:
    """One row per respondent, one column per item (blank: not answered); ``id_column``
    names a respondent column to leave out (its values must be unique)."""
    with _rows(path, encoding) as (header, reader):
        skip = None
        if id_column is not None:
            skip = _columns(header, [id_column], [id_column])[id_column]
        items = [(i, h or f"column {i + 1}") for i, h in enumerate(header) if i != skip]
        names = [n for _, n in items]
        positions = [i for i, _ in items]
        width = len(header)
        cells: list[str] = []
        rows = array("q")
        ids: dict[str, int] = {}
        number = 1
        for row in reader:
            number += 1
            if not row or not any(row):
                continue
            if len(row) != width:
                row = _fit(row, width, number)
            if skip is not None:
                key = row[skip].strip()
                if key in ids:
                    raise CsvError(f"respondent {key!r} is also in row {ids[key]}",
                                   row=number, column=header[skip])
                ids[key] = number
            cells.extend(row[i] for i in positions)
            rows.append(number)
    if not rows:
        raise CsvError("the file has a header but no answers")
    try:
        values = to_numbers(cells, rows, names, scale, blank_ok=True)
    except CsvError as exc:
        if id_column is None and exc.column == names[0]:
            raise CsvError(f"{exc.message} (if this column is the respondent id, name it "
                           "with --id)", row=exc.row, column=exc.column)
        raise
    matrix = values.reshape(len(rows), len(names))
    # a trailing comma in a spreadsheet export makes an unnamed, empty column: not an item
    keep = [j for j, (pos, _) in enumerate(items)
            if header[pos] or not np.isnan(matrix[:, j]).all()]
    return matrix[:, keep], [names[j] for j in keep]


def read_long_scores(path: str, subject: str, item: str, score: str, *,
                     encoding: str = "utf-8-sig", scale: tuple[float, float] = SCALE
                     ) -> tuple[np.ndarray, list[str]]:
    """One row per respondent × item, pivoted to respondents × items (NaN: not answered)."""
    with _rows(path, encoding) as (header, reader):
        cols = _columns(header, [subject, item, score], [subject, item, score])
        isub, iitem, iscore = cols[subject], cols[item], cols[score]
        subjects: dict[str, int] = {}
        items: dict[str, int] = {}
        sub_codes, item_codes, rows = array("q"), array("q"), array("q")
        cells: list[str] = []
        width = len(header)
        number = 1
        for row in reader:
            number += 1
            if not row or not any(row):
                continue
            if len(row) != width:
                row = _fit(row, width, number)
            s, name = row[isub].strip(), row[iitem].strip()
            if not s:
                raise CsvError("the respondent is missing", row=number, column=subject)
            if not name:
                raise CsvError("the item is missing", row=number, column=item)
            sub_codes.append(subjects.setdefault(s, len(subjects)))
            item_codes.append(items.setdefault(name, len(items)))
            cells.append(row[iscore])
            rows.append(number)
    if not rows:
        raise CsvError("the file has a header but no answers")
    values = to_numbers(cells, rows, score, scale, blank_ok=True)
    sc, ic = np.frombuffer(sub_codes, dtype=np.int64), np.frombuffer(item_codes, dtype=np.int64)
    dup = first_duplicate(sc, ic)
    if dup is not None:
        raise CsvError(f"this respondent already scored this item in row {rows[dup[0]]}",
                       row=rows[dup[1]], column=item)
    matrix = np.full((len(subjects), len(items)), np.nan)
    matrix[sc, ic] = values
    return matrix, list(items)
