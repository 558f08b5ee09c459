"""The dashboard pages, drill-down lists and exports in the console: who may open them,
what a branch supervisor sees (and cannot see: another branch's responses and tickets),
bad filters refused, both languages, constant query counts."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from kefu.tickets.models import Category

from .dashboard_data import same, servqual, submit, surveys_ready  # noqa: F401


def client_for(user, language="en"):
    """A signed-in client; the user's own language decides the page's."""
    user.language = language
    user.save(update_fields=["language"])
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def data(company, surveys_ready, make_ticket):  # noqa: F811
    east = submit("servqual", servqual(same(6), same(4)), customer=company.alice,
                  branch=company.east, team=company.east_team)
    west = submit("servqual", servqual(same(5), same(5)), customer=company.bob,
                  branch=company.west, team=company.west_team)
    submit("csat", {"rating": 5}, customer=company.alice, branch=company.east,
           team=company.east_team, agent=company.agent_east)
    cat = Category.objects.create(code="billing", name="账单", name_en="Billing")
    east_ticket = make_ticket(company.agent_east, company.alice, type="complaint",
                              category=cat, team=company.east_team, subject="东区投诉")
    west_ticket = make_ticket(company.agent_west, company.bob, type="complaint", category=cat,
                              team=company.west_team, subject="西区投诉 secret-west")
    return {"east": east, "west": west, "east_ticket": east_ticket, "west_ticket": west_ticket,
            "category": cat}


def _data(html: str) -> dict:
    start = html.index(">", html.index('id="dash-data"')) + 1
    return json.loads(html[start:html.index("</script>", start)])


@pytest.mark.parametrize("path", ["/dashboards/", "/dashboards/scores/", "/dashboards/tickets/"])
def test_pages_open_for_managers_not_agents(company, data, path):
    for user in (company.admin, company.auditor, company.supervisor_east):
        assert client_for(user).get(path).status_code == 200
    # agents get no dashboards; customers neither; anonymous users are sent to sign in
    assert client_for(company.agent_east).get(path).status_code == 403
    assert client_for(company.customer_user).get(path).status_code == 403
    assert Client().get(path).status_code == 302


def test_supervisor_sees_only_their_branch(company, data):
    sup = client_for(company.supervisor_east)
    page = sup.get("/dashboards/")
    assert _data(page.content.decode())["overview"]["respondents"] == 1
    # asking for the west branch gives nothing, not the west's figures
    west = sup.get(f"/dashboards/?branch={company.west.pk}")
    assert _data(west.content.decode())["overview"]["respondents"] == 0
    admin = _data(client_for(company.admin).get("/dashboards/").content.decode())
    assert admin["overview"]["respondents"] == 2
    # the filter offers only their branch
    assert f'value="{company.west.pk}"' not in page.content.decode().split('name="branch"')[1] \
        .split("</select>")[0]


def test_drill_down_lists_respect_scope(company, data):
    sup = client_for(company.supervisor_east)
    listed = sup.get("/dashboards/responses/?instrument=servqual").content.decode()
    assert f'/dashboards/responses/{data["east"].pk}/' in listed
    assert f'/dashboards/responses/{data["west"].pk}/' not in listed
    also = sup.get(f"/dashboards/responses/?instrument=servqual&branch={company.west.pk}")
    assert f'/dashboards/responses/{data["west"].pk}/' not in also.content.decode()
    # the west response itself: 404, as if it did not exist
    assert sup.get(f"/dashboards/responses/{data['west'].pk}/").status_code == 404
    assert sup.get(f"/dashboards/responses/{data['east'].pk}/").status_code == 200
    tickets = sup.get("/dashboards/tickets/list/?metric=complaints").content.decode()
    assert "东区投诉" in tickets and "secret-west" not in tickets
    assert "secret-west" in client_for(company.admin).get(
        "/dashboards/tickets/list/?metric=complaints").content.decode()


def test_drill_down_follows_the_figure(company, data):
    admin = client_for(company.admin)
    page = admin.get("/dashboards/tickets/").content.decode()
    link = f"metric=complaints&amp;category={data['category'].pk}"
    assert link in page
    listed = admin.get(f"/dashboards/tickets/list/?metric=complaints&category={data['category'].pk}")
    assert listed.content.decode().count('class="ticket-link"') == 2
    csat = admin.get(f"/dashboards/responses/?instrument=csat&team={company.east_team.pk}&low=4")
    assert csat.content.decode().count('class="response-link"') == 1
    none = admin.get(f"/dashboards/responses/?instrument=csat&team={company.east_team.pk}&high=3")
    assert 'id="drill-empty"' in none.content.decode()


@pytest.mark.parametrize("query, message", [
    ("start=2026-13", "YYYY-MM"), ("start=abc", "YYYY-MM"), ("branch=-1", "positive"),
    ("start=2026-06&end=2026-01", "end before"), ("start=2000-01&end=2026-01", "120 months"),
    ("channel=%3Cscript%3E", "Unknown channel"),
])
def test_bad_filters_are_refused_clearly(company, query, message):
    got = client_for(company.admin).get(f"/dashboards/?{query}")
    assert got.status_code == 400
    assert message in got.content.decode()


def test_bad_drill_input(company, data):
    admin = client_for(company.admin)
    assert admin.get("/dashboards/tickets/list/?metric=nope").status_code == 400
    assert admin.get("/dashboards/responses/?instrument=nope").status_code == 400
    assert admin.get("/dashboards/responses/?instrument=servqual&low=3").status_code == 400
    assert admin.get("/dashboards/responses/?instrument=csat&low=900").status_code == 400
    assert admin.get("/dashboards/responses/?instrument=csat&cursor=garbage").status_code == 400


def test_chinese_and_english(company, data):
    zh = client_for(company.admin, "zh-hans").get("/dashboards/").content.decode()
    en = client_for(company.admin, "en").get("/dashboards/").content.decode()
    assert "有形性" in zh and "Tangibles" in en
    assert "Service quality" in en


def test_exports_csv_and_xlsx(company, data):
    admin = client_for(company.admin)
    got = admin.get("/dashboards/export/servqual-dimensions.csv")
    assert got.status_code == 200 and got["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Dimension" and len(rows) == 6
    # tangibles: E (6+5)/2, gap (−2+0)/2
    assert rows[1][1] == "5.5" and rows[1][9] == "-1.0"
    book = load_workbook(io.BytesIO(admin.get("/dashboards/export/complaint-pareto.xlsx").content))
    sheet = book.active
    assert [c.value for c in sheet[2]][:2] == ["Billing", 2]
    sup = client_for(company.supervisor_east).get("/dashboards/export/complaint-pareto.csv")
    assert list(csv.reader(io.StringIO(sup.content.decode("utf-8-sig"))))[1][1] == "1"
    assert admin.get("/dashboards/export/nope.csv").status_code == 404
    assert admin.get("/dashboards/export/sla.pdf").status_code == 404
    assert client_for(company.agent_east).get("/dashboards/export/sla.csv").status_code == 403


def test_every_table_exports(company, data):
    from kefu.analytics.exports import TABLES

    admin = client_for(company.admin)
    for name in TABLES:
        for fmt in ("csv", "xlsx"):
            assert admin.get(f"/dashboards/export/{name}.{fmt}").status_code == 200, name


PAGES = (("/dashboards/", 10), ("/dashboards/scores/", 15), ("/dashboards/tickets/", 10),
         ("/dashboards/responses/?instrument=csat&low=1", 7),
         ("/dashboards/tickets/list/?metric=complaints", 5),
         ("/dashboards/tickets/list/?metric=not_fcr", 5))


def test_page_query_counts_do_not_grow(company, data, django_assert_max_num_queries,
                                       make_ticket):
    admin = client_for(company.admin)
    admin.get("/dashboards/")
    for path, most in PAGES:
        with django_assert_max_num_queries(most):
            admin.get(path)
    for _ in range(5):
        make_ticket(company.agent_east, company.alice, type="complaint",
                    category=data["category"], team=company.east_team)
        submit("csat", {"rating": 3}, customer=company.alice, branch=company.east,
               team=company.west_team, agent=company.agent_west)
    for path, most in PAGES:
        with django_assert_max_num_queries(most):
            admin.get(path)


def test_management_answers_drill_like_their_figure(company, data):
    # given a head-office manager's answer (no branch, no team) and a west branch one
    from .dashboard_data import ITEMS

    answers = {code: {"expectation": 4} for code, _dim in ITEMS}
    hq = submit("management", answers, user=company.admin)
    west = submit("management", answers, user=company.agent_west, branch=company.west)
    sup = client_for(company.supervisor_east)
    # then the east supervisor's gaps model counts the head-office answer only …
    page = _data(sup.get("/dashboards/").content.decode())
    assert page["gaps_model"]["management_respondents"] == 1
    # … and the drill-down lists and opens it, not the west one
    listed = sup.get("/dashboards/responses/?instrument=management").content.decode()
    assert f"/dashboards/responses/{hq.pk}/" in listed
    assert f"/dashboards/responses/{west.pk}/" not in listed
    assert sup.get(f"/dashboards/responses/{hq.pk}/").status_code == 200
    assert sup.get(f"/dashboards/responses/{west.pk}/").status_code == 404
    # customer responses without a branch stay out of a branch supervisor's reach
    loose = submit("servqual", servqual(same(5), same(5)), customer=company.bob)
    assert sup.get(f"/dashboards/responses/{loose.pk}/").status_code == 404


def test_drill_down_lists_export_within_scope(company, data):
    sup = client_for(company.supervisor_east)
    got = sup.get("/dashboards/tickets/list/export.csv?metric=complaints")
    assert got.status_code == 200
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    subjects = [r[1] for r in rows[1:]]  # (a low score may have opened a recovery complaint)
    assert "东区投诉" in subjects and not any("secret-west" in s for s in subjects)
    book = load_workbook(io.BytesIO(sup.get(
        "/dashboards/responses/export.xlsx?instrument=servqual").content))
    ids = [row[0].value for row in book.active.iter_rows(min_row=2)]
    assert ids == [data["east"].pk]
    assert sup.get("/dashboards/responses/export.pdf?instrument=servqual").status_code == 404
    assert client_for(company.agent_east).get(
        "/dashboards/tickets/list/export.csv").status_code == 403


def test_list_export_pages_through_and_stops_at_the_cap(monkeypatch):
    from kefu.analytics import exports

    monkeypatch.setattr(exports, "MAX_LIST_ROWS", 250)
    calls = []

    def fetch(cursor):
        start = int(cursor or 0)
        calls.append(start)
        return {"items": [{"n": i} for i in range(start, start + 100)],
                "next": str(start + 100)}

    got = exports._pages(fetch)
    assert [item["n"] for item in got] == list(range(250)) and calls == [0, 100, 200]


def test_tabs_link_to_the_impact_page(company, data):
    # given any dashboard page
    for path in ("/dashboards/", "/dashboards/scores/", "/dashboards/tickets/"):
        page = client_for(company.supervisor_east).get(f"{path}?start=2026-01&end=2026-03")
        # then its tab bar links to the impact page, with the same filter
        html = page.content.decode()
        tab = html[html.index('id="tab-impact"') - 200:html.index('id="tab-impact"')]
        assert 'href="/quality/impact/?' in tab and "start=2026-01" in tab


def test_response_page_shows_its_recovery_ticket_to_those_who_may_see_it(company, data):
    from kefu.surveys.models import RecoveryLink

    # given two low ratings answered at the east desk: alice's (an east customer: the
    # recovery ticket goes to the east desk) and bob's (a west customer: to the west desk)
    east = submit("csat", {"rating": 1}, customer=company.alice, branch=company.east,
                  team=company.east_team)
    west = submit("csat", {"rating": 1}, customer=company.bob, branch=company.east,
                  team=company.east_team)
    east_ticket = RecoveryLink.objects.get(response=east).ticket
    west_ticket = RecoveryLink.objects.get(response=west).ticket
    assert (east_ticket.team, west_ticket.team) == (company.east_team, company.west_team)
    # when the east supervisor opens both responses (both in their dashboards' scope)
    sup = client_for(company.supervisor_east)
    mine = sup.get(f"/dashboards/responses/{east.pk}/").content.decode()
    other = sup.get(f"/dashboards/responses/{west.pk}/")
    # then their own branch's recovery ticket is shown with its link and why
    assert f'href="/tickets/{east_ticket.pk}/"' in mine and 'id="response-recovery"' in mine
    assert "satisfaction rating 1" in mine
    # the west desk's is not named at all: not its link, nor its subject
    assert other.status_code == 200
    html = other.content.decode()
    assert 'id="response-recovery"' not in html
    assert f"/tickets/{west_ticket.pk}/" not in html and west_ticket.subject not in html
    # administrators and auditors see both, in either language
    for user, language in ((company.admin, "en"), (company.auditor, "zh-hans")):
        page = client_for(user, language).get(f"/dashboards/responses/{west.pk}/")
        assert f'href="/tickets/{west_ticket.pk}/"' in page.content.decode()
    # a response that opened nothing shows nothing
    quiet = client_for(company.admin).get(f"/dashboards/responses/{data['west'].pk}/")
    assert 'id="response-recovery"' not in quiet.content.decode()


def test_response_page_query_count(company, data, django_assert_max_num_queries):
    response = submit("csat", {"rating": 1}, customer=company.alice, branch=company.east,
                      team=company.east_team)
    sup = client_for(company.supervisor_east)
    sup.get(f"/dashboards/responses/{response.pk}/")
    with django_assert_max_num_queries(12):
        assert sup.get(f"/dashboards/responses/{response.pk}/").status_code == 200
