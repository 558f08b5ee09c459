"""Answering a survey: ``response_submit`` (by the link's token, no sign-in) and
``response_submit_for`` (a signed-in customer in the portal, a staff member in the console).

Everything is checked before anything is written: the invitation (known, not answered, not
expired, its wave still open), every answer against the version's questions (unknown
questions, out-of-scale values, wrong columns, unknown options, missing required answers,
weights not adding up to 100), and the anonymous choice. Then, in one transaction: the
response, its answers, the invitation marked answered, the rollups, the customer timeline
row and the recovery ticket a low score opens (``services.recovery``). A second submission
of the same invitation is refused (409) — the invitation row is locked while a response is
written, and the response's unique invitation digest refuses any that slips past.
"""

from __future__ import annotations

from datetime import datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied

from .. import rollups, rules, tokens
from ..models import Answer, Invitation, Question, Response
from . import recovery


def invalid_link() -> ApplicationError:
    return ApplicationError("invalid_token", _("This survey link is not valid."), status=404)


def already_answered() -> ApplicationError:
    return Conflict("already_responded",
                    _("This survey has already been answered: thank you! Each invitation can "
                      "be answered once."))


def not_open(invitation: Invitation, now) -> ApplicationError | None:
    """Why the invitation cannot be answered now (None: it can)."""
    if invitation.responded_at is not None:
        return already_answered()
    if invitation.expires_at <= now:
        return ApplicationError("expired", _("This survey closed on %(date)s.") % {
            "date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d")}, status=410)
    if invitation.wave_id is not None and invitation.wave.status == rules.WaveStatus.CLOSED:
        return ApplicationError("survey_closed", _("This survey has closed."), status=410)
    return None


def question_label(question: Question) -> str:
    text = " ".join(question.label.split())
    if len(text) > 60:
        text = text[:59] + "…"
    return f'{question.code} ("{text}")'


def _column_label(name: str) -> str:
    labels = {"expectation": _("expectation"), "perception": _("perception"),
              "desired": _("desired service"), "adequate": _("adequate service")}
    if name in labels:
        return labels[name]
    from ..models.instruments import DIMENSIONS

    return str(dict(DIMENSIONS).get(name, name))


def problem_message(problem: rules.AnswerProblem, questions: dict[str, Question]) -> str:
    q = questions.get(problem.question)
    name = question_label(q) if q is not None else problem.question
    p = dict(problem.params)
    column = f" · {_column_label(problem.column)}" if problem.column else ""
    code = problem.code
    if code == "unknown_question":
        return _("Question %(question)s is not part of this survey.") % {"question": name}
    if code == "invalid_answer":
        return _("The answer to %(question)s%(column)s is not valid.") % {
            "question": name, "column": column}
    if code == "out_of_scale":
        return _("The answer to %(question)s%(column)s must be from %(min)s to %(max)s "
                 "(it was %(value)s).") % {"question": name, "column": column, "min": p["min"],
                                           "max": p["max"], "value": p["value"]}
    if code == "wrong_column":
        return _("%(question)s does not ask for %(column)s.") % {
            "question": name, "column": problem.column}
    if code == "unknown_option":
        return _("%(value)s is not an option of %(question)s.") % {
            "value": p.get("value"), "question": name}
    if code == "duplicate_choice":
        return _("An option of %(question)s was chosen twice.") % {"question": name}
    if code == "too_long":
        return _("The answer to %(question)s is longer than %(limit)s characters.") % {
            "question": name, "limit": p["limit"]}
    if code == "invalid_text":
        return _("The answer to %(question)s contains a NUL character.") % {"question": name}
    if code == "missing_answer":
        return _("Please answer %(question)s%(column)s.") % {"question": name, "column": column}
    if code == "weights_sum":
        return _("The points of %(question)s must add up to %(expected)s (they add up to "
                 "%(total)s).") % {"question": name, "expected": p["expected"],
                                   "total": p["total"]}
    if code == "invalid_answers":
        return _("answers must be an object of question code → answer.")
    if code == "empty_response":
        return _("Please answer at least one question.")
    if code == "no_questions":
        return _("This survey has no questions.")
    return _("The answer to %(question)s is not valid.") % {"question": name, "column": ""}


def answers_error(exc: rules.AnswersInvalid, questions: dict[str, Question]) -> ApplicationError:
    """One error naming the first problem; ``details`` lists them all (question, column,
    code, message) so a form can mark every one."""
    problems = [{"question": p.question, "column": p.column, "code": p.code,
                 "message": problem_message(p, questions)} for p in exc.problems]
    first = problems[0]
    return ApplicationError(first["code"], first["message"],
                            details={"question": first["question"], "column": first["column"],
                                     "errors": problems})


