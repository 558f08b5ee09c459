"""The seven-step complaint flow through the services: order, skipping with a reason, the
four apologies, the committed deadline, follow-ups, resolution and confirmation, and the
close guard ("a ticket can never be closed by passing the ball")."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.core.errors import ApplicationError, Conflict, PermissionDenied
from kefu.tickets.models import Ticket, TicketEvent
from kefu.workflow.models import Alert, Commitment, ComplaintStep, FollowUp, Resolution
from kefu.workflow.services.complaint import (
    commitment_keep,
    complaint_close_problems,
    complaint_step_record,
    follow_up_complete,
    follow_up_schedule,
    resolution_confirm,
    resolution_record,
)


@pytest.fixture
def complaint(company, make_ticket):
    return make_ticket(company.agent_east, company.alice, subject="送货员态度恶劣", type="complaint")


def record(company, ticket, step, actor=None, **kw):
    return complaint_step_record(ticket=ticket, actor=actor or company.agent_east, step=step, **kw)


def later(**kw):
    return timezone.now() + timedelta(**kw)


def record_first_four(company, ticket):
    record(company, ticket, 1)
    record(company, ticket, 2, note="客户情绪已平复")
    record(company, ticket, 3, apology="duibuqi")
    record(company, ticket, 4, answers=[{"question": "客户到底想要什么？", "answer": "道歉并换货"}])


def _written(ticket):
    return (ComplaintStep.objects.filter(ticket=ticket).count(),
            TicketEvent.objects.filter(ticket=ticket).count(), Commitment.objects.count())


def test_a_step_is_recorded_with_who_and_when_and_written_to_the_timeline(company, complaint):
    # when the owner records step 1
    step = record(company, complaint, 1, note="请客户到接待室")
    # then it is done, by them, now, and the timeline says so
    row = ComplaintStep.objects.get(ticket=complaint, step=1)
    assert (row.outcome, row.actor, row.note) == ("done", company.agent_east, "请客户到接待室")
    assert abs((timezone.now() - row.created_at).total_seconds()) < 60
    assert step.step == 1
    event = TicketEvent.objects.get(ticket=complaint, kind="complaint_step")
    assert event.data == {"step": 1, "outcome": "done"} and event.actor == company.agent_east


def test_steps_go_in_order_and_out_of_order_writes_nothing(company, complaint):
    # given nothing recorded / when step 3 is recorded first without a reason
    before = _written(complaint)
    with pytest.raises(Conflict) as error:
        record(company, complaint, 3, apology="baoqian")
    # then 409 naming the missing steps, and nothing is written
    assert error.value.code == "steps_out_of_order" and error.value.details["missing"] == [1, 2]
    assert _written(complaint) == before


def test_out_of_order_with_a_reason_skips_the_earlier_steps_with_it(company, complaint):
    # when step 3 is recorded with a reason to skip the missing earlier ones
    record(company, complaint, 3, apology="baoqian", skip_earlier_reason="电话投诉，客户很冷静")
    # then 1 and 2 are skipped with that reason, 3 is done
    rows = {r.step: r for r in ComplaintStep.objects.filter(ticket=complaint)}
    assert [(s, rows[s].outcome, rows[s].reason) for s in (1, 2)] == [
        (1, "skipped", "电话投诉，客户很冷静"), (2, "skipped", "电话投诉，客户很冷静")]
    assert rows[3].outcome == "done" and rows[3].data == {"apology": "baoqian"}
    assert TicketEvent.objects.filter(ticket=complaint, kind="complaint_step").count() == 3


def test_skipping_needs_a_reason(company, complaint):
    with pytest.raises(ApplicationError) as error:
        record(company, complaint, 1, outcome="skipped", reason="   ")
    assert error.value.code == "required" and error.value.details == {"field": "reason"}
    assert not ComplaintStep.objects.exists()
    record(company, complaint, 1, outcome="skipped", reason="客户在电话里，无需隔离")
    row = ComplaintStep.objects.get(ticket=complaint, step=1)
    assert (row.outcome, row.reason) == ("skipped", "客户在电话里，无需隔离")


def test_a_step_is_recorded_once(company, complaint):
    record(company, complaint, 1)
    with pytest.raises(Conflict) as error:
        record(company, complaint, 1)
    assert error.value.code == "step_already_recorded"


def test_bad_steps_and_outcomes_are_refused(company, complaint):
    for step in (0, 8, True):
        with pytest.raises(ApplicationError) as error:
            record(company, complaint, step)
        assert error.value.code == "invalid_step"
    with pytest.raises(ApplicationError) as error:
        record(company, complaint, 1, outcome="maybe")
    assert error.value.code == "invalid_outcome"
    assert not ComplaintStep.objects.exists()


def test_the_flow_is_for_complaints_only(company, make_ticket):
    inquiry = make_ticket(company.agent_east, company.alice, type="inquiry")
    with pytest.raises(Conflict) as error:
        record(company, inquiry, 1)
    assert error.value.code == "not_a_complaint"


def test_step_3_names_one_of_the_four_apologies(company, complaint):
    record(company, complaint, 1)
    record(company, complaint, 2)
    for bad in (None, "sorry", ""):
        with pytest.raises(ApplicationError) as error:
            record(company, complaint, 3, apology=bad)
        assert error.value.code == "apology_required"
    record(company, complaint, 3, apology="qingyuanliang")
    assert ComplaintStep.objects.get(ticket=complaint, step=3).data == {"apology": "qingyuanliang"}
    assert TicketEvent.objects.filter(kind="complaint_step").last().data["apology"] == "qingyuanliang"


def test_step_3_may_be_skipped_when_no_apology_is_due(company, complaint):
    record(company, complaint, 1)
    record(company, complaint, 2)
    record(company, complaint, 3, outcome="skipped", reason="客户误解了规则，我方无过错")
    assert ComplaintStep.objects.get(ticket=complaint, step=3).data == {}


def test_step_4_stores_the_answers_to_the_playbook_questions(company, complaint):
    record(company, complaint, 1)
    record(company, complaint, 2)
    record(company, complaint, 3, apology="duibuqi")
    with pytest.raises(ApplicationError) as error:
        record(company, complaint, 4, answers=[{"question": "客户到底想要什么？", "answer": " "}])
    assert error.value.code == "answers_required"
    record(company, complaint, 4, answers=[
        {"question": "客户到底想要什么？", "answer": "换一位送货员并道歉"},
        {"question": "问题的根本原因是什么？", "answer": "送货员赶时间"},
        {"question": "客户资料里有哪些相关信息？", "answer": ""}])
    answers = ComplaintStep.objects.get(ticket=complaint, step=4).data["answers"]
    assert answers == [
        {"question": "客户到底想要什么？", "answer": "换一位送货员并道歉", "kind": "open"},
        {"question": "问题的根本原因是什么？", "answer": "送货员赶时间", "kind": "open"}]


def test_step_5_promises_a_deadline_in_the_future_and_creates_a_commitment(company, complaint):
    record_first_four(company, complaint)
    before = _written(complaint)
    # a deadline in the past is refused, and nothing is written
    with pytest.raises(ApplicationError) as error:
        record(company, complaint, 5, solution="明天上门换货", due_at=later(hours=-1))
    assert error.value.code == "in_the_past"
    # so are no solution, no deadline, a deadline without a time zone, one absurdly far
    for kw, code in (({"due_at": later(days=1)}, "required"),
                     ({"solution": "换货"}, "required"),
                     ({"solution": "换货", "due_at": later(days=1).replace(tzinfo=None)},
                      "invalid_datetime"),
                     ({"solution": "换货", "due_at": later(days=4000)}, "too_far_ahead")):
        with pytest.raises(ApplicationError) as error:
            record(company, complaint, 5, **kw)
        assert error.value.code == code
    assert _written(complaint) == before
    # when promised properly
    due = later(days=1)
    record(company, complaint, 5, solution="明天18点前上门换货", due_at=due)
    # then an open commitment tracks the promise, and the step points at it
    commitment = Commitment.objects.get(ticket=complaint)
    assert (commitment.status, commitment.text, commitment.due_at, commitment.promised_by) == (
        "open", "明天18点前上门换货", due, company.agent_east)
    data = ComplaintStep.objects.get(ticket=complaint, step=5).data
    assert data["commitment"] == commitment.pk and data["solution"] == "明天18点前上门换货"


def test_keeping_a_commitment_once_and_never_a_broken_one(company, complaint):
    record_first_four(company, complaint)
    record(company, complaint, 5, solution="换货", due_at=later(hours=5))
    commitment = Commitment.objects.get(ticket=complaint)
    with pytest.raises(PermissionDenied):
        commitment_keep(commitment=commitment, actor=company.auditor)
    commitment_keep(commitment=commitment, actor=company.agent_east)
    commitment.refresh_from_db()
    assert commitment.status == "kept" and commitment.kept_at is not None
    assert TicketEvent.objects.get(ticket=complaint, kind="commitment_kept").data["late"] is False
    with pytest.raises(Conflict):
        commitment_keep(commitment=commitment, actor=company.agent_east)
    Commitment.objects.filter(pk=commitment.pk).update(status="broken", kept_at=None)
    commitment.refresh_from_db()
    with pytest.raises(Conflict):
        commitment_keep(commitment=commitment, actor=company.agent_east)


def test_step_6_takes_closed_and_open_answers(company, complaint):
    record_first_four(company, complaint)
    record(company, complaint, 5, solution="换货", due_at=later(days=1))
    with pytest.raises(ApplicationError) as error:
        record(company, complaint, 6, answers=[
            {"question": "您接受这个处理方案吗？", "answer": "也许", "kind": "closed"}])
    assert error.value.code == "invalid_answers"
    record(company, complaint, 6, answers=[
        {"question": "您接受这个处理方案吗？", "answer": "yes", "kind": "closed"},
        {"question": "您还有什么其他的要求或建议？", "answer": "希望下次提前电话联系", "kind": "open"}])
    answers = ComplaintStep.objects.get(ticket=complaint, step=6).data["answers"]
    assert [a["kind"] for a in answers] == ["closed", "open"] and answers[0]["answer"] == "yes"


def test_readers_and_customers_cannot_record_steps(company, complaint):
    for user in (company.auditor, company.customer_user):
        with pytest.raises(PermissionDenied):
            record(company, complaint, 1, actor=user)
    assert not ComplaintStep.objects.exists()


def test_a_follow_up_defaults_to_the_owner_and_must_be_in_the_future(company, complaint):
    # given the hq agent (not the owner) schedules it / then it is the owner's to do
    follow_up = follow_up_schedule(ticket=complaint, actor=company.agent_east,
                                   due_at=later(days=2), purpose="确认换货后是否满意")
    assert follow_up.assigned_to == company.agent_east and follow_up.customer == company.alice
    assert TicketEvent.objects.get(ticket=complaint, kind="follow_up_scheduled").data[
        "follow_up"] == follow_up.pk
    with pytest.raises(ApplicationError) as error:
        follow_up_schedule(ticket=complaint, actor=company.agent_east, due_at=later(minutes=-5))
    assert error.value.code == "in_the_past"
    with pytest.raises(ApplicationError) as error:
        follow_up_schedule(ticket=complaint, actor=company.agent_east, due_at=later(days=1),
                           assigned_to=company.customer_user)
    assert error.value.code == "invalid_assignee"
    # given to a colleague: they are alerted
    follow_up_schedule(ticket=complaint, actor=company.agent_east, due_at=later(days=1),
                       assigned_to=company.supervisor_east)
    assert Alert.objects.filter(user=company.supervisor_east, kind="follow_up").count() == 1
    assert FollowUp.objects.count() == 2


def test_completing_a_follow_up_records_the_outcome_once(company, complaint):
    follow_up = follow_up_schedule(ticket=complaint, actor=company.agent_east, due_at=later(days=1))
    with pytest.raises(ApplicationError) as error:
        follow_up_complete(follow_up=follow_up, actor=company.agent_east, outcome="happy")
    assert error.value.code == "invalid_outcome"
    # not satisfied needs a note saying why
    with pytest.raises(ApplicationError):
        follow_up_complete(follow_up=follow_up, actor=company.supervisor_east,
                           outcome="not_satisfied")
    follow_up_complete(follow_up=follow_up, actor=company.supervisor_east,
                       outcome="not_satisfied", note="换来的货也有划痕")
    follow_up.refresh_from_db()
    assert (follow_up.outcome, follow_up.note) == ("not_satisfied", "换来的货也有划痕")
    assert follow_up.done_at is not None
    # the owner hears that the customer is still unhappy
    assert Alert.objects.filter(user=company.agent_east, kind="follow_up").count() == 1
    with pytest.raises(Conflict):
        follow_up_complete(follow_up=follow_up, actor=company.agent_east, outcome="satisfied")


def test_reaching_the_customer_at_the_follow_up_completes_step_7(company, complaint):
    # given steps 1-6 recorded and two follow-ups
    record_first_four(company, complaint)
    record(company, complaint, 5, solution="换货", due_at=later(days=1))
    record(company, complaint, 6, outcome="skipped", reason="客户挂断了电话")
    first = follow_up_schedule(ticket=complaint, actor=company.agent_east, due_at=later(days=1))
    second = follow_up_schedule(ticket=complaint, actor=company.agent_east, due_at=later(days=2))
    # when the first one could not reach the customer / then step 7 is still to do
    follow_up_complete(follow_up=first, actor=company.agent_east, outcome="unreachable")
    assert not ComplaintStep.objects.filter(ticket=complaint, step=7).exists()
    # when the second one reached them / then step 7 is done, pointing at it
    follow_up_complete(follow_up=second, actor=company.agent_east, outcome="satisfied",
                       note="客户满意")
    step7 = ComplaintStep.objects.get(ticket=complaint, step=7)
    assert (step7.outcome, step7.note, step7.data) == (
        "done", "客户满意", {"follow_up": second.pk, "outcome": "satisfied"})


def test_a_follow_up_does_not_record_step_7_over_missing_steps(company, complaint):
    record(company, complaint, 1)
    follow_up = follow_up_schedule(ticket=complaint, actor=company.agent_east, due_at=later(days=1))
    follow_up_complete(follow_up=follow_up, actor=company.agent_east, outcome="satisfied")
    assert list(ComplaintStep.objects.values_list("step", flat=True)) == [1]


def test_resolution_then_customer_confirmation(company, complaint):
    # given no resolution: nothing to confirm
    with pytest.raises(Conflict) as error:
        resolution_confirm(ticket=complaint, actor=company.customer_user)
    assert error.value.code == "no_resolution"
    # when an agent records it and Alice confirms it
    resolution_record(ticket=complaint, actor=company.agent_east, summary="已换货并赔礼道歉")
    resolution_confirm(ticket=complaint, actor=company.customer_user)
    resolution = Resolution.objects.get(ticket=complaint)
    assert (resolution.confirmation, resolution.confirmed_by) == ("customer", company.customer_user)
    kinds = list(TicketEvent.objects.filter(ticket=complaint).values_list("kind", flat=True))
    assert kinds[-2:] == ["resolution_recorded", "resolution_confirmed"]
    # and a second confirmation is a conflict
    with pytest.raises(Conflict):
        resolution_confirm(ticket=complaint, actor=company.agent_east, note="回访")


def test_a_call_back_is_the_owners_and_needs_a_note(company, complaint):
    resolution_record(ticket=complaint, actor=company.agent_east, summary="已退款")
    # another agent, an auditor, another customer may not verify it
    for outsider in (company.agent_hq, company.auditor, company.other_customer_user):
        with pytest.raises(PermissionDenied):
            resolution_confirm(ticket=complaint, actor=outsider, note="回访")
    with pytest.raises(ApplicationError) as error:
        resolution_confirm(ticket=complaint, actor=company.agent_east, note="")
    assert error.value.code == "required"
    resolution_confirm(ticket=complaint, actor=company.agent_east, note="电话回访，客户确认已收到退款")
    resolution = Resolution.objects.get(ticket=complaint)
    assert (resolution.confirmation, resolution.confirmation_note) == (
        "callback", "电话回访，客户确认已收到退款")


def test_recording_the_resolution_again_asks_for_a_new_confirmation(company, complaint):
    resolution_record(ticket=complaint, actor=company.agent_east, summary="已退款")
    resolution_confirm(ticket=complaint, actor=company.customer_user)
    resolution_record(ticket=complaint, actor=company.agent_hq, summary="重新退款")
    resolution = Resolution.objects.get(ticket=complaint)
    assert (resolution.summary, resolution.confirmation, resolution.confirmed_at) == (
        "重新退款", "", None)
    assert TicketEvent.objects.filter(kind="resolution_recorded").last().data["replaced"] is True


def test_close_problems_for_a_complaint_until_resolved_and_followed_up(company, complaint):
    # given a new complaint / then two things stop it from closing
    assert len(complaint_close_problems(complaint)) == 2
    # when the resolution is recorded / then only the follow-up is missing
    resolution_record(ticket=complaint, actor=company.agent_east, summary="已换货")
    problems = complaint_close_problems(complaint)
    assert len(problems) == 1 and "7" in problems[0]
    # when a follow-up is scheduled / then it may close
    follow_up_schedule(ticket=complaint, actor=company.agent_east, due_at=later(days=3))
    assert complaint_close_problems(complaint) == []


def test_step_7_done_also_satisfies_the_close_guard_but_skipping_it_does_not(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, type="complaint")
    resolution_record(ticket=ticket, actor=company.agent_east, summary="已解决")
    record(company, ticket, 7, outcome="skipped", reason="客户不想再被打扰",
           skip_earlier_reason="补录")
    assert len(complaint_close_problems(ticket)) == 1
    other = make_ticket(company.agent_east, company.alice, type="complaint")
    resolution_record(ticket=other, actor=company.agent_east, summary="已解决")
    record(company, other, 7, note="处理中两次告知进展，结束后回访满意", skip_earlier_reason="补录")
    assert complaint_close_problems(other) == []


def test_other_tickets_have_no_close_problems(company, make_ticket):
    assert complaint_close_problems(make_ticket(company.agent_east, company.alice)) == []


def test_the_close_problems_are_translated(company, complaint):
    from django.utils import translation

    with translation.override("en"):
        english = complaint_close_problems(complaint)
    assert english[0].startswith("Record how the complaint was resolved")


def test_closed_tickets_take_no_more_steps(company, complaint):
    Ticket.objects.filter(pk=complaint.pk).update(status="closed")
    complaint.refresh_from_db()
    with pytest.raises(ApplicationError) as error:
        record(company, complaint, 1)
    assert error.value.code == "ticket_closed"
