"""Fixtures shared by the workflow tests."""

import pytest

from kefu.workflow.services import sla as sla_service


@pytest.fixture(autouse=True)
def clean_sla_caches(settings):
    """Reference caches off (the test default), SLA escalation after 30 minutes, and nothing
    cached across tests."""
    settings.REFERENCE_CACHE_SECONDS = 0
    settings.SLA_ESCALATE_AFTER_MINUTES = 30
    caches = (sla_service.POLICIES, sla_service.POLICY_NAMES, sla_service.CALENDARS,
              sla_service.CLOSED_DAYS)
    for cache in caches:
        cache.clear()
    sla_service._BRANCH_CALENDARS.clear()
    yield
    for cache in caches:
        cache.clear()
    sla_service._BRANCH_CALENDARS.clear()
