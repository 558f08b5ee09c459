"""Instruments, versions and questions (administrators only).

A version is edited only while it is a draft. ``version_draft`` gives the instrument's draft,
making one (a copy of the newest version) when there is none: that is how a published
instrument is edited without touching the questions its answers refer to. Publishing a draft
retires the version published before it; invitations already sent keep their version.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import ApplicationError, Conflict

from .. import rules
from ..models import Instrument, InstrumentVersion, Question
from ._common import clean_choice, clean_code, clean_int, clean_text, event, require_admin

DEFAULT_SCALES = {rules.QuestionKind.RATING: (1, 5), rules.QuestionKind.LIKERT: (1, 5),
                  rules.QuestionKind.SERVQUAL: (1, 7)}
QUESTION_FIELDS = ("code", "kind", "text", "text_en", "dimension", "columns", "scale_min",
                   "scale_max", "low_label", "low_label_en", "high_label", "high_label_en",
                   "options", "required", "order")
MAX_OPTIONS = 30
MAX_QUESTIONS = 200


def _not_draft(version: InstrumentVersion) -> ApplicationError:
    return Conflict("version_not_draft",
                    _("Version %(number)d of %(code)s is %(status)s and cannot change: edit a "
                      "new draft instead.") % {"number": version.number,
                                               "code": version.instrument.code,
                                               "status": version.get_status_display()},
                    details={"version": version.pk, "status": version.status})


def _locked_version(version: InstrumentVersion) -> InstrumentVersion:
    locked = InstrumentVersion.objects.select_for_update().get(pk=version.pk)
    version.status = locked.status
    return version


def _require_draft(version: InstrumentVersion) -> None:
    _locked_version(version)
    if version.status != rules.VersionStatus.DRAFT:
        raise _not_draft(version)


@transaction.atomic
def instrument_create(*, actor, code: str, kind: str, name: str, name_en: str = "",
                      description: str = "", description_en: str = "",
                      anonymous_allowed: bool = False) -> Instrument:
    """A new instrument with an empty draft version 1."""
    require_admin(actor)
    code = clean_code(code)
    kind = clean_choice("kind", kind, [k.value for k in rules.InstrumentKind])
    if Instrument.objects.filter(code=code).exists():
        raise Conflict("code_taken", _("An instrument with the code %(code)s exists already.")
                       % {"code": code}, details={"field": "code"})
    now = timezone.now()
    instrument = Instrument.objects.create(
        code=code, kind=kind, name=clean_text("name", name, required=True, limit=120),
        name_en=clean_text("name_en", name_en, required=False, limit=120),
        description=clean_text("description", description, required=False, limit=2000),
        description_en=clean_text("description_en", description_en, required=False, limit=2000),
        anonymous_allowed=bool(anonymous_allowed), created_at=now)
    version = InstrumentVersion.objects.create(instrument=instrument, number=1, created_at=now,
                                               created_by=actor)
    event("instrument_created", actor, instrument=instrument, version=version, at=now,
          code=code, kind=kind)
    return instrument


@transaction.atomic
def instrument_update(*, actor, instrument: Instrument, **changes) -> Instrument:
    """Names, descriptions and whether anonymous answers are allowed (never the kind or the
    code: answers are analysed by them)."""
    require_admin(actor)
    limits = {"name": 120, "name_en": 120, "description": 2000, "description_en": 2000}
    changed = {}
    for field, value in changes.items():
        if field in limits:
            value = clean_text(field, value, required=field == "name", limit=limits[field])
        elif field == "anonymous_allowed":
            if not isinstance(value, bool):
                raise ApplicationError("invalid_anonymous_allowed",
                                       _("anonymous_allowed must be true or false."))
        else:
            raise ApplicationError("invalid_field", _("%(field)s cannot be changed.")
                                   % {"field": field}, details={"field": field})
        if getattr(instrument, field) != value:
            changed[field] = [getattr(instrument, field), value]
            setattr(instrument, field, value)
    if changed:
        instrument.save(update_fields=list(changed))
        event("instrument_updated", actor, instrument=instrument, changes=changed)
    return instrument


def _copy_questions(source: InstrumentVersion, target: InstrumentVersion) -> None:
    Question.objects.bulk_create([
        Question(version=target, **{f: getattr(q, f) for f in QUESTION_FIELDS})
        for q in source.questions.order_by("order", "id")])


@transaction.atomic
def version_draft(*, actor, instrument: Instrument) -> InstrumentVersion:
    """The instrument's draft version: the existing one, or a new one copying the newest
    version's introduction and questions."""
    require_admin(actor)
    Instrument.objects.select_for_update().filter(pk=instrument.pk).first()
    draft = instrument.versions.filter(status=rules.VersionStatus.DRAFT).first()
    if draft is not None:
        return draft
    latest = instrument.versions.order_by("-number").first()
    number = (instrument.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    now = timezone.now()
    draft = InstrumentVersion.objects.create(
        instrument=instrument, number=number, created_at=now, created_by=actor,
        intro=latest.intro if latest else "", intro_en=latest.intro_en if latest else "")
    if latest is not None:
        _copy_questions(latest, draft)
    event("version_drafted", actor, version=draft, at=now,
          copied_from=latest.number if latest else None)
    return draft


@transaction.atomic
def version_update(*, actor, version: InstrumentVersion, intro=None, intro_en=None
                   ) -> InstrumentVersion:
    require_admin(actor)
    _require_draft(version)
    fields = []
    if intro is not None:
        version.intro = clean_text("intro", intro, required=False, limit=4000)
        fields.append("intro")
    if intro_en is not None:
        version.intro_en = clean_text("intro_en", intro_en, required=False, limit=4000)
        fields.append("intro_en")
    if fields:
        version.save(update_fields=fields)
        event("version_updated", actor, version=version, fields=fields)
    return version


def _clean_options(value) -> list[dict]:
    if not isinstance(value, list) or len(value) > MAX_OPTIONS:
        raise ApplicationError("invalid_options",
                               _("options must be a list of at most %(max)d options.")
                               % {"max": MAX_OPTIONS}, details={"field": "options"})
    out, seen = [], set()
    for i, option in enumerate(value):
        if not isinstance(option, dict) or set(option) - {"code", "label", "label_en"}:
            raise ApplicationError("invalid_options",
                                   _("Option %(n)d must have code, label and label_en only.")
                                   % {"n": i + 1}, details={"field": "options"})
        code = clean_code(option.get("code"), "option_code")
        if code in seen:
            raise ApplicationError("invalid_options", _("The option code %(code)s is used twice.")
                                   % {"code": code}, details={"field": "options"})
        seen.add(code)
        out.append({"code": code,
                    "label": clean_text("label", option.get("label"), required=True, limit=200),
                    "label_en": clean_text("label_en", option.get("label_en"), required=False,
                                           limit=200)})
    return out


def clean_question(data: dict, *, instrument_kind: str, existing: Question | None = None) -> dict:
    """Check a question's fields (a new one's, or the changes to ``existing``); returns the
    full set of fields."""
    unknown = set(data) - set(QUESTION_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise ApplicationError("invalid_field", _("%(field)s is not a question field.")
                               % {"field": field}, details={"field": field})
    base = {f: getattr(existing, f) for f in QUESTION_FIELDS} if existing else {}
    merged = {**base, **data}
    out: dict = {}
    out["code"] = clean_code(merged.get("code"))
    kind = out["kind"] = clean_choice("kind", merged.get("kind"),
                                      [k.value for k in rules.QuestionKind])
    out["text"] = clean_text("text", merged.get("text"), required=True, limit=1000)
    out["text_en"] = clean_text("text_en", merged.get("text_en"), required=False, limit=1000)
    for field in ("low_label", "low_label_en", "high_label", "high_label_en"):
        out[field] = clean_text(field, merged.get(field), required=False, limit=60)
    out["order"] = clean_int("order", merged.get("order", 0) or 0, low=0, high=32767)
    required = merged.get("required", True)
    if not isinstance(required, bool):
        raise ApplicationError("invalid_required", _("required must be true or false."),
                               details={"field": "required"})
    out["required"] = required
    dimension = merged.get("dimension") or ""
    if dimension:
        dimension = clean_choice("dimension", dimension, [d.value for d in rules.Dimension])
    out["dimension"] = dimension
    columns = merged.get("columns") or []
    if kind == rules.QuestionKind.SERVQUAL:
        if not dimension:
            raise ApplicationError("dimension_required",
                                   _("A SERVQUAL item needs its dimension."),
                                   details={"field": "dimension"})
        if not columns:
            columns = list(rules.FORM_COLUMNS.get(instrument_kind, ("perception",)))
        if not isinstance(columns, list) or not columns or len(set(columns)) != len(columns) \
                or any(c not in rules.ITEM_COLUMNS for c in columns):
            raise ApplicationError("invalid_columns",
                                   _("columns must be a list of: %(allowed)s")
                                   % {"allowed": ", ".join(rules.ITEM_COLUMNS)},
                                   details={"field": "columns"})
    elif columns:
        raise ApplicationError("invalid_columns", _("Only SERVQUAL items have columns."),
                               details={"field": "columns"})
    out["columns"] = list(columns) if kind == rules.QuestionKind.SERVQUAL else []
    if kind in rules.SCALE_KINDS:
        default_lo, default_hi = DEFAULT_SCALES[kind]
        lo = merged.get("scale_min")
        hi = merged.get("scale_max")
        lo = default_lo if lo is None else clean_int("scale_min", lo, low=-rules.SCALE_LIMIT,
                                                     high=rules.SCALE_LIMIT)
        hi = default_hi if hi is None else clean_int("scale_max", hi, low=-rules.SCALE_LIMIT,
                                                     high=rules.SCALE_LIMIT)
        if lo >= hi:
            raise ApplicationError("invalid_scale",
                                   _("scale_min must be smaller than scale_max."),
                                   details={"field": "scale_min"})
        out["scale_min"], out["scale_max"] = lo, hi
    else:
        out["scale_min"] = out["scale_max"] = None
    if kind in rules.CHOICE_KINDS:
        out["options"] = _clean_options(merged.get("options") or [])
        if len(out["options"]) < 2:
            raise ApplicationError("invalid_options",
                                   _("A choice question needs at least two options."),
                                   details={"field": "options"})
    else:
        if merged.get("options") and data.get("options"):
            raise ApplicationError("invalid_options", _("Only choice questions have options."),
                                   details={"field": "options"})
        out["options"] = []
    return out


@transaction.atomic
def question_add(*, actor, version: InstrumentVersion, data: dict) -> Question:
    require_admin(actor)
    _require_draft(version)
    fields = clean_question(data, instrument_kind=version.instrument.kind)
    if version.questions.count() >= MAX_QUESTIONS:
        raise ApplicationError("too_many_questions", _("A survey has at most %(max)d questions.")
                               % {"max": MAX_QUESTIONS})
    if "order" not in data:
        fields["order"] = (version.questions.aggregate(m=Max("order"))["m"] or 0) + 10
    if version.questions.filter(code=fields["code"]).exists():
        raise Conflict("code_taken", _("This version already has a question %(code)s.")
                       % {"code": fields["code"]}, details={"field": "code"})
    question = Question.objects.create(version=version, **fields)
    event("question_added", actor, version=version, question=question.code)
    return question


@transaction.atomic
def question_update(*, actor, question: Question, data: dict) -> Question:
    require_admin(actor)
    _require_draft(question.version)
    fields = clean_question(data, instrument_kind=question.version.instrument.kind,
                            existing=question)
    if fields["code"] != question.code and question.version.questions.filter(
            code=fields["code"]).exists():
        raise Conflict("code_taken", _("This version already has a question %(code)s.")
                       % {"code": fields["code"]}, details={"field": "code"})
    changed = sorted(f for f, v in fields.items() if getattr(question, f) != v)
    for field, value in fields.items():
        setattr(question, field, value)
    if changed:
        try:
            with transaction.atomic():
                question.save(update_fields=changed)
        except IntegrityError:
            raise Conflict("code_taken", _("This version already has a question %(code)s.")
                           % {"code": fields["code"]}, details={"field": "code"})
        event("question_updated", actor, version=question.version, question=question.code,
              fields=changed)
    return question


@transaction.atomic
def question_remove(*, actor, question: Question) -> None:
    require_admin(actor)
    _require_draft(question.version)
    code, version = question.code, question.version
    question.delete()
    event("question_removed", actor, version=version, question=code)


@transaction.atomic
def version_publish(*, actor, version: InstrumentVersion) -> InstrumentVersion:
    """Publish a draft (its questions are checked); the version published before it is
    retired. From now on it never changes."""
    require_admin(actor)
    _require_draft(version)
    questions = list(version.questions.all())
    if not questions:
        raise ApplicationError("no_questions", _("A version needs at least one question."))
    for question in questions:
        wrong = rules.check_question(question.spec())
        if wrong:
            raise ApplicationError(
                "invalid_question", _("Question %(code)s is not complete: %(what)s.")
                % {"code": question.code, "what": ", ".join(wrong)},
                details={"question": question.code, "fields": wrong})
    now = timezone.now()
    previous = list(InstrumentVersion.objects.select_for_update().filter(
        instrument_id=version.instrument_id, status=rules.VersionStatus.PUBLISHED))
    for old in previous:
        old.status = rules.VersionStatus.RETIRED
        old.retired_at = now
        old.save(update_fields=["status", "retired_at"])
    version.status = rules.VersionStatus.PUBLISHED
    version.published_at = now
    version.save(update_fields=["status", "published_at"])
    event("version_published", actor, version=version, at=now,
          retired=[old.number for old in previous])
    return version


@transaction.atomic
def version_retire(*, actor, version: InstrumentVersion) -> InstrumentVersion:
    """No new invitations to this version; invitations already sent can still be answered."""
    require_admin(actor)
    _locked_version(version)
    if version.status != rules.VersionStatus.PUBLISHED:
        raise Conflict("version_not_published", _("Only a published version can be retired."),
                       details={"status": version.status})
    version.status = rules.VersionStatus.RETIRED
    version.retired_at = timezone.now()
    version.save(update_fields=["status", "retired_at"])
    event("version_retired", actor, version=version)
    return version


def published_version(instrument: Instrument) -> InstrumentVersion | None:
    return instrument.versions.filter(status=rules.VersionStatus.PUBLISHED).first()
