"""Data for the dashboard tests: survey responses submitted through the survey service
(so the rollups are the real ones), tickets through the ticket services. Imported by the
``test_dashboard_*`` modules (not a conftest: other analytics tests share the folder)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.analytics.selectors.filters import EVERYTHING, DashboardFilter, today_month
from kefu.surveys import rules, tokens
from kefu.surveys.defaults import ensure_defaults
from kefu.surveys.instruments_data import SERVQUAL_ITEMS
from kefu.surveys.models import Instrument
from kefu.surveys.services import invitations
from kefu.surveys.services.responses import response_submit

ITEMS = [(code, dimension) for code, dimension, *_rest in SERVQUAL_ITEMS]


def submit(code: str, answers: dict, *, customer=None, user=None, ticket=None, branch=None,
           team=None, tier=None, agent=None, channel=""):
    """One response to the shipped instrument ``code`` with the given slice."""
    instrument = Instrument.objects.get(code=code)
    version = instrument.versions.get(status=rules.VersionStatus.PUBLISHED)
    now = timezone.now()
    invitation = invitations.build(
        version=version, channel="email", expires_at=now + timedelta(days=30), now=now,
        customer=customer, user=user, ticket=ticket,
        branch_id=branch.pk if branch else None, team_id=team.pk if team else None,
        tier_id=tier.pk if tier else None, agent_id=agent.pk if agent else None,
        contact_channel=channel)
    invitation.save()
    return response_submit(token=tokens.token_for(invitation.token_salt), answers=answers)


def servqual(expectation: dict[str, int], perception: dict[str, int], weights=None) -> dict:
    """Every item of a dimension gets that dimension's expectation and perception."""
    out = {code: {"expectation": expectation[dim], "perception": perception[dim]}
           for code, dim in ITEMS}
    if weights:
        out["weights"] = weights
    return out


def zone(desired: dict, adequate: dict, perceived: dict) -> dict:
    return {code: {"desired": desired[dim], "adequate": adequate[dim],
                   "perception": perceived[dim]} for code, dim in ITEMS}


def same(value: int) -> dict[str, int]:
    return {d.value: value for d in rules.DIMENSIONS}


def everything(**kw) -> DashboardFilter:
    month = today_month()
    return DashboardFilter(start=month, end=month, scope=kw.pop("scope", EVERYTHING), **kw)


@pytest.fixture
def surveys_ready(db, settings):
    settings.PUBLIC_URL = "https://help.example.com"
    ensure_defaults()
