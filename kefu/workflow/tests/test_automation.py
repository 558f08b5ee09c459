"""Automations: rule validation, matching, order, stop, loop protection, failure isolation,
audit, the automation user's replies, the API and a real webhook on loopback."""

import http.server
import json
import threading

import pytest
from django.test.utils import CaptureQueriesContext

from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.services import ticket_update
from kefu.workflow import automation_rules as ar
from kefu.workflow.models import Alert, AutomationRule, AutomationRun
from kefu.workflow.services import automation


@pytest.fixture(autouse=True)
def _fresh_rule_cache():
    automation.RULES.clear()
    yield
    automation.RULES.clear()


def rule(event="ticket_created", conditions=(), actions=(), **kw):
    return AutomationRule.objects.create(name=kw.pop("name", "rule"), event=event,
                                         conditions=list(conditions), actions=list(actions), **kw)


# --- pure rules ---------------------------------------------------------------------------

@pytest.mark.parametrize("conditions, message", [
    ("x", "must be a list"),
    ([{"field": "nope", "op": "eq", "value": "a"}], "unknown field"),
    ([{"field": "priority", "op": "contains", "value": "a"}], "takes op"),
    ([{"field": "priority", "op": "in", "value": "urgent"}], "list of 1–50"),
    ([{"field": "anger", "op": "eq", "value": "yes"}], "true or false"),
    ([{"field": "text", "op": "contains", "value": ""}], "1–200"),
    ([{"field": "text", "op": "contains", "value": "a", "extra": 1}], "an object"),
])
def test_bad_conditions_are_refused_with_a_reason(conditions, message):
    with pytest.raises(ar.RuleError, match=message):
        ar.validate_conditions(conditions)


@pytest.mark.parametrize("actions, message", [
    ([], "1–20"),
    ([{"type": "explode"}], "type must be"),
    ([{"type": "set_priority", "value": "asap"}], "value must be one of"),
    ([{"type": "assign"}], "team code"),
    ([{"type": "add_tags", "tags": ["x" * 61]}], "at most 60"),
    ([{"type": "notify", "to": "everyone"}], "to must be"),
    ([{"type": "webhook", "url": "ftp://example.com/x"}], "http"),
    ([{"type": "add_note", "text": "hi", "colour": "red"}], "unknown keys"),
])
def test_bad_actions_are_refused_with_a_reason(actions, message):
    with pytest.raises(ar.RuleError, match=message):
        ar.validate_actions(actions)


def test_conditions_match_codes_lists_and_text_case_insensitively():
    facts = {"priority": "high", "tags": ["vip"], "text": "I want a REFUND 退款", "anger": True}
    assert ar.matches([{"field": "priority", "op": "in", "value": ["high", "urgent"]},
                       {"field": "tags", "op": "contains", "value": "vip"},
                       {"field": "text", "op": "contains", "value": "refund"},
                       {"field": "text", "op": "contains", "value": "退款"},
                       {"field": "anger", "op": "eq", "value": True}], facts)
    assert not ar.matches([{"field": "priority", "op": "ne", "value": "high"}], facts)
    assert not ar.matches([{"field": "tags", "op": "not_contains", "value": "vip"}], facts)
    assert ar.matches([], facts)


# --- running rules --------------------------------------------------------------------------

def test_rule_on_created_changes_the_ticket_as_the_automation_user(
        company, make_ticket, django_capture_on_commit_callbacks):
    # given a rule: complaints mentioning 退款 become urgent, get a tag and alert supervisors
    rule(conditions=[{"field": "type", "op": "eq", "value": "complaint"},
                     {"field": "text", "op": "contains", "value": "退款"}],
         actions=[{"type": "set_priority", "value": "urgent"},
                  {"type": "add_tags", "tags": ["refund"]},
                  {"type": "notify", "to": "supervisors"}])
    # when an east agent logs such a complaint
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(company.agent_east, company.alice, type="complaint",
                             subject="要求退款", description="货不对")
    # then the rule applied, audited, with the automation user as the actor
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    assert list(ticket.tags.values_list("name", flat=True)) == ["refund"]
    run = AutomationRun.objects.get()
    assert run.outcome == "applied" and run.detail["actions"] == ["set_priority", "add_tags", "notify"]
    updated = TicketEvent.objects.filter(ticket=ticket, kind="updated")
    assert {e.actor.username for e in updated} == {"automation"}
    assert Alert.objects.filter(user=company.supervisor_east, kind="automation", ticket=ticket).exists()
    # and the owner stays the agent who took the contact
    assert ticket.owner_id == company.agent_east.pk


def test_rules_that_do_not_match_do_nothing(company, make_ticket, django_capture_on_commit_callbacks):
    rule(conditions=[{"field": "type", "op": "eq", "value": "complaint"}],
         actions=[{"type": "set_priority", "value": "urgent"}])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(company.agent_east, company.alice, type="inquiry")
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    assert not AutomationRun.objects.exists()


def test_rules_run_in_order_and_stop_processing_ends_the_chain(
        company, make_ticket, django_capture_on_commit_callbacks):
    second = rule(name="second", order=20, actions=[{"type": "add_tags", "tags": ["second"]}])
    rule(name="first", order=10, actions=[{"type": "add_tags", "tags": ["first"]}],
         stop_processing=True)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(company.agent_east, company.alice)
    assert list(ticket.tags.values_list("name", flat=True)) == ["first"]
    assert not AutomationRun.objects.filter(rule=second).exists()