def version_questions(version_id: int) -> list[Question]:
    return list(Question.objects.filter(version_id=version_id).order_by("order", "id"))


def invitation_for_token(raw) -> Invitation:
    if not tokens.plausible(raw):
        raise invalid_link()
    found = list(Invitation.objects.filter(token_hash=tokens.token_hash(raw))
                 .select_related("instrument", "version", "wave")[:1])
    if not found:
        raise invalid_link()
    return found[0]


def response_submit(*, token: str, answers, anonymous: bool = False, source: str = "link",
                    language: str | None = None) -> Response:
    """Answer by the link's token (no sign-in: the token is the permission)."""
    invitation = invitation_for_token(token)
    return _submit(invitation.pk, answers=answers, anonymous=anonymous, source=source,
                   language=language)


def response_submit_for(*, invitation: Invitation, actor, answers, anonymous: bool = False,
                        source: str) -> Response:
    """Answer an invitation loaded through ``access.invitation_get_for`` by its respondent:
    a customer their own, a staff member theirs."""
    if actor.role == Role.CUSTOMER:
        if invitation.customer_id is None or invitation.customer.user_id != actor.pk:
            raise NotFound(_("Survey"), invitation.pk)
    elif invitation.user_id != actor.pk:
        raise PermissionDenied(_("Only the person invited can answer this survey."))
    return _submit(invitation.pk, answers=answers, anonymous=anonymous, source=source,
                   language=None)


def _local_day(moment: datetime) -> datetime:
    local = timezone.localtime(moment, rollups.business_tz())
    return datetime.combine(local.date(), time.min, tzinfo=local.tzinfo)


@transaction.atomic
def _submit(invitation_id: int, *, answers, anonymous: bool, source: str,
            language: str | None) -> Response:
    if not isinstance(anonymous, bool):
        raise ApplicationError("invalid_anonymous", _("anonymous must be true or false."))
    invitation = (Invitation.objects.select_for_update(of=("self",))
                  .select_related("instrument", "wave", "customer").get(pk=invitation_id))
    now = timezone.now()
    refusal = not_open(invitation, now)
    if refusal is not None:
        raise refusal
    instrument = invitation.instrument
    if anonymous and not instrument.anonymous_allowed:
        raise ApplicationError("anonymous_not_allowed",
                               _("This survey cannot be answered anonymously."))
    questions = version_questions(invitation.version_id)
    by_code = {q.code: q for q in questions}
    specs = [q.spec() for q in questions]
    try:
        clean = rules.clean_answers(specs, answers)
    except rules.AnswersInvalid as exc:
        raise answers_error(exc, by_code)
    period = rollups.period_of(now)
    language = language if language in ("zh-hans", "en") else invitation.language
    response = Response(
        invitation=None if anonymous else invitation,
        invitation_digest=tokens.invitation_digest(invitation.pk),
        instrument_id=instrument.pk, version_id=invitation.version_id,
        wave_id=invitation.wave_id,
        customer_id=None if anonymous else invitation.customer_id,
        user_id=None if anonymous else invitation.user_id,
        ticket_id=None if anonymous else invitation.ticket_id,
        anonymous=anonymous, source=source, language=language,
        # an anonymous response keeps only the day, so it cannot be matched to the
        # invitation's exact answer time
        submitted_at=_local_day(now) if anonymous else now, period=period,
        branch_id=invitation.branch_id, team_id=invitation.team_id,
        agent_id=invitation.agent_id, tier_id=invitation.tier_id,
        contact_channel=invitation.contact_channel)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise already_answered()
    Answer.objects.bulk_create([
        Answer(response=response, question_id=a.question_id, column=int(a.column), value=a.value,
               choices=list(a.choices) if a.choices is not None else None, text=a.text)
        for a in clean])
    Invitation.objects.filter(pk=invitation.pk).update(
        responded_at=now, next_reminder_at=None, answered_anonymously=anonymous)
    invitation.responded_at = now
    rollups.apply(response, specs, clean, instrument.kind)
    # closed loop: a low score opens a recovery ticket in this same transaction
    recovery.recovery_open(response, instrument=instrument, specs=specs, answers=clean)
    if not anonymous and invitation.customer_id is not None:
        from kefu.customers.models import CustomerEvent

        CustomerEvent.objects.create(customer_id=invitation.customer_id, kind="survey_response",
                                     actor=None, data={"instrument": instrument.code,
                                                       "response": response.pk,
                                                       "ticket": invitation.ticket_id})
    return response
