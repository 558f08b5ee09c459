"""The public service-quality supervision page: nothing while switched off (404, for
everybody); switched on by an administrator, live CSAT and NPS per branch with their
numbers of answers, small samples as "too few answers", both languages, briefly cached —
and never a customer's, agent's or team's name, an address or an answer's words."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from kefu.analytics.models import PublicPage, QualityEvent
from kefu.analytics.quality_services import public_page_current, public_page_save
from kefu.core.errors import ApplicationError, PermissionDenied
from kefu.core.testing.console import signed_in

from .quality_helpers import answer, instruments

URL = "/quality/public/"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def answers(company, make_ticket):
    """East: CSAT 1, 2, 5 (one satisfied of three: 33.3%), NPS 10, 9, 3 (+33.3).
    West: one CSAT 5 and no NPS."""
    instruments()
    for rating, score in ((1, 10), (2, 9), (5, 3)):
        ticket = make_ticket(company.agent_east, company.alice)
        answer("csat", {"rating": rating, "comment": "等了太久 waited too long"},
               customer=company.alice, ticket=ticket, branch=company.east,
               team=company.east_team, agent=company.agent_east)
        answer("nps", {"score": score, "why": "秘密 secret"}, customer=company.alice,
               branch=company.east)
    ticket = make_ticket(company.agent_west, company.bob)
    answer("csat", {"rating": 5}, customer=company.bob, ticket=ticket, branch=company.west,
           team=company.west_team, agent=company.agent_west)


def switch_on(company, **changes):
    page = public_page_current()
    page.enabled = True
    page.min_n = 2
    for name, value in changes.items():
        setattr(page, name, value)
    return public_page_save(actor=company.admin, page=page)


def test_it_shows_nothing_while_off(company, answers, client):
    assert not public_page_current().enabled  # off by default
    assert client.get(URL).status_code == 404
    assert signed_in(company.admin).get(URL).status_code == 404
    assert "33.3" not in client.get(URL + "?lang=en").content.decode()


def test_switched_on_it_shows_each_branch_with_its_sample_size(company, answers, client):
    switch_on(company)
    html = client.get(URL + "?lang=en").content.decode()
    east = html.split("<th scope=\"row\">East</th>")[1].split("</tr>")[0]
    west = html.split("<th scope=\"row\">West</th>")[1].split("</tr>")[0]
    # east: 1 of 3 satisfied = 33.3%; NPS (1 detractor, 2 promoters) = +33.3; 3 answers each
    assert "33.3% <span class=\"meta\">(3 answers)" in east
    assert "33.3 <span class=\"meta\">(3 answers)" in east
    # west: one CSAT answer and no NPS: below the minimum of 2
    assert east.count("too few answers") == 0 and west.count("too few answers") == 2
    assert "(n = 1)" in west and "(n = 0)" in west


def test_it_never_shows_personal_data(company, answers, client):
    switch_on(company, min_n=1)
    for lang in ("en", "zh-hans"):
        html = client.get(URL + f"?lang={lang}").content.decode()
        for secret in ("爱丽丝", "Alice", "鲍勃", "Bob", "alice@example.com", "bob@example.com",
                       "agent-east", "agent-west", "东区服务台", "East desk", "West desk",
                       "等了太久", "waited too long", "秘密", "secret", "/tickets/", "csrf"):
            assert secret not in html, (lang, secret)


def test_both_languages(company, answers, client):
    switch_on(company, title="服务质量监督平台", title_en="Service-quality supervision")
    zh = client.get(URL + "?lang=zh-hans")
    en = client.get(URL + "?lang=en")
    assert zh["Content-Language"] == "zh-Hans" and en["Content-Language"] == "en"
    assert "服务质量监督平台" in zh.content.decode() and "东区" in zh.content.decode()
    assert "Service-quality supervision" in en.content.decode()
    assert ">East<" in en.content.decode() and ">English<" in zh.content.decode()


def test_it_is_cached_briefly_and_forgotten_when_the_page_changes(company, answers, client,
                                                                  make_ticket):
    switch_on(company, cache_seconds=60)
    first = client.get(URL + "?lang=en")
    assert first["Cache-Control"] == "public, max-age=60"
    # a new answer does not show until the cache expires …
    ticket = make_ticket(company.agent_west, company.bob)
    answer("csat", {"rating": 1}, customer=company.bob, ticket=ticket, branch=company.west)
    assert client.get(URL + "?lang=en").content == first.content
    # … or an administrator changes the page
    switch_on(company, cache_seconds=60, min_n=1)
    html = client.get(URL + "?lang=en").content.decode()
    west = html.split("<th scope=\"row\">West</th>")[1].split("</tr>")[0]
    assert "50.0% <span class=\"meta\">(2 answers)" in west


def test_switched_off_again_it_disappears_at_once(company, answers, client):
    switch_on(company, cache_seconds=600)
    assert client.get(URL).status_code == 200
    page = public_page_current()
    page.enabled = False
    public_page_save(actor=company.admin, page=page)
    assert client.get(URL).status_code == 404


@pytest.mark.parametrize("field, value", [("months", 0), ("months", 25), ("min_n", 0),
                                          ("cache_seconds", 7200), ("title", "x" * 121),
                                          ("enabled", "yes")])
def test_bad_settings_are_refused_and_nothing_changes(company, field, value):
    page = public_page_current()
    setattr(page, field, value)
    with pytest.raises(ApplicationError) as caught:
        public_page_save(actor=company.admin, page=page)
    assert caught.value.details["field"] == field
    stored = PublicPage.objects.get()
    assert (stored.enabled, stored.months, stored.min_n, stored.cache_seconds) == (
        False, 3, 10, 60)
    assert not QualityEvent.objects.exists()


@pytest.mark.parametrize("who", ["supervisor_east", "auditor", "agent_east"])
def test_only_administrators_switch_it_on(company, who):
    page = public_page_current()
    page.enabled = True
    with pytest.raises(PermissionDenied):
        public_page_save(actor=getattr(company, who), page=page)
    assert not PublicPage.objects.get().enabled


def test_the_admin_screen_switches_it_on(company, answers, client):
    public_page_current()
    admin = signed_in(company.admin, "en")
    response = admin.post("/admin/analytics/publicpage/1/change/", {
        "enabled": "on", "title": "", "title_en": "", "months": "3", "min_n": "1",
        "cache_seconds": "0"})
    assert response.status_code == 302
    assert PublicPage.objects.get().enabled
    assert client.get(URL).status_code == 200
    assert QualityEvent.objects.filter(kind="public_page_changed").count() == 1


def test_only_get(company, client):
    switch_on(company)
    assert client.post(URL).status_code == 405
