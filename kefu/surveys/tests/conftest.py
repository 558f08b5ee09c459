"""Fixtures shared by the survey tests: the shipped instruments, invitations of every kind,
answers that pass, and a few helpers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.surveys import rules, tokens
from kefu.surveys.defaults import ensure_defaults
from kefu.surveys.instruments_data import SERVQUAL_ITEMS
from kefu.surveys.models import Instrument, InstrumentVersion
from kefu.surveys.services import invitations


@pytest.fixture(autouse=True)
def survey_settings(settings):
    settings.PUBLIC_URL = "https://help.example.com"
    settings.SURVEY_SUBMIT_LIMIT_PER_HOUR = 1000
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def shipped(db):
    """The instruments kefu ships, by code."""
    ensure_defaults()
    return {i.code: i for i in Instrument.objects.all()}


def published(instrument: Instrument) -> InstrumentVersion:
    return instrument.versions.get(status=rules.VersionStatus.PUBLISHED)


def invite(instrument: Instrument, *, customer=None, user=None, ticket=None, channel="email",
           expires_days=30, **snapshot):
    """An invitation (saved) and the token of its link."""
    now = timezone.now()
    invitation = invitations.build(version=published(instrument), channel=channel,
                                   expires_at=now + timedelta(days=expires_days), now=now,
                                   customer=customer, user=user, ticket=ticket, **snapshot)
    invitation.save()
    return invitation, tokens.token_for(invitation.token_salt)


@pytest.fixture
def invite_to():
    return invite


def servqual_answers(columns=("expectation", "perception"), value=5, weights=True) -> dict:
    answers = {code: {c: value for c in columns} for code, *_rest in SERVQUAL_ITEMS}
    if weights:
        answers["weights"] = {"tangibles": 10, "reliability": 30, "responsiveness": 20,
                              "assurance": 20, "empathy": 20}
    return answers


@pytest.fixture
def sq_answers():
    return servqual_answers
