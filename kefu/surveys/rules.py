"""Pure survey rules (no ORM): kinds, columns and dimensions; checking a respondent's
answers against a version's questions. What a response adds to the rollups is
``rollup_rules``; sampling, periods and reminders ``distribution_rules``.

The services turn database rows into ``QuestionSpec`` tuples and ask here. Everything a
respondent can get wrong is an ``AnswerProblem`` with a stable ``code`` naming the question
(and column); the service turns the problems into one ``ApplicationError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


class InstrumentKind(StrEnum):
    CSAT = "csat"
    NPS = "nps"
    CES = "ces"
    CUSTOM = "custom"
    SERVQUAL = "servqual"  # expectation and perception
    SERVQUAL3 = "servqual3"  # three columns: desired, adequate, perceived (zone of tolerance)
    SERVPERF = "servperf"  # perception only
    MANAGEMENT = "management"  # staff: what managers believe customers expect (gap 1)


#: Kinds whose responses are also rolled up per agent (the ticket's owner).
PER_AGENT_KINDS = frozenset({InstrumentKind.CSAT, InstrumentKind.NPS, InstrumentKind.CES})
#: Kinds answered by staff, not customers.
STAFF_KINDS = frozenset({InstrumentKind.MANAGEMENT})


class QuestionKind(StrEnum):
    RATING = "rating"  # a number on a scale (CSAT 1–5, NPS 0–10)
    SINGLE = "single"  # one option
    MULTIPLE = "multiple"  # any number of options
    LIKERT = "likert"  # agreement on a labelled scale (CES 1–7)
    TEXT = "text"  # open question
    SERVQUAL = "servqual"  # one item, asked in one or more columns
    WEIGHTS = "weights"  # 100 points across the five dimensions


SCALE_KINDS = frozenset({QuestionKind.RATING, QuestionKind.LIKERT, QuestionKind.SERVQUAL})
CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})


class Dimension(StrEnum):
    TANGIBLES = "tangibles"  # 有形性
    RELIABILITY = "reliability"  # 可靠性
    RESPONSIVENESS = "responsiveness"  # 响应性
    ASSURANCE = "assurance"  # 保证性
    EMPATHY = "empathy"  # 移情性


DIMENSIONS: tuple[Dimension, ...] = tuple(Dimension)
#: The rollup's "dimension" for a respondent's overall scores (mean of the dimension means).
OVERALL = "overall"


class Column(IntEnum):
    """Which answer to a question a value is. Stored as a small integer on every answer."""

    VALUE = 0  # single-column questions (ratings, choices, text)
    EXPECTATION = 1
    PERCEPTION = 2
    DESIRED = 3
    ADEQUATE = 4
    # --- rollup only: derived per respondent -------------------------------------------------
    GAP = 5  # perception − expectation
    MSA = 6  # measure of service adequacy: perception − adequate
    MSS = 7  # measure of service superiority: perception − desired
    WEIGHTED_GAP = 8  # Σ w·gap / Σ w over the dimensions with a gap (overall rows only)
    WEIGHTED_PERCEPTION = 9  # the same for perception: weighted SERVPERF (overall rows only)
    # --- importance weights: 10 + the dimension's number (1–5) ----------------------------
    WEIGHT_TANGIBLES = 11
    WEIGHT_RELIABILITY = 12
    WEIGHT_RESPONSIVENESS = 13
    WEIGHT_ASSURANCE = 14
    WEIGHT_EMPATHY = 15
    # --- rollup only: one row per response ----------------------------------------------------
    RESPONSES = 90


#: The columns a SERVQUAL item may ask, by the name used in forms, the API and files.
ITEM_COLUMNS: dict[str, Column] = {
    "expectation": Column.EXPECTATION,
    "perception": Column.PERCEPTION,
    "desired": Column.DESIRED,
    "adequate": Column.ADEQUATE,
}
COLUMN_NAMES: dict[int, str] = {
    Column.VALUE: "value", **{int(c): name for name, c in ITEM_COLUMNS.items()},
    Column.GAP: "gap", Column.MSA: "msa", Column.MSS: "mss", Column.WEIGHTED_GAP: "weighted_gap",
    Column.WEIGHTED_PERCEPTION: "weighted_perception",
    Column.RESPONSES: "responses",
}


def weight_column(dimension: str) -> Column:
    return Column(11 + DIMENSIONS.index(Dimension(dimension)))


for _dim in DIMENSIONS:
    COLUMN_NAMES[weight_column(_dim)] = f"weight_{_dim.value}"
COLUMN_BY_NAME: dict[str, int] = {name: number for number, name in COLUMN_NAMES.items()}

#: The columns each kind of instrument asks its SERVQUAL items in.
FORM_COLUMNS: dict[str, tuple[str, ...]] = {
    InstrumentKind.SERVQUAL: ("expectation", "perception"),
    InstrumentKind.SERVQUAL3: ("desired", "adequate", "perception"),
    InstrumentKind.SERVPERF: ("perception",),
    InstrumentKind.MANAGEMENT: ("expectation",),
}

WEIGHT_TOTAL = 100
MAX_TEXT = 2000
#: Scales: values are stored as small integers.
SCALE_LIMIT = 100


class VersionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class WaveStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Channel(StrEnum):
    EMAIL = "email"  # a link by e-mail (also listed in the portal)
    PORTAL = "portal"  # only in the customer portal
    CONSOLE = "console"  # staff: answered in the console (an e-mail tells them)


class Source(StrEnum):
    """How a response arrived."""

    LINK = "link"  # the public page of an e-mailed link
    PORTAL = "portal"
    CONSOLE = "console"
    API = "api"
    IMPORT = "import"


# --- questions and answers ------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionSpec:
    """What the rules need to know of a question."""

    id: int
    code: str
    kind: str
    required: bool = True
    scale_min: int | None = None
    scale_max: int | None = None
    dimension: str = ""
    columns: tuple[str, ...] = ()
    options: tuple[str, ...] = ()  # option codes, in order (value = position, from 1)


@dataclass(frozen=True)
class CleanAnswer:
    question_id: int
    column: int
    value: int | None = None
    choices: tuple[str, ...] | None = None
    text: str | None = None


@dataclass(frozen=True)
class AnswerProblem:
    """One thing wrong with a response. ``params`` fill the service's message."""

    code: str
    question: str  # the question's code ('' for the response as a whole)
    column: str = ""
    params: Mapping = field(default_factory=dict)


