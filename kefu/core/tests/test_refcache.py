"""The per-process reference cache: hits need no query, a save clears it, a row another
process added is found, and TTL 0 turns it off."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.accounts import lookups
from kefu.accounts.models import Team
from kefu.core.refcache import RowCache, TableCache
from kefu.customers import lookups as customer_lookups
from kefu.customers.lookups import customer_labels
from kefu.tickets import selectors
from kefu.tickets.models import Category


@pytest.fixture
def cache_on(settings):
    settings.REFERENCE_CACHE_SECONDS = 30
    caches = (lookups.TEAMS, lookups.PEOPLE, selectors.CATEGORIES, customer_lookups.TIERS,
              customer_lookups.CUSTOMER_LABELS)
    for cache in caches:
        cache.clear()
    yield
    for cache in caches:
        cache.clear()


def test_table_cache_serves_hits_without_queries(company, cache_on):
    lookups.teams_by_id()
    with CaptureQueriesContext(connection) as ctx:
        teams = lookups.teams_by_id({company.east_team.pk})
    assert len(ctx.captured_queries) == 0
    assert teams[company.east_team.pk].code == "east-desk"


def test_a_save_in_this_process_clears_the_cache(company, cache_on):
    lookups.teams_by_id()
    company.east_team.name_en = "East service desk"
    company.east_team.save()
    assert lookups.teams_by_id()[company.east_team.pk].name_en == "East service desk"


def test_a_row_added_elsewhere_is_found_by_reloading(company, cache_on):
    lookups.teams_by_id()
    # a row inserted without this process's signals (as another process would)
    Team.objects.bulk_create([Team(code="night", name="夜班", name_en="Night shift")])
    new = Team.objects.get(code="night")
    assert new.pk not in lookups.TEAMS.all()
    assert lookups.teams_by_id({new.pk})[new.pk].code == "night"


def test_category_labels_follow_edits(company, cache_on):
    parent = Category.objects.create(code="delivery", name="配送", name_en="Delivery")
    child = Category.objects.create(code="late", name="配送延误", name_en="Late", parent=parent)
    assert selectors.category_paths()[child.pk].startswith("配送")
    parent.name = "物流"
    parent.save()
    assert selectors.category_paths()[child.pk] == "物流 › 配送延误"


def test_row_cache_loads_only_misses(company, cache_on):
    calls = []

    def load(ids):
        calls.append(set(ids))
        return {i: f"row {i}" for i in ids}

    cache = RowCache(load)
    assert cache.get_many({1, 2}) == {1: "row 1", 2: "row 2"}
    assert cache.get_many({2, 3, None}) == {2: "row 2", 3: "row 3"}
    assert calls == [{1, 2}, {3}]


def test_ttl_zero_reads_every_time(company, settings):
    settings.REFERENCE_CACHE_SECONDS = 0
    loads = []
    cache = TableCache(lambda: loads.append(1) or {1: "x"})
    cache.all()
    cache.all()
    assert len(loads) == 2


def test_customer_labels_carry_name_and_tier(company, cache_on):
    labels = customer_labels({company.alice.pk, company.bob.pk})
    assert labels[company.alice.pk].name == "爱丽丝"
    assert labels[company.alice.pk].tier.code == "vip"
    assert labels[company.bob.pk].tier.code == "regular"