def test_a_rule_changing_the_ticket_does_not_fire_itself_again(
        company, make_ticket, django_capture_on_commit_callbacks):
    # given a rule on "ticket updated" whose action is itself an update
    loop = rule(event="ticket_updated", actions=[{"type": "add_tags", "tags": ["touched"]}])
    ticket = make_ticket(company.agent_east, company.alice)
    # when a person updates the ticket
    with django_capture_on_commit_callbacks(execute=True):
        ticket_update(ticket=ticket, actor=company.agent_east, subject="新标题")
    # then the rule ran once, not in a loop
    assert AutomationRun.objects.filter(rule=loop).count() == 1


def test_a_failing_action_is_logged_and_rolls_back_only_its_rule(
        company, make_ticket, django_capture_on_commit_callbacks):
    broken = rule(order=10, actions=[{"type": "set_priority", "value": "urgent"},
                                     {"type": "assign", "team": "no-such-team"}])
    fine = rule(order=20, actions=[{"type": "add_tags", "tags": ["ok"]}])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(company.agent_east, company.alice, subject="保留我")
    ticket.refresh_from_db()
    # the ticket the customer's request created is kept, the broken rule's first action undone
    assert Ticket.objects.filter(pk=ticket.pk, subject="保留我").exists()
    assert ticket.priority == "normal"
    failed = AutomationRun.objects.get(rule=broken)
    assert failed.outcome == "failed" and failed.detail["done_before_failure"] == ["set_priority"]
    assert AutomationRun.objects.get(rule=fine).outcome == "applied"


def test_an_automated_reply_is_nobodys_first_response(
        company, make_ticket, django_capture_on_commit_callbacks):
    rule(actions=[{"type": "send_reply", "text": "{customer}您好，工单 #{ticket} 已收到。"}])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(company.customer_user, company.alice, subject="门户来信")
    ticket.refresh_from_db()
    reply = ticket.messages.get(author__username="automation")
    assert reply.body == f"爱丽丝您好，工单 #{ticket.pk} 已收到。"
    assert reply.visibility == "public"
    assert ticket.first_response_at is None and ticket.owner_id is None and ticket.status == "new"


def test_no_active_rule_costs_no_query(company, make_ticket, settings):
    settings.REFERENCE_CACHE_SECONDS = 30
    automation.RULES.all()  # warm
    ticket = make_ticket(company.agent_east, company.alice)
    from django.db import connection

    with CaptureQueriesContext(connection) as ctx:
        automation.fire("ticket_updated", ticket)
    assert len(ctx.captured_queries) == 0


def test_webhook_action_posts_json_to_the_url(company, make_ticket, django_capture_on_commit_callbacks):
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server API
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    from huey.contrib.djhuey import HUEY

    immediate = HUEY.immediate
    HUEY.immediate = True
    try:
        rule(actions=[{"type": "webhook", "url": f"http://127.0.0.1:{server.server_port}/hook"}])
        with django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket(company.agent_east, company.alice, subject="通知外部系统")
        thread.join(timeout=10)
    finally:
        HUEY.immediate = immediate
        server.server_close()
    assert received and received[0]["ticket"] == ticket.pk
    assert received[0]["subject"] == "通知外部系统"


# --- API --------------------------------------------------------------------------------------

def test_admins_manage_rules_through_the_api(company, api_as):
    admin = api_as(company.admin)
    body = {"name": "VIP 投诉", "event": "ticket_created",
            "conditions": [{"field": "tier", "op": "eq", "value": "vip"}],
            "actions": [{"type": "notify", "to": "supervisors"}]}
    created = admin.post("/api/v1/automation/rules", body)
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    assert admin.get("/api/v1/automation/rules").json()["items"][0]["name"] == "VIP 投诉"
    changed = admin.client.put(f"/api/v1/automation/rules/{rule_id}",
                               data=json.dumps({**body, "active": False}),
                               content_type="application/json", **admin.headers)
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert admin.delete(f"/api/v1/automation/rules/{rule_id}").status_code == 204


@pytest.mark.parametrize("body, code", [
    ({"name": "x", "event": "ticket_created", "actions": [{"type": "explode"}]}, "invalid_rule"),
    ({"name": "x", "event": "whenever", "actions": [{"type": "notify", "to": "owner"}]}, None),
    ({"name": "x", "event": "ticket_created", "actions": []}, None),
    ({"name": "", "event": "ticket_created", "actions": [{"type": "notify", "to": "owner"}]}, None),
])
def test_bad_rules_get_a_4xx_and_nothing_is_saved(company, api_as, body, code):
    response = api_as(company.admin).post("/api/v1/automation/rules", body)
    assert 400 <= response.status_code < 500
    if code:
        assert response.json()["code"] == code
    assert not AutomationRule.objects.exists()


def test_only_admins_edit_rules_and_auditors_read_them(company, api_as):
    body = {"name": "x", "event": "ticket_created", "actions": [{"type": "notify", "to": "owner"}]}
    for user in (company.agent_east, company.supervisor_east, company.auditor, company.customer_user):
        assert api_as(user).post("/api/v1/automation/rules", body).status_code == 403
    assert api_as(company.auditor).get("/api/v1/automation/rules").status_code == 200
    assert api_as(company.auditor).get("/api/v1/automation/runs").status_code == 200
    assert api_as(company.agent_east).get("/api/v1/automation/runs").status_code == 403


def test_runs_filter_by_an_impossible_id_is_a_clear_400(company, api_as):
    # given ids no database column can hold (schemathesis found the 500)
    client = api_as(company.auditor)
    for query in ("ticket=13706316654168397824", "rule=-1", "ticket=0"):
        response = client.get(f"/api/v1/automation/runs?{query}")
        # then a clear error, not a server error
        assert response.status_code in (400, 422), query
        assert "code" in response.json()