class AnswersInvalid(Exception):
    def __init__(self, problems: list[AnswerProblem]):
        super().__init__(", ".join(f"{p.code}:{p.question}" for p in problems[:5]))
        self.problems = problems


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _scale(spec: QuestionSpec, value, column: str, problems: list) -> int | None:
    if not _is_int(value):
        problems.append(AnswerProblem("invalid_answer", spec.code, column,
                                      {"expected": "integer"}))
        return None
    if not spec.scale_min <= value <= spec.scale_max:
        problems.append(AnswerProblem("out_of_scale", spec.code, column,
                                      {"value": value, "min": spec.scale_min,
                                       "max": spec.scale_max}))
        return None
    return value


def _missing(spec: QuestionSpec, column: str = "") -> AnswerProblem:
    return AnswerProblem("missing_answer", spec.code, column)


def _clean_one(spec: QuestionSpec, raw, problems: list) -> list[CleanAnswer]:
    """The answer rows of one question (empty: not answered); problems appended."""
    kind = spec.kind
    if kind in (QuestionKind.RATING, QuestionKind.LIKERT):
        if raw is None:
            return []
        value = _scale(spec, raw, "", problems)
        return [] if value is None else [CleanAnswer(spec.id, Column.VALUE, value=value)]
    if kind == QuestionKind.SINGLE:
        if raw is None or raw == "":
            return []
        if not isinstance(raw, str):
            problems.append(AnswerProblem("invalid_answer", spec.code, "", {"expected": "option"}))
            return []
        if raw not in spec.options:
            problems.append(AnswerProblem("unknown_option", spec.code, "", {"value": raw}))
            return []
        return [CleanAnswer(spec.id, Column.VALUE, value=spec.options.index(raw) + 1,
                            choices=(raw,))]
    if kind == QuestionKind.MULTIPLE:
        if raw is None:
            return []
        if not isinstance(raw, list | tuple) or not all(isinstance(c, str) for c in raw):
            problems.append(AnswerProblem("invalid_answer", spec.code, "",
                                          {"expected": "list of options"}))
            return []
        unknown = [c for c in raw if c not in spec.options]
        if unknown:
            problems.append(AnswerProblem("unknown_option", spec.code, "", {"value": unknown[0]}))
            return []
        if len(set(raw)) != len(raw):
            problems.append(AnswerProblem("duplicate_choice", spec.code))
            return []
        if not raw:
            return []
        ordered = tuple(c for c in spec.options if c in raw)
        return [CleanAnswer(spec.id, Column.VALUE, choices=ordered)]
    if kind == QuestionKind.TEXT:
        if raw is None:
            return []
        if not isinstance(raw, str):
            problems.append(AnswerProblem("invalid_answer", spec.code, "", {"expected": "text"}))
            return []
        text = raw.strip()
        if "\x00" in text:
            problems.append(AnswerProblem("invalid_text", spec.code))
            return []
        if len(text) > MAX_TEXT:
            problems.append(AnswerProblem("too_long", spec.code, "", {"limit": MAX_TEXT}))
            return []
        return [CleanAnswer(spec.id, Column.VALUE, text=text)] if text else []
    if kind == QuestionKind.SERVQUAL:
        if raw is None:
            return []
        if not isinstance(raw, Mapping):
            problems.append(AnswerProblem("invalid_answer", spec.code, "",
                                          {"expected": "columns"}))
            return []
        rows = []
        for name, value in raw.items():
            if name not in spec.columns:
                problems.append(AnswerProblem("wrong_column", spec.code, str(name)[:40],
                                              {"allowed": list(spec.columns)}))
                continue
            if value is None:
                continue
            value = _scale(spec, value, name, problems)
            if value is not None:
                rows.append(CleanAnswer(spec.id, ITEM_COLUMNS[name], value=value))
        return sorted(rows, key=lambda a: a.column)
    if kind == QuestionKind.WEIGHTS:
        if raw is None:
            return []
        if not isinstance(raw, Mapping):
            problems.append(AnswerProblem("invalid_answer", spec.code, "",
                                          {"expected": "points per dimension"}))
            return []
        points: dict[str, int] = {}
        bad = False
        for name, value in raw.items():
            if name not in DIMENSIONS:
                problems.append(AnswerProblem("wrong_column", spec.code, str(name)[:40],
                                              {"allowed": [d.value for d in DIMENSIONS]}))
                bad = True
                continue
            if value is None:
                continue
            if not _is_int(value):
                problems.append(AnswerProblem("invalid_answer", spec.code, name,
                                              {"expected": "integer"}))
                bad = True
            elif not 0 <= value <= WEIGHT_TOTAL:
                problems.append(AnswerProblem("out_of_scale", spec.code, name,
                                              {"value": value, "min": 0, "max": WEIGHT_TOTAL}))
                bad = True
            else:
                points[name] = value
        if bad:
            return []
        if not points:
            return []
        total = sum(points.values())
        if total != WEIGHT_TOTAL:
            problems.append(AnswerProblem("weights_sum", spec.code, "",
                                          {"total": total, "expected": WEIGHT_TOTAL}))
            return []
        return [CleanAnswer(spec.id, weight_column(d), value=points.get(d.value, 0))
                for d in DIMENSIONS]
    problems.append(AnswerProblem("invalid_answer", spec.code, "", {"expected": kind}))
    return []


