"""SERVQUAL answers as arrays, the five dimensions and their names, row checks."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from ..base import StatsError

DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
DIMENSION_NAMES_ZH = {"tangibles": "有形性", "reliability": "可靠性",
                      "responsiveness": "响应性", "assurance": "保证性", "empathy": "移情性"}
_ALIASES = {
    "tangibles": ("tangibles", "tangible", "tangibility", "有形性", "有形"),
    "reliability": ("reliability", "可靠性", "可靠"),
    "responsiveness": ("responsiveness", "响应性", "響應性", "反应性", "反應性"),
    "assurance": ("assurance", "保证性", "保證性", "保障性", "确实性"),
    "empathy": ("empathy", "移情性", "移情", "关怀性", "關懷性"),
}
_DIMENSION_OF = {alias: canonical for canonical, aliases in _ALIASES.items()
                 for alias in aliases}
N_DIMENSIONS = len(DIMENSIONS)
VALUE_COLUMNS = ("perception", "expectation", "desired", "adequate", "importance")
_EPS = 1e-9  # means equal within rounding are equal (a perception on the edge is within)


def normalise_dimension(name: str) -> str | None:
    """``"Tangibles"``, ``" 有形性 "`` → ``"tangibles"``; None for an unknown name."""
    return _DIMENSION_OF.get(name.strip().casefold())


def zone_position(adequate: float, desired: float, perception: float) -> str:
    """Where perception falls in the zone of tolerance: ``below``, ``within`` or ``above``.

    An inverted zone (desired below adequate) has no inside: perception is below adequate
    or above desired.
    """
    if perception < adequate - _EPS:
        return "below"
    if perception > desired + _EPS:
        return "above"
    return "within"


@dataclass
class ServqualData:
    """Answers as parallel arrays, one entry per respondent × item row.

    ``respondent`` and ``item`` are integer codes into ``respondent_names`` and
    ``item_names``; ``item_dimensions[i]`` is item i's dimension (a name in DIMENSIONS).
    Optional columns are None when the instrument did not ask them, NaN where a row left
    them blank.
    """

    respondent: np.ndarray
    item: np.ndarray
    respondent_names: list[str]
    item_names: list[str]
    item_dimensions: list[str]
    perception: np.ndarray
    expectation: np.ndarray | None = None
    desired: np.ndarray | None = None
    adequate: np.ndarray | None = None
    importance: np.ndarray | None = None

    @classmethod
    def from_records(cls, records: Iterable[Mapping]) -> ServqualData:
        """From dicts with ``respondent, item, dimension, perception`` and optionally
        ``expectation, desired, adequate, importance`` (None or absent: not asked)."""
        resp_codes: dict[str, int] = {}
        item_codes: dict[str, int] = {}
        item_dims: list[str] = []
        resp, item = [], []
        columns: dict[str, list[float]] = {c: [] for c in VALUE_COLUMNS}
        seen: set[str] = set()
        for number, rec in enumerate(records):
            dim = normalise_dimension(str(rec["dimension"]))
            if dim is None:
                raise StatsError("unknown_dimension",
                                 f"record {number}: unknown dimension {rec['dimension']!r}")
            name = str(rec["item"])
            code = item_codes.setdefault(name, len(item_codes))
            if code == len(item_dims):
                item_dims.append(dim)
            elif item_dims[code] != dim:
                raise StatsError("item_dimension",
                                 f"record {number}: item {name!r} is in {item_dims[code]}, "
                                 f"not {dim}")
            resp.append(resp_codes.setdefault(str(rec["respondent"]), len(resp_codes)))
            item.append(code)
            for col in VALUE_COLUMNS:
                value = rec.get(col)
                if value is not None:
                    seen.add(col)
                columns[col].append(math.nan if value is None else float(value))
        if "perception" not in seen:
            raise StatsError("no_data", "no perception scores")
        arrays = {c: (np.asarray(v, dtype=np.float64) if c in seen else None)
                  for c, v in columns.items()}
        return cls(respondent=np.asarray(resp, dtype=np.int64),
                   item=np.asarray(item, dtype=np.int64),
                   respondent_names=list(resp_codes), item_names=list(item_codes),
                   item_dimensions=item_dims, **arrays)

    def dimension_index(self) -> np.ndarray:
        """Per item, its dimension's position in DIMENSIONS."""
        return np.asarray([DIMENSIONS.index(d) for d in self.item_dimensions], dtype=np.int64)



def first_duplicate(respondent, item) -> tuple[int, int] | None:
    """The first row (in row order) repeating an earlier row's respondent and item, as
    ``(earlier, later)`` positions; None when every pair is unique."""
    r = np.asarray(respondent, dtype=np.int64)
    i = np.asarray(item, dtype=np.int64)
    if r.size < 2:
        return None
    key = r * (int(i.max()) + 1) + i
    order = np.argsort(key, kind="stable")
    same = np.flatnonzero(key[order][1:] == key[order][:-1])
    if not same.size:
        return None
    later = order[same + 1]
    j = int(np.argmin(later))
    return int(order[same[j]]), int(later[j])


def first_importance_conflict(respondent, dimension, importance) -> tuple[int, int] | None:
    """The first row whose importance differs from an earlier row of the same respondent
    and dimension, as ``(earlier, later)``; blank (NaN) importances are ignored."""
    imp = np.asarray(importance, dtype=np.float64)
    rows = np.flatnonzero(~np.isnan(imp))
    if rows.size < 2:
        return None
    key = np.asarray(respondent, dtype=np.int64)[rows] * N_DIMENSIONS + np.asarray(dimension)[rows]
    order = np.argsort(key, kind="stable")
    sk, sv = key[order], imp[rows][order]
    clash = np.flatnonzero((sk[1:] == sk[:-1]) & (sv[1:] != sv[:-1]))
    if not clash.size:
        return None
    later = rows[order[clash + 1]]
    j = int(np.argmin(later))
    return int(rows[order[clash[j]]]), int(later[j])
