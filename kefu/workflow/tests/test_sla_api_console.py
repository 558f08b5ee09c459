"""SLA and alerts as people see them: the "sla" summary in the ticket JSON, a ticket's
targets (GET /api/v1/tickets/{id}/sla), the caller's alerts (GET /api/v1/alerts, POST
/api/v1/alerts/read), the inbox's SLA badge, the ticket page's SLA panel in both languages,
and the console's alerts page with the unread count in the header.

Where a state depends on the clock, the due columns are set relative to the real ``now``,
or ``django.utils.timezone.now`` is patched around the request."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kefu.core.testing.console import ticket_page
from kefu.tickets import services as ticket_services
from kefu.tickets.models import Ticket
from kefu.workflow.defaults import ensure_defaults
from kefu.workflow.models import Alert, Calendar, SlaPolicy
from kefu.workflow.services.alerts import alert_create
from kefu.workflow.services.sla import ALERT_TEXTS, TARGET_NAMES
from kefu.workflow.sla_rules import Stage, Target

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
SUMMARY_KEYS = {"first_response_due", "next_update_due", "resolution_due", "due", "state"}


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SH)


@contextmanager
def at(moment: datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(UTC)):
        yield


@pytest.fixture
def policies(company):
    """The default policy (240 / 1,350) and a VIP one (60 / next update 120 / 900)."""
    ensure_defaults()
    calendar = Calendar.objects.get(code="standard")
    return SlaPolicy.objects.create(
        name="VIP 客户", name_en="VIP customers", order=10, tier=company.vip, calendar=calendar,
        first_response_minutes=60, next_update_minutes=120, resolution_minutes=900,
        warn_at_percent=50)


@pytest.fixture
def answered(company, policies, make_ticket) -> Ticket:
    """Alice's VIP ticket on the east desk, Monday 09:00, answered at 09:30: first response
    met after 30 business minutes, next update due 11:30, resolution due Tuesday 18:00."""
    with at(MONDAY):
        ticket = make_ticket(company.agent_east, company.alice, subject="快递丢失 parcel lost")
    with at(sh(2026, 3, 2, 9, 30)):
        ticket_services.ticket_reply(ticket=ticket, actor=company.agent_east, body="正在查询")
    return Ticket.objects.get(pk=ticket.pk)


def signed_in(user, **headers) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def set_due(ticket, *, due, warn=None):
    Ticket.objects.filter(pk=ticket.pk).update(sla_due=due, sla_warn_at=warn)


def sla_alert(user, ticket=None, stage=Stage.WARNED) -> Alert:
    kind = Alert.Kind.SLA_WARNING if stage == Stage.WARNED else Alert.Kind.SLA_BREACH
    return alert_create(user=user, kind=kind, ticket=ticket, message=ALERT_TEXTS[stage],
                        number=ticket.pk if ticket else 0,
                        target=TARGET_NAMES[Target.FIRST_RESPONSE], due="2026-03-02 10:00",
                        owner="agent-east", target_code="first_response")


# --- the ticket JSON ------------------------------------------------------------------------


def test_ticket_json_summarises_the_sla_state(company, policies, api_as, make_ticket):
    # given bob's inquiry on the default policy, just arrived
    ticket = make_ticket(company.agent_west, company.bob)
    api = api_as(company.agent_west)
    # then the ticket JSON carries its due columns and the nearest target's state
    sla = api.get(f"/api/v1/tickets/{ticket.pk}").json()["sla"]
    assert set(sla) == SUMMARY_KEYS
    row = Ticket.objects.get(pk=ticket.pk)
    assert parse_datetime(sla["first_response_due"]) == row.first_response_due
    assert parse_datetime(sla["resolution_due"]) == row.resolution_due
    assert parse_datetime(sla["due"]) == row.sla_due == row.first_response_due
    assert sla["next_update_due"] is None and sla["state"] == "ok"
    # and the state follows the clock: in the warning window, past due, nothing running
    now = timezone.now()
    cases = [((now + timedelta(hours=1), now - timedelta(minutes=1)), "warning"),
             ((now - timedelta(minutes=5), now - timedelta(hours=1)), "breached"),
             ((None, None), "none")]
    for (due, warn), state in cases:
        set_due(ticket, due=due, warn=warn)
        assert api.get(f"/api/v1/tickets/{ticket.pk}").json()["sla"]["state"] == state
    # the list has the same summary per ticket
    items = api.get("/api/v1/tickets").json()["items"]
    assert [item["sla"]["state"] for item in items if item["id"] == ticket.pk] == ["none"]


def test_a_ticket_without_a_policy_says_none(company, api_as, make_ticket):
    ticket = make_ticket(company.agent_west, company.bob)
    sla = api_as(company.agent_west).get(f"/api/v1/tickets/{ticket.pk}").json()["sla"]
    assert sla == {"first_response_due": None, "next_update_due": None, "resolution_due": None,
                   "due": None, "state": "none"}


# --- GET /api/v1/tickets/{id}/sla -----------------------------------------------------------


def test_staff_see_every_target_with_its_state(company, answered, api_as, policies):
    # when agent_east looks at noon on Monday
    with at(sh(2026, 3, 2, 12, 0)):
        response = api_as(company.agent_east).get(f"/api/v1/tickets/{answered.pk}/sla")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["policy"] == {"id": policies.pk, "name": "VIP 客户"}
    targets = {t["target"]: t for t in body["targets"]}
    assert set(targets) == {"first_response", "next_update", "resolution"}
    # the first response was met at 09:30 (due 10:00), after 30 business minutes
    first = targets["first_response"]
    assert first["state"] == "met" and first["minutes"] == 60
    assert parse_datetime(first["due"]) == sh(2026, 3, 2, 10, 0)
    assert parse_datetime(first["met_at"]) == sh(2026, 3, 2, 9, 30)
    assert body["first_response_minutes"] == 30
    # the next update was due at 11:30: missed; the resolution runs until Tuesday 18:00
    assert targets["next_update"]["state"] == "breached"
    assert parse_datetime(targets["next_update"]["due"]) == sh(2026, 3, 2, 11, 30)
    assert targets["resolution"]["state"] == "running"
    assert parse_datetime(targets["resolution"]["due"]) == sh(2026, 3, 3, 18, 0)
    assert parse_datetime(targets["resolution"]["warn_at"]) == sh(2026, 3, 2, 18, 0)
    assert body["breached"] is True and body["resolution_minutes"] is None


def test_a_paused_ticket_shows_paused_targets(company, answered, api_as):
    with at(sh(2026, 3, 2, 10, 0)):
        ticket_services.ticket_transition(ticket=answered, actor=company.agent_east,
                                          status="pending_customer")
    with at(sh(2026, 3, 2, 12, 0)):
        body = api_as(company.agent_east).get(f"/api/v1/tickets/{answered.pk}/sla").json()
    states = {t["target"]: t["state"] for t in body["targets"]}
    assert states == {"first_response": "met", "next_update": "paused", "resolution": "paused"}
    assert body["breached"] is False


def test_ticket_sla_is_for_staff_who_can_see_the_ticket(company, answered, api_as):
    path = f"/api/v1/tickets/{answered.pk}/sla"
    # the ticket's own customer may see the ticket but not its targets and policy
    mine = api_as(company.customer_user).get(path)
    assert mine.status_code == 403 and mine.json()["code"]
    assert api_as(company.customer_user).get(f"/api/v1/tickets/{answered.pk}").status_code == 200
    # another customer, and an agent of another branch, learn nothing: not found
    assert api_as(company.other_customer_user).get(path).status_code == 404
    assert api_as(company.agent_west).get(path).status_code == 404
    # no token: unauthorised; a ticket that does not exist: not found
    assert api_as(None).get(path).status_code == 401
    assert api_as(company.agent_east).get("/api/v1/tickets/999999/sla").status_code == 404
    # the branch supervisor and an administrator may look
    assert api_as(company.supervisor_east).get(path).status_code == 200
    assert api_as(company.admin).get(path).status_code == 200


# --- alerts through the API -------------------------------------------------------------------


def test_alerts_list_only_the_callers_own_newest_first(company, answered, api_as):
    mine = [sla_alert(company.agent_east, answered) for _ in range(3)]
    theirs = sla_alert(company.agent_west, answered)
    Alert.objects.filter(pk=mine[0].pk).update(read_at=timezone.now())
    api = api_as(company.agent_east)
    body = api.get("/api/v1/alerts", headers={"HTTP_ACCEPT_LANGUAGE": "en"}).json()
    assert set(body) == {"items", "next"} and body["next"] is None
    assert [a["id"] for a in body["items"]] == [a.pk for a in reversed(mine)]
    assert theirs.pk not in {a["id"] for a in body["items"]}
    item = body["items"][0]
    assert set(item) == {"id", "kind", "text", "ticket_id", "created_at", "read_at"}
    assert (item["kind"], item["ticket_id"], item["read_at"]) == ("sla_warning", answered.pk, None)
    assert item["text"] == f"#{answered.pk}: the first response target is due at 2026-03-02 10:00."
    # only the unread ones
    unread = api.get("/api/v1/alerts", {"unread": "true"}).json()["items"]
    assert [a["id"] for a in unread] == [mine[2].pk, mine[1].pk]
    # pages follow the cursor
    first = api.get("/api/v1/alerts", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next"]
    second = api.get("/api/v1/alerts", {"limit": 2, "cursor": first["next"]}).json()
    assert [a["id"] for a in second["items"]] == [mine[0].pk] and second["next"] is None
    # and someone with no alerts gets an empty page
    assert api_as(company.agent_hq).get("/api/v1/alerts").json() == {"items": [], "next": None}


def test_alerts_list_query_count_does_not_grow_with_rows(company, answered, api_as):
    api = api_as(company.agent_east)
    api.get("/api/v1/alerts")  # the token's first use writes its last_used_at
    sla_alert(company.agent_east, answered)
    with CaptureQueriesContext(connection) as one:
        assert api.get("/api/v1/alerts").status_code == 200
    for _ in range(10):
        sla_alert(company.agent_east, answered)
    with CaptureQueriesContext(connection) as eleven:
        assert len(api.get("/api/v1/alerts").json()["items"]) == 11
    assert len(eleven) == len(one) == 2  # the token and the page


def test_marking_alerts_read_touches_only_the_callers_own(company, answered, api_as):
    mine = [sla_alert(company.agent_east, answered) for _ in range(3)]
    theirs = sla_alert(company.agent_west, answered)
    api = api_as(company.agent_east)
    # someone else's alert: nothing marked, and it stays unread
    response = api.post("/api/v1/alerts/read", {"ids": [theirs.pk]})
    assert response.status_code == 200 and response.json() == {"marked": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # one's own by id
    assert api.post("/api/v1/alerts/read", {"ids": [mine[0].pk, theirs.pk]}).json() == {
        "marked": 1}
    # an id that does not exist, and an empty list: nothing
    assert api.post("/api/v1/alerts/read", {"ids": [999999]}).json() == {"marked": 0}
    assert api.post("/api/v1/alerts/read", {"ids": []}).json() == {"marked": 0}
    # no ids: all of one's own that are unread, once
    assert api.post("/api/v1/alerts/read", {}).json() == {"marked": 2}
    assert api.post("/api/v1/alerts/read").json() == {"marked": 0}
    assert not Alert.objects.filter(user=company.agent_east, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("body", [
    {"ids": "1"}, {"ids": 5}, {"ids": ["1"]}, {"ids": [1.5]}, {"ids": [True]}, {"ids": [None]},
    {"ids": {"1": 1}}, {"id": [1]}, [1], "ids", {"ids": list(range(1, 502))},
])
def test_bad_input_to_mark_read_is_refused_and_marks_nothing(company, answered, api_as, body):
    alert = sla_alert(company.agent_east, answered)
    response = api_as(company.agent_east).post("/api/v1/alerts/read", body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_input"
    alert.refresh_from_db()
    assert alert.read_at is None


def test_malformed_json_and_bad_query_parameters_are_4xx(company, api_as):
    api = api_as(company.agent_east)
    assert api.post("/api/v1/alerts/read", raw="{not json").status_code == 400
    for params in ({"unread": "maybe"}, {"limit": "abc"}):
        assert api.get("/api/v1/alerts", params).status_code == 422
    for params in ({"limit": 0}, {"limit": 101}, {"cursor": "not-a-cursor"}):
        assert api.get("/api/v1/alerts", params).status_code == 400
    assert api_as(None).get("/api/v1/alerts").status_code == 401
    assert api_as(None).post("/api/v1/alerts/read", {}).status_code == 401


@pytest.mark.parametrize("huge", [2**63, 2**70])
def test_ids_out_of_range_are_refused_as_bad_input(company, api_as, huge):
    response = api_as(company.agent_east).post("/api/v1/alerts/read", {"ids": [huge]})
    assert response.status_code == 422


# --- the console ------------------------------------------------------------------------------


def inbox_rows(html: str) -> dict[int, str]:
    return {int(pk): row for pk, row in
            re.findall(r'<tr class="ticket-row" data-ticket="(\d+)">(.*?)</tr>', html, re.S)}


def test_inbox_rows_carry_an_sla_badge_coloured_by_state(company, policies, make_ticket):
    # given four of bob's tickets on the west desk: on time, due soon, overdue, nothing running
    ok, warning, breached, none = (make_ticket(company.agent_west, company.bob,
                                               subject=f"工单 {n}") for n in range(4))
    now = timezone.now()
    set_due(ok, due=now + timedelta(hours=2), warn=now + timedelta(hours=1))
    set_due(warning, due=now + timedelta(hours=1), warn=now - timedelta(minutes=1))
    set_due(breached, due=now - timedelta(minutes=5), warn=now - timedelta(hours=1))
    set_due(none, due=None)
    # when agent_west opens the inbox
    rows = inbox_rows(signed_in(company.agent_west).get("/inbox/").content.decode())
    # then each row has its badge
    assert set(rows) == {ok.pk, warning.pk, breached.pk, none.pk}
    assert 'class="sla sla-ok"' in rows[ok.pk]
    assert 'class="sla sla-warning"' in rows[warning.pk]
    assert 'class="sla sla-breached"' in rows[breached.pk]
    assert 'class="sla ' not in rows[none.pk]
    # and the due time is in the badge's title, in local time
    local = timezone.localtime(now + timedelta(hours=2), SH).strftime("%Y-%m-%d %H:%M")
    assert f'title="{local}"' in rows[ok.pk]


def test_ticket_page_shows_the_sla_panel_in_chinese_and_english(company, answered):
    path = f"/tickets/{answered.pk}/"
    # in Chinese (the user's default language)
    with at(sh(2026, 3, 2, 12, 0)):
        page = signed_in(company.agent_east).get(path).content.decode()
    assert '<html lang="zh-hans">' in page
    panel = page[page.index('id="sla-panel"'):]
    assert "VIP 客户" in panel
    for target in ("first_response", "next_update", "resolution"):
        assert f'data-target="{target}"' in panel
    assert 'class="sla sla-met"' in panel and 'class="sla sla-breached"' in panel
    # in English, chosen by the user; the browser's preference does not override it
    company.agent_east.language = "en"
    company.agent_east.save()
    with at(sh(2026, 3, 2, 12, 0)):
        page = signed_in(company.agent_east, HTTP_ACCEPT_LANGUAGE="zh-hans").get(path)
    page = page.content.decode()
    assert '<html lang="en">' in page
    panel = page[page.index('id="sla-panel"'):]
    assert "Service level" in panel and "VIP customers" in panel
    assert "<td>first response</td>" in panel and "<td>next update</td>" in panel
    assert ">met</span>" in panel and ">overdue</span>" in panel and ">on time</span>" in panel
    assert "First response after 30 business minutes." in panel


def test_ticket_page_without_a_policy_has_no_sla_panel(company, make_ticket):
    ticket = make_ticket(company.agent_west, company.bob)
    page = ticket_page(signed_in(company.agent_west), ticket.pk).content.decode()
    assert "sla-panel" not in page


def test_alerts_page_lists_alerts_and_the_header_counts_the_unread(company, answered):
    company.agent_east.language = "en"
    company.agent_east.save()
    sla_alert(company.agent_east, answered)
    sla_alert(company.agent_east, answered, Stage.BREACHED)
    sla_alert(company.agent_west, answered, Stage.ESCALATED)
    client = signed_in(company.agent_east)
    page = client.get("/alerts/").content.decode()
    assert 'hx-get="/alerts/badge/"' in page  # the header fetches the count after the page
    assert 'id="alerts-unread">2<' in client.get("/alerts/badge/").content.decode()
    assert f"#{answered.pk}: the first response target is due at 2026-03-02 10:00." in page
    assert "was missed" in page and "still open" not in page
    assert 'hx-get="/alerts/badge/"' in client.get("/inbox/").content.decode()
    # when they are marked read
    response = client.post("/alerts/read/")
    assert response.status_code == 302 and response["Location"] == "/alerts/"
    # then the count is gone, the alerts are still listed, and the colleague's are untouched
    page = client.get("/alerts/").content.decode()
    assert "was missed" in page
    assert "alerts-unread" not in client.get("/alerts/badge/").content.decode()
    assert Alert.objects.filter(user=company.agent_west, read_at__isnull=True).count() == 1


def test_alerts_pages_are_for_signed_in_staff_and_marking_needs_post(company):
    assert Client().get("/alerts/").status_code == 302
    assert signed_in(company.customer_user).get("/alerts/").status_code == 403
    assert signed_in(company.customer_user).post("/alerts/read/").status_code == 403
    assert signed_in(company.agent_east).get("/alerts/read/").status_code == 405
    assert signed_in(company.customer_user).get("/alerts/badge/").status_code == 403
    page = signed_in(company.agent_east).get("/alerts/").content.decode()
    assert "alerts-table" in page and "alerts-unread" not in page
