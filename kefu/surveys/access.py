"""Loading survey objects for a user: the only way views and endpoints get them.

- Instruments, versions and questions: staff read; customers never (404).
- Waves: administrators, auditors and supervisors without a branch see all; a branch
  supervisor the waves of their branch and their own.
- Invitations: a customer their own; a staff member the ones addressed to them; managers
  (as for waves) the others, by the branch copied onto the invitation.
- Responses: administrators, auditors and supervisors without a branch all; a branch
  supervisor their branch's; an agent the responses about them or their teams. Customers
  none (they see their own invitations, not response records).
Anything else answers 404: existence is not revealed.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kefu.accounts.access import is_global_reader, user_teams
from kefu.accounts.models import Role, User
from kefu.core.errors import NotFound
from kefu.core.pagination import valid_id

from .models import Instrument, InstrumentVersion, Invitation, Question, Response, Wave


def _id(value) -> int | None:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return value if valid_id(value) else None


def _one(qs: QuerySet, ident, what: str):
    pk = _id(ident)
    found = list(qs.filter(pk=pk)[:1]) if pk is not None else []
    if not found:
        raise NotFound(what, ident)
    return found[0]


def instruments_for(user: User) -> QuerySet:
    return Instrument.objects.all() if user.is_staff_member else Instrument.objects.none()


def instrument_get_for(user: User, instrument_id) -> Instrument:
    return _one(instruments_for(user), instrument_id, _("Survey instrument"))


def version_get_for(user: User, version_id) -> InstrumentVersion:
    qs = InstrumentVersion.objects.select_related("instrument")
    return _one(qs if user.is_staff_member else qs.none(), version_id, _("Instrument version"))


def question_get_for(user: User, question_id) -> Question:
    qs = Question.objects.select_related("version__instrument")
    return _one(qs if user.is_staff_member else qs.none(), question_id, _("Question"))


def manages_all(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.AUDITOR) or (
        user.role == Role.SUPERVISOR and user.branch_id is None)


def waves_for(user: User) -> QuerySet:
    qs = Wave.objects.all()
    if manages_all(user):
        return qs
    if user.role == Role.SUPERVISOR:
        return qs.filter(Q(branch_id=user.branch_id) | Q(created_by=user))
    return qs.none()


def wave_get_for(user: User, wave_id) -> Wave:
    return _one(waves_for(user).select_related("instrument", "version"), wave_id,
                _("Survey wave"))


def invitations_for(user: User) -> QuerySet:
    qs = Invitation.objects.all()
    if user.role == Role.CUSTOMER:
        return qs.filter(customer__user=user)
    if manages_all(user):
        return qs
    if user.role == Role.SUPERVISOR:
        return qs.filter(Q(branch_id=user.branch_id) | Q(user=user))
    if user.is_staff_member:
        return qs.filter(user=user)
    return qs.none()


def invitation_get_for(user: User, invitation_id) -> Invitation:
    return _one(invitations_for(user).select_related("instrument", "version", "wave",
                                                    "customer"), invitation_id, _("Survey"))


def invitation_to_answer(user: User, invitation_id) -> Invitation:
    """An invitation the user is the respondent of (a customer's own; a staff member's)."""
    qs = Invitation.objects.select_related("instrument", "version", "wave", "customer")
    if user.role == Role.CUSTOMER:
        qs = qs.filter(customer__user=user)
    elif user.is_staff_member:
        qs = qs.filter(user=user)
    else:
        qs = qs.none()
    return _one(qs, invitation_id, _("Survey"))


def response_scope(user: User) -> Q | None:
    """A filter for the responses a user may read; None: all."""
    if manages_all(user) or (user.role == Role.SUPERVISOR and is_global_reader(user)):
        return None
    if user.role == Role.SUPERVISOR:
        return Q(branch_id=user.branch_id) | Q(user=user)
    if user.role == Role.AGENT:
        teams = [team.pk for team in user_teams(user)]
        return Q(agent_id=user.pk) | Q(team_id__in=teams) | Q(user=user)
    return Q(pk__in=[])


def responses_for(user: User) -> QuerySet:
    scope = response_scope(user)
    qs = Response.objects.all()
    return qs if scope is None else qs.filter(scope)


def response_get_for(user: User, response_id) -> Response:
    return _one(responses_for(user).select_related("instrument", "version", "customer"),
                response_id, _("Survey response"))
