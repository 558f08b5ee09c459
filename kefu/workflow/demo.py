"""The workflow part of the demo company: SLA policies on the standard calendar, a branch
closed day, SLA figures for every demo ticket (met and breached ones), and the alerts the
periodic job raises. Called by ``kefu demo`` after the tickets exist."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Branch
from kefu.customers.models import Tier
from kefu.tickets.models import Ticket

from .defaults import ensure_defaults
from .models import Alert, BranchClosedDay, Calendar, SlaPolicy
from .services import sla

#: (name, English name, order, tier code, priority, type, first response, next update,
#:  resolution, sunset rule) — business minutes; the default policy catches the rest.
POLICIES = [
    ("投诉：当日处理", "Complaints: same working day", 10, None, "", "complaint", 30, 120, 450, True),
    ("紧急工单", "Urgent tickets", 20, None, "urgent", "", 30, 60, 240, False),
    ("VIP 客户", "VIP customers", 30, "vip", "", "", 60, 240, 900, False),
    ("金卡客户", "Gold customers", 40, "gold", "", "", 120, None, 1350, False),
]


@transaction.atomic
def build_workflow_demo(now=None) -> list[str]:
    now = now or timezone.now()
    ensure_defaults()
    calendar = Calendar.objects.get(code="standard")
    tiers = {t.code: t for t in Tier.objects.all()}
    for name, name_en, order, tier, priority, ttype, first, update, resolution, sunset in POLICIES:
        SlaPolicy.objects.get_or_create(name=name, defaults=dict(
            name_en=name_en, order=order, tier=tiers.get(tier) if tier else None,
            priority=priority, type=ttype, calendar=calendar, first_response_minutes=first,
            next_update_minutes=update, resolution_minutes=resolution, sunset_rule=sunset))
    beijing = Branch.objects.filter(code="bj-chaoyang").first()
    if beijing:
        BranchClosedDay.objects.get_or_create(
            branch=beijing, day=(now + timedelta(days=10)).date(),
            defaults={"reason": "门店盘点 stock-take"})
    for cache in (sla.POLICIES, sla.CALENDARS, sla.CLOSED_DAYS):
        cache.clear()
    count = 0
    for ticket in Ticket.objects.select_related("customer").order_by("pk").iterator(chunk_size=500):
        sla.sla_recompute(ticket, now)
        count += 1
    alerts = sla.sla_check(now)
    # Alerts about tickets from weeks ago are history in a demo: leave the recent ones unread.
    Alert.objects.filter(ticket__created_at__lt=now - timedelta(days=3)).update(read_at=now)
    lines = [f"SLA worked out for {count} tickets; the watch job raised {alerts['warned']} "
             f"warnings, {alerts['breached']} breaches and {alerts['escalated']} escalations"]
    lines.append(_complaints(now))
    lines.append(_recovery())
    lines.append(_handoffs())
    return lines


# (step reached, zh note) — one complaint at every step of the seven, then finished ones.
STEP_NOTES = {
    1: "请客户到门店会客室，避免在收银台前争执。",
    2: "客户情绪激动，先倾听，复述客户的不满，表示理解。",
    4: "客户要的是当天补送和一个说法；老客户，金卡；根因是分拣漏单。",
    6: "客户接受补送方案，希望以后提前电话告知。",
}
ANSWERS_4 = [{"question": "客户最希望得到什么？", "answer": "今天之内补送，并解释原因", "kind": "open"},
             {"question": "问题的根源是什么？", "answer": "仓库分拣漏单", "kind": "open"}]
ANSWERS_6 = [{"question": "您对这个解决方案满意吗？", "answer": "yes", "kind": "closed"},
             {"question": "还有什么希望我们改进的？", "answer": "晚到请提前打电话", "kind": "open"}]


def _complaint_tickets(limit: int):
    return list(Ticket.objects.filter(type="complaint", status__in=["open", "pending_internal"],
                                      owner__isnull=False)
                .select_related("customer", "owner").order_by("-created_at")[:limit])


def _complaints(now) -> str:
    from .services import complaint

    tickets = _complaint_tickets(12)
    for n, ticket in enumerate(tickets):
        reached = n % 8  # 0…7 steps recorded
        actor = ticket.owner
        for step in range(1, reached + 1):
            if step == 3 and n % 3 == 0:
                complaint.complaint_step_record(ticket=ticket, actor=actor, step=3,
                                                outcome="skipped", reason="客户只要求尽快补送，未追究责任")
                continue
            complaint.complaint_step_record(
                ticket=ticket, actor=actor, step=step, note=STEP_NOTES.get(step, ""),
                apology="duibuqi" if step == 3 else None,
                answers=ANSWERS_4 if step == 4 else ANSWERS_6 if step == 6 else None,
                solution="今天 18:00 前补送全部缺货，并赠送 20 元代金券" if step == 5 else "",
                due_at=now + timedelta(hours=2 + n) if step == 5 else None)
        if reached == 7:
            complaint.resolution_record(ticket=ticket, actor=actor,
                                        summary="已补送缺货商品，赠送代金券，分拣流程加复核。")
            if n % 2:
                complaint.resolution_confirm(ticket=ticket, actor=actor,
                                             note="回访：客户确认已收到，表示满意。")
        elif reached == 6:
            complaint.follow_up_schedule(ticket=ticket, actor=actor,
                                         due_at=now + timedelta(days=1),
                                         purpose="确认补送商品是否收到，客户是否满意")
    return f"complaints: {len(tickets)} at every step of the seven-step flow"


#: (role, kind or "", tier code or None, limit in CNY)
LIMITS = [("agent", "", None, 100), ("agent", "voucher", None, 50), ("agent", "", "vip", 300),
          ("supervisor", "", None, 2000), ("admin", "", None, 20000)]


def _recovery() -> str:
    from .models import EmpowermentLimit
    from .services import recovery

    tiers = {t.code: t for t in Tier.objects.all()}
    for role, kind, tier, amount in LIMITS:
        EmpowermentLimit.objects.get_or_create(role=role, kind=kind, tier=tiers.get(tier) if tier else None,
                                               currency="CNY", defaults={"max_amount": amount})
    tickets = _complaint_tickets(12)
    plans = [("voucher", 20, "配送迟到，赠送代金券"), ("refund", 58, "退还缺货商品货款"),
             ("gift", 80, "送上当季水果礼盒致歉"), ("refund", 650, "整单退款：冷链断链，商品变质"),
             ("apology_visit", 0, "店长登门致歉"), ("free_service", 150, "下月免配送费")]
    made = 0
    for ticket, (kind, amount, note) in zip(tickets, plans, strict=False):
        action = recovery.recovery_request(ticket=ticket, actor=ticket.owner, kind=kind,
                                           amount=amount, note=note)
        made += 1
        if action.status == "pending" and amount < 1000 and made % 2 == 0:
            approver = _supervisor_for(ticket)
            if approver is not None and approver.pk != ticket.owner_id:
                recovery.recovery_approve(action=action, actor=approver, reason="同意，注意回访")
    return f"service recovery: {len(LIMITS)} empowerment limits, {made} recovery actions"


def _supervisor_for(ticket):
    from .services.sla import supervisors_for

    found = supervisors_for(ticket)
    return found[0] if found else None


def _handoffs() -> str:
    from kefu.accounts.models import Team

    from .services import handoff

    backoffice = Team.objects.filter(code="backoffice").first()
    if backoffice is None:
        return "hand-offs: none (no back-office team)"
    tickets = list(Ticket.objects.filter(status="open", owner__isnull=False)
                   .exclude(team=backoffice).select_related("owner").order_by("-created_at")[:3])
    for n, ticket in enumerate(tickets):
        request = handoff.handoff_request(ticket=ticket, actor=ticket.owner, to_team=backoffice,
                                          note="请后台核对仓库出库记录并安排补送。")
        member = backoffice.members.filter(is_active=True).first()
        if n == 1 and member is not None:
            handoff.handoff_accept(handoff=request, actor=member)
    return f"hand-offs: {len(tickets)} to the delivery back office"
