"""Reads: the invitations a respondent has, a response with its answers, what a form
needs to render a version."""

from __future__ import annotations

from django.utils import timezone

from . import rules
from .models import Answer, Invitation, Question, Response


def invitation_state(invitation: Invitation, now=None) -> str:
    """open | answered | expired | closed"""
    now = now or timezone.now()
    if invitation.responded_at is not None:
        return "answered"
    if invitation.wave_id is not None and invitation.wave.status == rules.WaveStatus.CLOSED:
        return "closed"
    if invitation.expires_at <= now:
        return "expired"
    return "open"


def customer_invitations(customer, *, limit: int = 50) -> list[Invitation]:
    """A customer's invitations, newest first, with their state (``.state``)."""
    rows = list(Invitation.objects.filter(customer=customer)
                .select_related("instrument", "wave", "ticket").order_by("-created_at", "-id")
                [:limit])
    now = timezone.now()
    for row in rows:
        row.state = invitation_state(row, now)
    return rows


def staff_invitations(user, *, limit: int = 50) -> list[Invitation]:
    rows = list(Invitation.objects.filter(user=user).select_related("instrument", "wave")
                .order_by("-created_at", "-id")[:limit])
    now = timezone.now()
    for row in rows:
        row.state = invitation_state(row, now)
    return rows


def version_questions(version_id: int) -> list[Question]:
    return list(Question.objects.filter(version_id=version_id).order_by("order", "id"))


def response_answers(response: Response) -> list[dict]:
    """The response's answers as the API shows them: one entry per question answered, in
    the version's order, in the same shape the answers were given in."""
    questions = {q.pk: q for q in version_questions(response.version_id)}
    by_question: dict[int, dict] = {}
    for a in Answer.objects.filter(response=response).order_by("question_id", "column"):
        q = questions.get(a.question_id)
        if q is None:
            continue
        entry = by_question.setdefault(q.pk, {"question": q.code, "kind": q.kind,
                                              "dimension": q.dimension or None})
        if q.kind == rules.QuestionKind.SERVQUAL:
            entry.setdefault("answer", {})[rules.COLUMN_NAMES[a.column]] = a.value
        elif q.kind == rules.QuestionKind.WEIGHTS:
            entry.setdefault("answer", {})[rules.DIMENSIONS[a.column - 11].value] = a.value
        elif q.kind == rules.QuestionKind.SINGLE:
            entry["answer"] = (a.choices or [None])[0]
        elif q.kind == rules.QuestionKind.MULTIPLE:
            entry["answer"] = list(a.choices or [])
        elif q.kind == rules.QuestionKind.TEXT:
            entry["answer"] = a.text
        else:
            entry["answer"] = a.value
    order = {q.pk: (q.order, q.pk) for q in questions.values()}
    return [by_question[k] for k in sorted(by_question, key=lambda k: order[k])]
