"""Instruments, versions and questions: staff read, administrators write."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Router, Schema, Status
from pydantic import Field

from kefu.api.schemas import StrictIn

from .. import access, selectors
from ..models import Instrument, InstrumentVersion, Response
from ..services import instruments as instrument_services
from ._common import ERRORS, Code, QuestionOut, _staff, question_out

router = Router(tags=["surveys"])


class OptionIn(StrictIn):
    code: str = Code
    label: str = Field(min_length=1, max_length=200)
    label_en: str = Field(default="", max_length=200)


class QuestionIn(StrictIn):
    code: str = Code
    kind: Literal["rating", "single", "multiple", "likert", "text", "servqual", "weights"]
    text: str = Field(min_length=1, max_length=1000)
    text_en: str = Field(default="", max_length=1000)
    dimension: Literal["", "tangibles", "reliability", "responsiveness", "assurance",
                       "empathy"] = ""
    columns: list[Literal["expectation", "perception", "desired", "adequate"]] = Field(
        default_factory=list, max_length=4)
    scale_min: int | None = Field(default=None, ge=-100, le=100)
    scale_max: int | None = Field(default=None, ge=-100, le=100)
    low_label: str = Field(default="", max_length=60)
    low_label_en: str = Field(default="", max_length=60)
    high_label: str = Field(default="", max_length=60)
    high_label_en: str = Field(default="", max_length=60)
    options: list[OptionIn] = Field(default_factory=list, max_length=30)
    required: bool = True
    order: int | None = Field(default=None, ge=0, le=32767)


class QuestionPatch(StrictIn):
    code: str | None = Field(default=None, min_length=1, max_length=40)
    kind: Literal["rating", "single", "multiple", "likert", "text", "servqual",
                  "weights"] | None = None
    text: str | None = Field(default=None, min_length=1, max_length=1000)
    text_en: str | None = Field(default=None, max_length=1000)
    dimension: Literal["", "tangibles", "reliability", "responsiveness", "assurance",
                       "empathy"] | None = None
    columns: list[Literal["expectation", "perception", "desired", "adequate"]] | None = Field(
        default=None, max_length=4)
    scale_min: int | None = Field(default=None, ge=-100, le=100)
    scale_max: int | None = Field(default=None, ge=-100, le=100)
    low_label: str | None = Field(default=None, max_length=60)
    low_label_en: str | None = Field(default=None, max_length=60)
    high_label: str | None = Field(default=None, max_length=60)
    high_label_en: str | None = Field(default=None, max_length=60)
    options: list[OptionIn] | None = Field(default=None, max_length=30)
    required: bool | None = None
    order: int | None = Field(default=None, ge=0, le=32767)


class VersionOut(Schema):
    id: int
    instrument: str
    number: int
    status: str
    intro: str
    intro_en: str
    created_at: datetime
    published_at: datetime | None
    retired_at: datetime | None
    answered: bool
    questions: list[QuestionOut]


class VersionRef(Schema):
    id: int
    number: int
    status: str
    published_at: datetime | None


class InstrumentOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    name_en: str
    description: str
    description_en: str
    anonymous_allowed: bool
    versions: list[VersionRef]


class InstrumentPage(Schema):
    items: list[InstrumentOut]
    next: str | None


class InstrumentIn(StrictIn):
    code: str = Code
    kind: Literal["csat", "nps", "ces", "custom", "servqual", "servqual3", "servperf",
                  "management"]
    name: str = Field(min_length=1, max_length=120)
    name_en: str = Field(default="", max_length=120)
    description: str = Field(default="", max_length=2000)
    description_en: str = Field(default="", max_length=2000)
    anonymous_allowed: bool = False


class InstrumentPatch(StrictIn):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    name_en: str | None = Field(default=None, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    description_en: str | None = Field(default=None, max_length=2000)
    anonymous_allowed: bool | None = None


class VersionPatch(StrictIn):
    intro: str | None = Field(default=None, max_length=4000)
    intro_en: str | None = Field(default=None, max_length=4000)


def version_out(v: InstrumentVersion) -> dict:
    return {"id": v.pk, "instrument": v.instrument.code, "number": v.number, "status": v.status,
            "intro": v.intro, "intro_en": v.intro_en, "created_at": v.created_at,
            "published_at": v.published_at, "retired_at": v.retired_at,
            "answered": Response.objects.filter(version=v).exists(),
            "questions": [question_out(q) for q in selectors.version_questions(v.pk)]}


def instrument_out(i: Instrument, versions: list[InstrumentVersion]) -> dict:
    return {"id": i.pk, "code": i.code, "kind": i.kind, "name": i.name, "name_en": i.name_en,
            "description": i.description, "description_en": i.description_en,
            "anonymous_allowed": i.anonymous_allowed,
            "versions": [{"id": v.pk, "number": v.number, "status": v.status,
                          "published_at": v.published_at} for v in versions]}


def _versions_of(instruments: list[Instrument]) -> dict[int, list[InstrumentVersion]]:
    out: dict[int, list[InstrumentVersion]] = {i.pk: [] for i in instruments}
    for v in InstrumentVersion.objects.filter(instrument_id__in=list(out)).order_by("-number"):
        out[v.instrument_id].append(v)
    return out


# --- instruments, versions, questions --------------------------------------------------------------

@router.get("/surveys/instruments", response={200: InstrumentPage, **ERRORS})
def list_instruments(request):
    """Every instrument with its versions (newest first). Staff."""
    _staff(request)
    rows = list(access.instruments_for(request.auth).order_by("code"))
    versions = _versions_of(rows)
    return {"items": [instrument_out(i, versions[i.pk]) for i in rows], "next": None}


@router.post("/surveys/instruments", response={201: InstrumentOut, **ERRORS})
def create_instrument(request, payload: InstrumentIn):
    """A new instrument with an empty draft version 1. Administrators."""
    instrument = instrument_services.instrument_create(actor=request.auth, **payload.dict())
    return Status(201, instrument_out(instrument, list(instrument.versions.all())))


@router.get("/surveys/instruments/{instrument_id}", response={200: InstrumentOut, **ERRORS})
def get_instrument(request, instrument_id: int):
    _staff(request)
    instrument = access.instrument_get_for(request.auth, instrument_id)
    return instrument_out(instrument, _versions_of([instrument])[instrument.pk])


@router.patch("/surveys/instruments/{instrument_id}", response={200: InstrumentOut, **ERRORS})
def update_instrument(request, instrument_id: int, payload: InstrumentPatch):
    """Names, descriptions, whether anonymous answers are allowed. Administrators."""
    _staff(request)
    instrument = access.instrument_get_for(request.auth, instrument_id)
    instrument_services.instrument_update(actor=request.auth, instrument=instrument,
                                          **payload.dict(exclude_none=True))
    return instrument_out(instrument, _versions_of([instrument])[instrument.pk])


@router.post("/surveys/instruments/{instrument_id}/draft", response={200: VersionOut, **ERRORS})
def draft_version(request, instrument_id: int):
    """The instrument's draft version — the existing one, or a new copy of the newest
    version: published versions never change. Administrators."""
    _staff(request)
    instrument = access.instrument_get_for(request.auth, instrument_id)
    draft = instrument_services.version_draft(actor=request.auth, instrument=instrument)
    return version_out(draft)


@router.get("/surveys/versions/{version_id}", response={200: VersionOut, **ERRORS})
def get_version(request, version_id: int):
    _staff(request)
    return version_out(access.version_get_for(request.auth, version_id))


@router.patch("/surveys/versions/{version_id}", response={200: VersionOut, **ERRORS})
def update_version(request, version_id: int, payload: VersionPatch):
    _staff(request)
    version = access.version_get_for(request.auth, version_id)
    instrument_services.version_update(actor=request.auth, version=version, **payload.dict())
    return version_out(version)


@router.post("/surveys/versions/{version_id}/questions", response={201: QuestionOut, **ERRORS})
def add_question(request, version_id: int, payload: QuestionIn):
    """Add a question to a draft (409 on a published or retired version)."""
    _staff(request)
    version = access.version_get_for(request.auth, version_id)
    data = payload.dict(exclude_none=True)
    question = instrument_services.question_add(actor=request.auth, version=version, data=data)
    return Status(201, question_out(question))


@router.patch("/surveys/questions/{question_id}", response={200: QuestionOut, **ERRORS})
def update_question(request, question_id: int, payload: QuestionPatch):
    _staff(request)
    question = access.question_get_for(request.auth, question_id)
    data = payload.dict(exclude_unset=True)
    question = instrument_services.question_update(actor=request.auth, question=question,
                                                   data=data)
    return question_out(question)


@router.delete("/surveys/questions/{question_id}", response={204: None, **ERRORS})
def remove_question(request, question_id: int):
    _staff(request)
    question = access.question_get_for(request.auth, question_id)
    instrument_services.question_remove(actor=request.auth, question=question)
    return Status(204, None)


@router.post("/surveys/versions/{version_id}/publish", response={200: VersionOut, **ERRORS})
def publish_version(request, version_id: int):
    """Publish a draft; the version published before is retired. Administrators."""
    _staff(request)
    version = access.version_get_for(request.auth, version_id)
    instrument_services.version_publish(actor=request.auth, version=version)
    return version_out(version)


@router.post("/surveys/versions/{version_id}/retire", response={200: VersionOut, **ERRORS})
def retire_version(request, version_id: int):
    _staff(request)
    version = access.version_get_for(request.auth, version_id)
    instrument_services.version_retire(actor=request.auth, version=version)
    return version_out(version)