def clean_answers(specs: Sequence[QuestionSpec], answers) -> list[CleanAnswer]:
    """Check ``answers`` (question code → answer) against the version's questions.

    Answers: a scale question takes an integer; a single choice an option code; a multiple
    choice a list of option codes; an open question text; a SERVQUAL item an object of
    column → integer (``{"expectation": 6, "perception": 5}``); the importance weights an
    object of dimension → points summing to 100. ``None`` (or ``""`` / ``[]``) means not
    answered. Raises ``AnswersInvalid`` with every problem, in question order."""
    if not isinstance(answers, Mapping):
        raise AnswersInvalid([AnswerProblem("invalid_answers", "")])
    by_code = {spec.code: spec for spec in specs}
    problems: list[AnswerProblem] = []
    for code in answers:
        if code not in by_code:
            problems.append(AnswerProblem("unknown_question", str(code)[:60]))
    if not specs:
        problems.append(AnswerProblem("no_questions", ""))
    cleaned: list[CleanAnswer] = []
    for spec in specs:
        before = len(problems)
        rows = _clean_one(spec, answers.get(spec.code), problems)
        if len(problems) > before:
            continue
        if spec.required:
            if not rows:
                problems.append(_missing(spec))
                continue
            if spec.kind == QuestionKind.SERVQUAL:
                got = {a.column for a in rows}
                absent = [c for c in spec.columns if ITEM_COLUMNS[c] not in got]
                if absent:
                    problems.append(_missing(spec, absent[0]))
                    continue
        cleaned.extend(rows)
    if problems:
        raise AnswersInvalid(problems)
    if not cleaned:
        raise AnswersInvalid([AnswerProblem("empty_response", "")])
    return cleaned


def check_question(spec: QuestionSpec) -> list[str]:
    """What is wrong with a question's definition (codes; empty when it can be published)."""
    wrong = []
    if spec.kind not in set(QuestionKind):
        return ["kind"]
    if spec.kind in SCALE_KINDS:
        lo, hi = spec.scale_min, spec.scale_max
        if not (_is_int(lo) and _is_int(hi)) or not -SCALE_LIMIT <= lo < hi <= SCALE_LIMIT:
            wrong.append("scale")
    if spec.kind in CHOICE_KINDS:
        if len(spec.options) < 2 or len(set(spec.options)) != len(spec.options):
            wrong.append("options")
    if spec.kind == QuestionKind.SERVQUAL:
        if spec.dimension not in set(Dimension):
            wrong.append("dimension")
        if not spec.columns or len(set(spec.columns)) != len(spec.columns) or any(
                c not in ITEM_COLUMNS for c in spec.columns):
            wrong.append("columns")
    return wrong
