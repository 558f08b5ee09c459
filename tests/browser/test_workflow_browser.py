"""The workflow panels in a real browser: they load after the ticket page (htmx), a complaint
step is recorded from the checklist, recovery is requested with the limit hint (Alpine), a
supervisor approves it from the approvals page, and the SLA shows in the inbox and on the
ticket, in English and Chinese."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.browser.conftest import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")

from playwright.sync_api import expect  # noqa: E402

from kefu.accounts.services import user_set_language  # noqa: E402
from kefu.workflow.defaults import ensure_defaults  # noqa: E402
from kefu.workflow.models import ComplaintStep, EmpowermentLimit, RecoveryAction  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(company, make_ticket):
    ensure_defaults()  # the standard calendar and default SLA policy, as `kefu migrate` makes
    user_set_language(user=company.agent_east, language="en")
    user_set_language(user=company.supervisor_east, language="en")
    EmpowermentLimit.objects.create(role="agent", currency="CNY", max_amount=Decimal("50"))
    EmpowermentLimit.objects.create(role="supervisor", currency="CNY", max_amount=Decimal("1000"))
    complaint = make_ticket(company.agent_east, company.alice, type="complaint",
                            subject="冷链断了 The cold chain broke")
    return SimpleNamespace(company=company, complaint=complaint)


def sign_in(page, username):
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"pw-{username}-123")
    page.click("#login-submit")


def test_agent_records_a_complaint_step_and_asks_for_recovery(page, desk, screenshot):
    sign_in(page, "agent-east")
    # the inbox shows the SLA time left for the new complaint
    expect(page.locator(f'tr[data-ticket="{desk.complaint.pk}"] .sla')).to_contain_text("left")
    page.goto(f"/tickets/{desk.complaint.pk}/")
    # the SLA panel comes with the page; the checklist and the recovery panel load after it
    expect(page.locator("#sla-panel")).to_contain_text("first response")
    expect(page.locator("#step-form-1")).to_be_visible()
    # when the agent records step 1 with a note
    page.fill("#step-form-1 textarea[name=note]", "Invited the customer to the quiet room")
    with page.expect_navigation():
        page.click("#step-form-1 button[value=done]")
    # then the checklist shows it done, and the timeline says so
    expect(page.locator("#step-form-2")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("complaint step 1")
    assert ComplaintStep.objects.filter(ticket=desk.complaint, step=1, outcome="done").exists()
    # when they type an amount above their limit, the form says it needs approval
    page.select_option("#recovery-kind", "refund")
    page.fill("#recovery-amount", "120")
    expect(page.locator("#recovery-form")).to_contain_text("a supervisor must approve it")
    page.fill("textarea[name=note]:below(#recovery-amount)", "Spoiled goods refunded")
    with page.expect_navigation():
        page.click("#recovery-submit")
    expect(page.locator("#recovery-panel")).to_contain_text("120")
    action = RecoveryAction.objects.get(ticket=desk.complaint)
    assert action.status == "pending" and action.amount == Decimal("120")
    screenshot("workflow-complaint-en")


def test_supervisor_approves_from_the_queue_and_reads_it_in_chinese(page, desk, screenshot):
    from kefu.workflow.services.recovery import recovery_request

    action = recovery_request(ticket=desk.complaint, actor=desk.company.agent_east,
                              kind="refund", amount="300", note="整单退款")
    sign_in(page, "sup-east")
    page.click("#nav-approvals")
    expect(page.locator(f"#recovery-{action.pk}")).to_contain_text("300")
    with page.expect_navigation():
        page.locator(f"#recovery-{action.pk} button", has_text="Approve").click()
    expect(page.locator(f"#recovery-{action.pk}")).to_have_count(0)  # gone from the queue
    action.refresh_from_db()
    assert action.status == "approved" and action.decided_by == desk.company.supervisor_east
    # the same ticket in Chinese: the checklist and the SLA panel speak Chinese
    page.goto(f"/tickets/{desk.complaint.pk}/")
    page.click("#lang-zh")
    expect(page.locator("#complaint-flow")).to_contain_text("投诉处理七步法")
    expect(page.locator("#sla-panel")).to_contain_text("首次响应")
    screenshot("workflow-complaint-zh")
