"""Signed-in users remembered per process (KEFU_TOKEN_CACHE_SECONDS): fewer queries per
page, while signing out, deactivation and team changes in this process act at once."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kefu.core import middleware


@pytest.fixture
def cache_on(settings):
    settings.TOKEN_CACHE_SECONDS = 15
    middleware.forget_session_users()
    yield
    middleware.forget_session_users()


def queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    return response, len(ctx.captured_queries)


def test_a_remembered_user_saves_queries(company, cache_on, settings):
    client = Client()
    client.force_login(company.agent_east)
    client.get("/inbox/")
    _response, cached = queries(client, "/inbox/")
    middleware.forget_session_users()
    settings.TOKEN_CACHE_SECONDS = 0
    _response, uncached = queries(client, "/inbox/")
    assert cached <= uncached - 2  # the user and their teams


def test_signing_out_ends_access_at_once(company, cache_on):
    client = Client()
    client.force_login(company.agent_east)
    assert client.get("/inbox/").status_code == 200
    client.post("/logout/")
    assert client.get("/inbox/").status_code == 302


def test_deactivating_a_user_here_acts_at_once(company, cache_on):
    client = Client()
    client.force_login(company.agent_east)
    assert client.get("/inbox/").status_code == 200
    company.agent_east.is_active = False
    company.agent_east.save()
    assert client.get("/inbox/").status_code == 302


def test_a_team_change_here_acts_at_once(company, make_ticket, cache_on):
    ticket = make_ticket(company.agent_west, company.bob)
    client = Client()
    client.force_login(company.agent_east)
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    company.agent_east.teams.add(company.west_team)
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 200
