"""Answering (by the link's token — public, limited — or as the signed-in respondent) and
the responses list for staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kefu.api.schemas import StrictIn, user_ref
from kefu.core.errors import ApplicationError
from kefu.core.pagination import keyset_page

from .. import access, rules, selectors
from ..models import Instrument, Response
from ..services import responses as response_services
from ._common import ERRORS, QuestionOut, _staff, question_out

router = Router(tags=["surveys"])


class ResponseIn(StrictIn):
    token: str = Field(min_length=1, max_length=200)
    answers: dict[str, Any]
    anonymous: bool = False
    language: Literal["zh-hans", "en"] | None = None


class AnswerIn(StrictIn):
    answers: dict[str, Any]
    anonymous: bool = False


class ReceivedOut(Schema):
    received: bool
    anonymous: bool


class FormOut(Schema):
    instrument: str
    kind: str
    name: str
    name_en: str
    version: int
    intro: str
    intro_en: str
    anonymous_allowed: bool
    language: str
    expires_at: datetime
    questions: list[QuestionOut]


def _limited(request) -> None:
    from kefu.conversations.portal.views import client_address
    from kefu.conversations.portal.webform import rate_limit_hit

    from ..views import submit_limit

    if rate_limit_hit(scope="survey", client=client_address(request), limit=submit_limit()):
        raise ApplicationError("rate_limited", _("Too many requests from your address: please "
                                                 "try again later."), status=429)


@router.get("/surveys/form/{token}", auth=None, response={200: FormOut, **ERRORS})
def get_form(request, token: str):
    """The questions an invitation's link asks (public: the token is the permission). 404
    for an unknown link, 409 once answered, 410 when expired or closed."""
    _limited(request)
    invitation = response_services.invitation_for_token(token)
    from django.utils import timezone

    refusal = response_services.not_open(invitation, timezone.now())
    if refusal is not None:
        raise refusal
    v, i = invitation.version, invitation.instrument
    return {"instrument": i.code, "kind": i.kind, "name": i.name, "name_en": i.name_en,
            "version": v.number, "intro": v.intro, "intro_en": v.intro_en,
            "anonymous_allowed": i.anonymous_allowed, "language": invitation.language,
            "expires_at": invitation.expires_at,
            "questions": [question_out(q) for q in selectors.version_questions(v.pk)]}


@router.post("/surveys/responses", auth=None, response={201: ReceivedOut, **ERRORS})
def submit_response(request, payload: ResponseIn):
    """Answer by the link's token (public; at most KEFU_SURVEY_SUBMIT_LIMIT_PER_HOUR requests
    per client address and hour). ``answers`` maps question codes to answers: a number for a
    scale, an option code (single choice), a list of option codes (multiple choice), text,
    ``{"expectation": 6, "perception": 5}`` for a SERVQUAL item, ``{"tangibles": 20, …}``
    (adding up to 100) for the importance weights. Anything wrong — an unknown question, a
    value off the scale, a column the item does not ask, a missing required answer, weights
    not adding up to 100 — answers 400 naming the question, and nothing is stored. A second
    answer to the same invitation: 409."""
    _limited(request)
    response_services.response_submit(token=payload.token, answers=payload.answers,
                                      anonymous=payload.anonymous, source=rules.Source.API,
                                      language=payload.language)
    return Status(201, {"received": True, "anonymous": payload.anonymous})


@router.post("/surveys/invitations/{invitation_id}/response",
             response={201: ReceivedOut, **ERRORS})
def answer_invitation(request, invitation_id: int, payload: AnswerIn):
    """The signed-in respondent answers their own invitation (a customer, or a manager the
    management-perception survey)."""
    invitation = access.invitation_to_answer(request.auth, invitation_id)
    response_services.response_submit_for(invitation=invitation, actor=request.auth,
                                          answers=payload.answers, anonymous=payload.anonymous,
                                          source=rules.Source.API)
    return Status(201, {"received": True, "anonymous": payload.anonymous})


# --- responses -----------------------------------------------------------------------------------

class ResponseOut(Schema):
    id: int
    instrument: str
    version: int
    wave_id: int | None
    ticket_id: int | None
    customer: dict | None
    respondent: dict | None
    anonymous: bool
    source: str
    language: str
    submitted_at: datetime
    period: str
    branch: str | None
    team: str | None
    tier: str | None
    agent: dict | None
    contact_channel: str
    recovery_ticket_id: int | None = None
    answers: list[dict] | None = None


class ResponsePage(Schema):
    items: list[ResponseOut]
    next: str | None


class ResponseFilters(Schema):
    instrument: str | None = Field(default=None, max_length=40)
    wave_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    cursor: str | None = Field(default=None, max_length=500)
    limit: int = 25


RESPONSE_RELATED = ("instrument", "version", "customer", "user", "branch", "team", "tier",
                    "agent", "recovery")


def _recovery_ticket_id(r: Response) -> int | None:
    """The recovery ticket the response opened (``RecoveryLink``), if any."""
    try:
        return r.recovery.ticket_id
    except Response.recovery.RelatedObjectDoesNotExist:
        return None


def response_out(r: Response, *, answers: bool = False) -> dict:
    return {"id": r.pk, "instrument": r.instrument.code, "version": r.version.number,
            "wave_id": r.wave_id, "ticket_id": r.ticket_id,
            "customer": {"id": r.customer.pk, "name": r.customer.name} if r.customer_id else None,
            "respondent": user_ref(r.user) if r.user_id else None,
            "anonymous": r.anonymous, "source": r.source, "language": r.language,
            "submitted_at": r.submitted_at, "period": r.period.isoformat(),
            "branch": r.branch.code if r.branch_id else None,
            "team": r.team.code if r.team_id else None,
            "tier": r.tier.code if r.tier_id else None,
            "agent": user_ref(r.agent) if r.agent_id else None,
            "contact_channel": r.contact_channel,
            "recovery_ticket_id": _recovery_ticket_id(r),
            "answers": selectors.response_answers(r) if answers else None}


@router.get("/surveys/responses", response={200: ResponsePage, **ERRORS})
def list_responses(request, filters: Query[ResponseFilters]):
    """Responses you may see, newest first (staff: administrators, auditors and supervisors
    without a branch all; a branch supervisor their branch; an agent those about them or
    their teams). Anonymous responses show no customer, respondent or ticket."""
    user = _staff(request)
    qs = access.responses_for(user).select_related(*RESPONSE_RELATED)
    if filters.instrument:
        instrument_id = Instrument.objects.filter(code=filters.instrument).values_list(
            "pk", flat=True).first()
        qs = qs.filter(instrument_id=instrument_id or 0)
    if filters.wave_id:
        qs = qs.filter(wave_id=filters.wave_id)
    rows, nxt = keyset_page(qs, field="submitted_at", descending=True, cursor=filters.cursor,
                            limit=filters.limit)
    return {"items": [response_out(r) for r in rows], "next": nxt}


@router.get("/surveys/responses/{response_id}", response={200: ResponseOut, **ERRORS})
def get_response(request, response_id: int):
    """One response with its answers, in the shape they were given."""
    user = _staff(request)
    response = access.response_get_for(user, response_id)
    response = Response.objects.select_related(*RESPONSE_RELATED).get(pk=response.pk)
    return response_out(response, answers=True)
