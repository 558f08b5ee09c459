"""Shared pieces of the survey endpoints: error responses, who-may checks, the question
shape."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from kefu.accounts.models import Role
from kefu.api.schemas import ErrorOut
from kefu.core.errors import PermissionDenied

from ..models import Question

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          410: ErrorOut, 422: ErrorOut, 429: ErrorOut}

Code = Field(min_length=1, max_length=40)


def _staff(request):
    user = request.auth
    if not user.is_staff_member:
        raise PermissionDenied(_("Survey instruments and responses are for staff."))
    return user


def _wave_reader(request):
    user = request.auth
    if user.role not in (Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR):
        raise PermissionDenied(_("Waves are for supervisors and administrators."))
    return user


class QuestionOut(Schema):
    id: int
    code: str
    order: int
    kind: str
    text: str
    text_en: str
    dimension: str | None
    columns: list[str]
    scale_min: int | None
    scale_max: int | None
    low_label: str
    low_label_en: str
    high_label: str
    high_label_en: str
    options: list[dict]
    required: bool


def question_out(q: Question) -> dict:
    return {"id": q.pk, "code": q.code, "order": q.order, "kind": q.kind, "text": q.text,
            "text_en": q.text_en, "dimension": q.dimension or None, "columns": q.columns or [],
            "scale_min": q.scale_min, "scale_max": q.scale_max, "low_label": q.low_label,
            "low_label_en": q.low_label_en, "high_label": q.high_label,
            "high_label_en": q.high_label_en, "options": q.options or [],
            "required": q.required}
