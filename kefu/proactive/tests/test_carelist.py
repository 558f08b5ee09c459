"""The daily care list: occasions become ranked, assigned tasks; re-runs add nothing;
opted-out customers are never listed; outcomes feed back."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from kefu.proactive import services
from kefu.proactive.carelist import build_care_lists
from kefu.proactive.models import CareTask, CustomerScore, Purchase, RunOutForecast, SpecialDate

TODAY = date(2026, 5, 10)


@pytest.fixture
def occasions(company, rice, rice_household):
    """Alice's rice runs out in two days; Bob is at churn risk and has a birthday soon."""
    now = timezone.now()
    RunOutForecast.objects.create(customer=company.alice, product=rice, date=TODAY + timedelta(days=2),
                                  low=TODAY + timedelta(days=1), high=TODAY + timedelta(days=4),
                                  rate_per_day=0.66, basis="purchases",
                                  last_purchase=date(2026, 4, 5), computed_at=now)
    CustomerScore.objects.create(customer=company.alice, frequency=3, prob_alive=0.95, clv=800,
                                 last_purchase=date(2026, 4, 5), computed_at=now)
    CustomerScore.objects.create(customer=company.bob, frequency=4, prob_alive=0.2, clv=300,
                                 last_purchase=date(2026, 1, 2), computed_at=now)
    SpecialDate.objects.create(customer=company.bob, kind="birthday", date=date(1985, 5, 12))
    return company


def _tasks():
    return sorted((t.customer.name_en, t.kind) for t in CareTask.objects.select_related("customer"))


def test_the_care_list_ranks_assigns_and_explains(occasions):
    company = occasions
    counts = build_care_lists(TODAY)
    assert counts["created"] == 3
    assert _tasks() == [("Alice", "run_out"), ("Bob", "birthday"), ("Bob", "churn")]
    run_out = CareTask.objects.get(kind="run_out")
    # the rice task goes to the agent serving Alice's branch, with value × urgency
    assert run_out.assigned_to == company.agent_east and run_out.action == "deliver"
    assert run_out.rank == pytest.approx(800 * run_out.urgency, rel=1e-3)
    assert CareTask.objects.get(kind="churn").assigned_to in (company.agent_west, company.agent_hq)
    assert list(CareTask.objects.values_list("kind", flat=True)) == ["run_out", "birthday", "churn"]


def test_the_daily_job_is_idempotent(occasions):
    build_care_lists(TODAY)
    first = list(CareTask.objects.order_by("pk").values_list("pk", "key", "assigned_to_id"))
    again = build_care_lists(TODAY)
    assert again["created"] == 0 and again["refreshed"] == 3 and again["cancelled"] == 0
    assert list(CareTask.objects.order_by("pk").values_list("pk", "key", "assigned_to_id")) == first


def test_opted_out_customers_are_never_listed(occasions):
    company = occasions
    build_care_lists(TODAY)
    services.opt_out_set(actor=company.agent_west, customer=company.bob, opted_out=True,
                         reason="不想被打扰")
    assert not CareTask.objects.filter(customer=company.bob, status="open").exists()
    build_care_lists(TODAY)
    assert not CareTask.objects.filter(customer=company.bob, status="open").exists()
    assert CareTask.objects.filter(customer=company.alice, status="open").count() == 1


def test_ordered_records_a_purchase_and_a_new_cycle_replaces_the_task(occasions):
    company = occasions
    build_care_lists(TODAY)
    task = CareTask.objects.get(kind="run_out")
    # when the agent records "ordered"
    services.care_outcome_record(actor=company.agent_east, task=task, result="ordered")
    task.refresh_from_db()
    assert task.status == "done"
    purchase = Purchase.objects.filter(customer=company.alice).latest("id")
    assert (purchase.source, purchase.quantity) == ("care", 20)
    # and the next forecast starts from that purchase: a new cycle, a new task later
    RunOutForecast.objects.filter(customer=company.alice).update(last_purchase=purchase.date)
    counts = build_care_lists(TODAY)
    assert counts["created"] == 1


def test_declined_damps_the_next_task_of_that_kind(occasions):
    company = occasions
    build_care_lists(TODAY)
    churn = CareTask.objects.get(kind="churn")
    undamped = churn.urgency
    services.care_outcome_record(actor=company.agent_west, task=churn, result="declined")
    CustomerScore.objects.filter(customer=company.bob).update(last_purchase=date(2026, 1, 3))
    build_care_lists(TODAY)
    again = CareTask.objects.get(kind="churn", status="open")
    assert again.urgency == pytest.approx(undamped * 0.3)


def test_not_reachable_keeps_the_task_open(occasions):
    company = occasions
    build_care_lists(TODAY)
    task = CareTask.objects.get(kind="birthday")
    services.care_outcome_record(actor=company.agent_west, task=task, result="not_reachable")
    task.refresh_from_db()
    assert (task.status, task.attempts) == ("open", 1)


def test_promised_follow_ups_and_silent_vips(company, make_ticket):
    from kefu.workflow.models import FollowUp

    ticket = make_ticket(company.agent_east, company.alice, type="complaint")
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    FollowUp.objects.create(ticket=ticket, customer=company.alice, assigned_to=company.agent_east,
                            due_at=timezone.make_aware(datetime.combine(today, time(15)), tz),
                            purpose="回访", created_by=company.agent_east,
                            created_at=timezone.now())
    build_care_lists(today)
    follow = CareTask.objects.get(kind="follow_up")
    assert follow.assigned_to == company.agent_east and follow.data["ticket"] == ticket.pk
    # Alice is a VIP with a contact today: not silent
    assert not CareTask.objects.filter(kind="vip_silent").exists()
    # reaching the customer completes the complaint's follow-up too
    services.care_outcome_record(actor=company.agent_east, task=follow, result="reached")
    assert FollowUp.objects.get().outcome == "satisfied"
    # ninety days without a contact later, the VIP is listed
    assert build_care_lists(today + timedelta(days=90))["created"] == 1
    assert CareTask.objects.filter(kind="vip_silent", customer=company.alice).exists()



def test_hotline_agents_share_every_branch_s_tasks(occasions):
    company = occasions
    # given the HQ hotline agent, whose team has no branch: they serve every branch
    build_care_lists(TODAY)
    by_task = {t.kind: t.assigned_to for t in CareTask.objects.select_related("assigned_to")}
    # then Bob's two tasks are spread between the west agent and the hotline (least loaded
    # first, most valuable first: the birthday), Alice's goes to the east agent
    assert by_task == {"birthday": company.agent_west, "churn": company.agent_hq,
                       "run_out": company.agent_east}
    # and no task of a branch's customer ever goes to another branch's agent
    assert not CareTask.objects.filter(customer=company.alice, assigned_to=company.agent_west).exists()
    assert not CareTask.objects.filter(customer=company.bob, assigned_to=company.agent_east).exists()
