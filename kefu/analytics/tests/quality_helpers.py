"""Helpers of the closed-loop, impact, weekly report and public page tests: real survey
answers through the answering service (rollups and recovery tickets included)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kefu.surveys import rules, tokens
from kefu.surveys.defaults import ensure_defaults
from kefu.surveys.models import Instrument
from kefu.surveys.services import invitations
from kefu.surveys.services.responses import response_submit


def instruments() -> dict[str, Instrument]:
    ensure_defaults()
    return {i.code: i for i in Instrument.objects.all()}


def answer(code: str, answers: dict, *, customer, ticket=None, branch=None, team=None,
           agent=None, language: str = "zh-hans"):
    """One answered invitation of the shipped instrument ``code``, sliced by branch/team."""
    instrument = Instrument.objects.get(code=code)
    version = instrument.versions.get(status=rules.VersionStatus.PUBLISHED)
    now = timezone.now()
    invitation = invitations.build(
        version=version, channel="email", expires_at=now + timedelta(days=30), now=now,
        customer=customer, ticket=ticket, branch_id=branch.pk if branch else None,
        team_id=team.pk if team else None, agent_id=agent.pk if agent else None)
    invitation.save()
    return response_submit(token=tokens.token_for(invitation.token_salt), answers=answers,
                           language=language)
