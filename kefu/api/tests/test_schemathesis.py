"""Property-based API testing from our own OpenAPI document (schemathesis): whatever
schema-shaped or malformed input arrives, the API never answers 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from kefu.accounts.services import token_create


def _test_app():
    """The real WSGI app, minus closing the DB connection after each request (as Django's own
    test client does), so requests run inside the test's transaction."""
    app = get_wsgi_application()

    def wsgi(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = app(environ, start_response)
            body = b"".join(result)
            result.close()  # fires request_finished while the handler is disconnected
            return [body]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
    return wsgi


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _test_app())


@pytest.fixture
def admin_token(company, make_ticket):
    make_ticket(company.agent_east, company.alice)
    make_ticket(company.customer_user, company.alice)
    return token_create(user=company.admin)[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx(case, admin_token):
    response = case.call(headers={"Authorization": f"Bearer {admin_token}"})
    case.validate_response(response, checks=[not_a_server_error])
