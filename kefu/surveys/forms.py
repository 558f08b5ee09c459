"""The answering form: what the page shows for each question, and the posted fields turned
into the answers ``response_submit`` checks (it checks everything; this only reshapes).

Field names: ``q-<code>`` (scales, choices — repeated for multiple choice — and text),
``q-<code>-<column>`` (SERVQUAL items), ``q-<code>-<dimension>`` (importance weights),
``anonymous``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import rules
from .instruments_data import DIMENSION_TEXT
from .models import Question


def _number(raw: str | None):
    """"5" → 5; "" → None; anything else stays text (and is refused as not a number)."""
    if raw is None:
        return None
    raw = raw.strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        return raw[:20]


def answers_from_post(questions: list[Question], post) -> dict:
    answers: dict = {}
    for q in questions:
        name = f"q-{q.code}"
        if q.kind in (rules.QuestionKind.RATING, rules.QuestionKind.LIKERT):
            value = _number(post.get(name))
        elif q.kind == rules.QuestionKind.SINGLE:
            value = post.get(name) or None
        elif q.kind == rules.QuestionKind.MULTIPLE:
            value = [v for v in post.getlist(name) if v] or None
        elif q.kind == rules.QuestionKind.TEXT:
            value = post.get(name, "")[: rules.MAX_TEXT + 1] or None
        elif q.kind == rules.QuestionKind.SERVQUAL:
            value = {c: _number(post.get(f"{name}-{c}")) for c in q.columns or ()}
            value = {c: v for c, v in value.items() if v is not None} or None
        elif q.kind == rules.QuestionKind.WEIGHTS:
            value = {d.value: _number(post.get(f"{name}-{d.value}")) for d in rules.DIMENSIONS}
            value = {d: v for d, v in value.items() if v is not None} or None
        else:
            value = None
        if value is not None:
            answers[q.code] = value
    return answers


def column_label(name: str, instrument_kind: str) -> str:
    if name == "expectation" and instrument_kind == rules.InstrumentKind.MANAGEMENT:
        return _("What you believe customers expect")
    return {
        "expectation": _("What an excellent company should offer"),
        "perception": _("What we offer"),
        "desired": _("The service you desire"),
        "adequate": _("The least you would accept"),
    }.get(name, name)


def dimension_text(dimension: str, language: str) -> str:
    zh, en = DIMENSION_TEXT[dimension]
    return en if language == "en" else zh


def form_items(questions: list[Question], instrument_kind: str, language: str, *,
               answers: dict | None = None, errors: dict | None = None) -> list[dict]:
    """What the template needs per question: labels, scale points, the values given so far
    (after a refused submission) and the error to show."""
    answers = answers or {}
    errors = errors or {}
    items = []
    for number, q in enumerate(questions, start=1):
        given = answers.get(q.code)
        item = {"q": q, "number": number, "kind": q.kind, "name": f"q-{q.code}",
                "error": errors.get(q.code, ""), "value": given}
        if q.scale_min is not None and q.scale_max is not None:
            item["scale"] = list(range(q.scale_min, q.scale_max + 1))
            item["wide"] = len(item["scale"]) > 7
        if q.kind == rules.QuestionKind.SERVQUAL:
            given = given if isinstance(given, dict) else {}
            item["columns"] = [{"name": c, "label": column_label(c, instrument_kind),
                                "field": f"q-{q.code}-{c}", "value": given.get(c)}
                               for c in q.columns or ()]
        elif q.kind in rules.CHOICE_KINDS:
            chosen = given if isinstance(given, list) else [given]
            item["options"] = [{"code": code, "label": label, "checked": code in chosen}
                               for code, label in q.option_labels()]
        elif q.kind == rules.QuestionKind.WEIGHTS:
            given = given if isinstance(given, dict) else {}
            item["dimensions"] = [{"code": d.value, "label": dimension_text(d.value, language),
                                   "field": f"q-{q.code}-{d.value}",
                                   "value": given.get(d.value, "")} for d in rules.DIMENSIONS]
        items.append(item)
    return items


def errors_by_question(details) -> dict[str, str]:
    out: dict[str, str] = {}
    for problem in (details or {}).get("errors", []) if isinstance(details, dict) else []:
        out.setdefault(problem.get("question", ""), problem.get("message", ""))
    return out
