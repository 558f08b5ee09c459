"""Shared pytest fixtures: a small company (branches, teams, users of every role),
customers, tickets and API clients. Tests build on these instead of repeating set-up."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

from kefu.accounts.models import Branch, Team, User
from kefu.accounts.services import token_create, user_create
from kefu.customers.models import Customer, Tier
from kefu.tickets.services import ticket_create

# No time limit per generated example: `make test` runs the SQLite and PostgreSQL halves at
# once on a CI machine with two cores, and a property test is about its property, not its
# speed (that is `make bench`'s job). A test that sets its own deadline keeps it, and the
# rest of the profile in force (Hypothesis's own "ci" one on CI) is kept.
hypothesis_settings.register_profile("kefu", hypothesis_settings.default, deadline=None)
hypothesis_settings.load_profile("kefu")


@pytest.fixture(scope="session", autouse=True)
def _flush_postgresql_by_delete():
    """After each transactional test Django empties every table. On PostgreSQL it does so with
    one ``TRUNCATE`` of all ~100 tables, which makes new files for each table and index and
    costs a second or more per test; ``DELETE`` of the few rows such a test wrote takes
    milliseconds. The same tables are emptied in one transaction (foreign keys checked at its
    end), sequences are left alone as before; a flush that resets sequences or cascades
    (``reset_sequences``, ``available_apps``) keeps Django's ``TRUNCATE``."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences,
                            allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('SET CONSTRAINTS ALL DEFERRED')};", *(
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(t))};"
            for t in tables)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@dataclass
class Company:
    hq_team: Team
    east_team: Team
    west_team: Team
    east: Branch
    west: Branch
    admin: User
    auditor: User
    supervisor_east: User
    agent_east: User
    agent_west: User
    agent_hq: User
    customer_user: User
    other_customer_user: User
    vip: Tier
    regular: Tier
    alice: Customer  # east branch, has a portal login (customer_user)
    bob: Customer  # west branch, has a portal login (other_customer_user)


@pytest.fixture
def company(db) -> Company:
    east = Branch.objects.create(code="east", name="东区", name_en="East")
    west = Branch.objects.create(code="west", name="西区", name_en="West")
    hq_team = Team.objects.create(code="hq", name="总部热线", name_en="HQ hotline")
    east_team = Team.objects.create(code="east-desk", name="东区服务台", name_en="East desk", branch=east)
    west_team = Team.objects.create(code="west-desk", name="西区服务台", name_en="West desk", branch=west)
    vip = Tier.objects.create(code="vip", name="VIP", name_en="VIP", rank=10)
    regular = Tier.objects.create(code="regular", name="普通", name_en="Regular", rank=100)

    def user(name, role, **kw):
        return user_create(username=name, password="pw-" + name + "-123", role=role, **kw)

    customer_user = user("alice", "customer")
    other_customer_user = user("bob", "customer")
    alice = Customer.objects.create(name="爱丽丝", name_en="Alice", tier=vip, branch=east,
                                    email="alice@example.com", user=customer_user)
    bob = Customer.objects.create(name="鲍勃", name_en="Bob", tier=regular, branch=west,
                                  email="bob@example.com", user=other_customer_user)
    return Company(
        hq_team=hq_team, east_team=east_team, west_team=west_team, east=east, west=west,
        admin=user("root", "admin"), auditor=user("audit", "auditor"),
        supervisor_east=user("sup-east", "supervisor", branch=east, teams=[east_team]),
        agent_east=user("agent-east", "agent", branch=east, teams=[east_team]),
        agent_west=user("agent-west", "agent", branch=west, teams=[west_team]),
        agent_hq=user("agent-hq", "agent", teams=[hq_team]),
        customer_user=customer_user, other_customer_user=other_customer_user,
        vip=vip, regular=regular, alice=alice, bob=bob)


class ApiClient:
    """A Django test client that speaks JSON with a bearer token."""

    def __init__(self, user: User | None):
        self.client = Client()
        self.user = user
        self.headers = {}
        if user is not None:
            _token, raw = token_create(user=user)
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"

    def _call(self, method, path, data=None, raw=None, headers=None, **kw):
        extra = {**self.headers, **(headers or {})}
        fn = getattr(self.client, method)
        if raw is not None:
            return fn(path, data=raw, content_type="application/json", **extra)
        if method in ("post", "patch", "put") and data is not None and "format" not in kw:
            return fn(path, data=json.dumps(data), content_type="application/json", **extra)
        if method in ("post",) and data is None:
            return fn(path, content_type="application/json", **extra)
        return fn(path, data=data, **extra)

    def get(self, path, params=None, **kw):
        return self._call("get", path, params, **kw)

    def post(self, path, data=None, **kw):
        return self._call("post", path, data, **kw)

    def patch(self, path, data=None, **kw):
        return self._call("patch", path, data, **kw)

    def delete(self, path, **kw):
        return self._call("delete", path, **kw)


@pytest.fixture
def api_as():
    return ApiClient


@pytest.fixture
def make_ticket():
    def make(actor, customer, **kw):
        kw.setdefault("subject", "测试工单 test ticket")
        ticket, _created = ticket_create(actor=actor, customer=customer, **kw)
        return ticket
    return make
