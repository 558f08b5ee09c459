"""Distribution: waves drawn reproducibly from the audience filters (a supervisor's only
from their branch), their invitations e-mailed with a working link, reminders on schedule,
response rates; CSAT after resolution by the periodic job (delay, once per ticket, per
ticket type, never internal tickets)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.conversations.models import OutboundEmail
from kefu.core.errors import ApplicationError
from kefu.customers.models import Customer, CustomerEvent, Tag
from kefu.surveys import distribution_rules, tokens
from kefu.surveys.models import CsatPolicy, Invitation, SurveyEvent, Wave
from kefu.surveys.services import invitations, policy, waves
from kefu.surveys.services.responses import response_submit
from kefu.tickets.services import ticket_transition

from .conftest import published


@pytest.fixture
def crowd(company):
    """30 more customers: 20 in the east (10 VIP, tagged 宽带), 10 in the west; all agree to
    e-mail except every fifth."""
    tag = Tag.objects.create(name="宽带")
    made = []
    for i in range(30):
        east = i < 20
        customer = Customer.objects.create(
            name=f"客户{i}", email=f"c{i}@example.com", consent_email=i % 5 != 0,
            tier=company.vip if east and i < 10 else company.regular,
            branch=company.east if east else company.west,
            language="en" if i % 2 else "zh-hans")
        if east and i < 10:
            customer.tags.add(tag)
        made.append(customer)
    return made


def _wave(company, shipped, actor=None, **kw):
    kw.setdefault("name", "2026 春季服务质量调查")
    return waves.wave_create(actor=actor or company.admin, version=published(shipped["servqual"]),
                             **kw)


def test_a_wave_samples_reproducibly_from_its_audience(company, shipped, crowd):
    # given a wave of 5 VIP customers of the east branch, seed 42
    wave = _wave(company, shipped, filters={"tiers": ["vip"], "branches": ["east"]},
                 sample_size=5, seed=42, reminder_days=[3, 7])
    # when it is launched
    waves.wave_launch(actor=company.admin, wave=wave)
    # then 5 of the eligible (VIP, east, consenting to e-mail, with an address) are invited
    eligible = set(Customer.objects.filter(tier=company.vip, branch=company.east,
                                           consent_email=True).exclude(email="")
                   .values_list("pk", flat=True))
    invited = set(Invitation.objects.filter(wave=wave).values_list("customer_id", flat=True))
    assert len(invited) == 5 and invited <= eligible
    wave.refresh_from_db()
    assert (wave.status, wave.population, wave.invited) == ("open", len(eligible), 5)
    # drawing again with the recorded seed gives the same people
    assert distribution_rules.sample_ids(sorted(eligible), size=5, seed=wave.seed) == sorted(invited)
    # each invitation keeps the customer's branch and tier at the time
    for invitation in Invitation.objects.filter(wave=wave).select_related("customer"):
        assert invitation.branch_id == company.east.pk and invitation.tier_id == company.vip.pk
        assert invitation.language == invitation.customer.language
    assert SurveyEvent.objects.filter(wave=wave, kind="wave_launched").get().data == {
        "population": len(eligible), "invited": 5, "seed": 42}


def test_wave_invitations_are_emailed_with_a_working_link(company, shipped, crowd):
    wave = _wave(company, shipped, filters={"tags": ["宽带"]}, sample_fraction=1.0,
                 reminder_days=[3])
    waves.wave_launch(actor=company.admin, wave=wave)
    # the launch queues the sending; the job sends them in batches
    assert invitations.send_pending(wave_id=wave.pk) == {"sent": 8, "undeliverable": 0}
    mails = list(OutboundEmail.objects.filter(kind="notification").order_by("pk"))
    assert len(mails) == 8
    invitation = Invitation.objects.get(customer__email=mails[0].to_address, wave=wave)
    assert invitation.sent_at is not None
    assert invitation.next_reminder_at == invitation.sent_at + timedelta(days=3)
    link = re.search(r"https://help\.example\.com/s/([\w-]+)/", mails[0].body_text)
    assert link, mails[0].body_text
    # the link's token is not stored, only its hash
    assert link.group(1) not in (invitation.token_hash, invitation.token_salt)
    assert tokens.token_hash(link.group(1)) == invitation.token_hash
    language = invitation.customer.language
    assert mails[0].language == language
    assert ("Your opinion, please" in mails[0].subject) == (language == "en")
    response_submit(token=link.group(1), answers={"tan1": {"expectation": 7, "perception": 6},
                                                  **{c: {"expectation": 6, "perception": 5}
                                                     for c in _item_codes() if c != "tan1"}})
    rates = waves.response_rates(wave)
    assert rates == {"invited": 8, "delivered": 8, "undeliverable": 0, "reminded": 0,
                     "responded": 1, "expired": 0, "rate": 0.125}


def _item_codes():
    from kefu.surveys.instruments_data import SERVQUAL_ITEMS

    return [code for code, *_rest in SERVQUAL_ITEMS]


def test_reminders_go_to_those_who_have_not_answered(company, shipped, crowd):
    wave = _wave(company, shipped, filters={"tags": ["宽带"]}, reminder_days=[3, 7])
    waves.wave_launch(actor=company.admin, wave=wave)
    invitations.send_pending(wave_id=wave.pk)
    answered, waiting = Invitation.objects.filter(wave=wave).order_by("pk")[:2]
    response_submit(token=invitations.link_token(answered),
                    answers={c: {"expectation": 5, "perception": 5} for c in _item_codes()})
    OutboundEmail.objects.all().delete()
    # nothing is due on day 2
    assert invitations.remind_due(now=timezone.now() + timedelta(days=2)) == 0
    # on day 4 the seven who have not answered get their first reminder, with the same link
    assert invitations.remind_due(now=timezone.now() + timedelta(days=4)) == 7
    waiting.refresh_from_db()
    assert waiting.reminder_count == 1
    assert waiting.next_reminder_at == waiting.sent_at + timedelta(days=7)
    mail = OutboundEmail.objects.get(to_address=waiting.customer.email)
    assert invitations.link_token(waiting) in mail.body_text
    assert not OutboundEmail.objects.filter(to_address=answered.customer.email).exists()
    # once the wave is closed, no more reminders
    waves.wave_close(actor=company.admin, wave=wave)
    assert invitations.remind_due(now=timezone.now() + timedelta(days=8)) == 0
    assert waves.response_rates(wave)["reminded"] == 7


def test_portal_waves_need_a_portal_login_and_send_no_email(company, shipped, crowd):
    wave = _wave(company, shipped, channel="portal")
    waves.wave_launch(actor=company.admin, wave=wave)
    invitations.send_pending(wave_id=wave.pk)
    assert set(Invitation.objects.filter(wave=wave).values_list("customer_id", flat=True)) == {
        company.alice.pk, company.bob.pk}
    assert not OutboundEmail.objects.exists()
    assert waves.response_rates(wave)["delivered"] == 2


def test_a_branch_supervisor_asks_only_their_branch(company, shipped, crowd):
    wave = _wave(company, shipped, actor=company.supervisor_east)
    assert wave.branch == company.east
    waves.wave_launch(actor=company.supervisor_east, wave=wave)
    branches = set(Invitation.objects.filter(wave=wave).values_list("customer__branch_id",
                                                                    flat=True))
    assert branches == {company.east.pk}


def test_the_management_survey_goes_to_managers_in_the_console(company, shipped):
    company.supervisor_east.email = "sup@example.com"
    company.supervisor_east.save()
    wave = waves.wave_create(actor=company.admin, version=published(shipped["management"]),
                             name="管理层认知 2026")
    assert (wave.audience, wave.channel) == ("staff", "console")
    waves.wave_launch(actor=company.admin, wave=wave)
    invitations.send_pending(wave_id=wave.pk)
    users = set(Invitation.objects.filter(wave=wave).values_list("user_id", flat=True))
    assert users == {company.supervisor_east.pk, company.admin.pk}  # supervisors and admins
    sup = Invitation.objects.get(wave=wave, user=company.supervisor_east)
    assert (sup.branch_id, sup.team_id) == (company.east.pk, company.east_team.pk)
    mail = OutboundEmail.objects.get()
    assert mail.to_address == "sup@example.com"
    assert f"https://help.example.com/surveys/{sup.pk}/" in mail.body_text


@pytest.mark.parametrize("kw, code", [
    ({"sample_size": 5, "sample_fraction": 0.5}, "size_or_fraction"),
    ({"sample_fraction": 1.5}, "invalid_sample_fraction"),
    ({"sample_size": 0}, "invalid_sample_size"),
    ({"filters": {"tiers": ["platinum"]}}, "unknown_filter_value"),
    ({"filters": {"roles": ["agent"]}}, "invalid_filters"),
    ({"filters": ["vip"]}, "invalid_filters"),
    ({"channel": "console"}, "invalid_channel"),
    ({"reminder_days": [7, 3]}, "invalid_reminder_days"),
    ({"expires_days": 0}, "invalid_expires_days"),
    ({"name": ""}, "required"),
])
def test_bad_waves_are_refused(company, shipped, kw, code):
    with pytest.raises(ApplicationError) as refused:
        _wave(company, shipped, **kw)
    assert refused.value.code == code
    assert not Wave.objects.exists()


def test_waves_need_a_published_version_and_a_manager(company, shipped):
    from kefu.surveys.services.instruments import version_draft

    draft = version_draft(actor=company.admin, instrument=shipped["servqual"])
    with pytest.raises(ApplicationError) as refused:
        waves.wave_create(actor=company.admin, version=draft, name="x")
    assert refused.value.code == "version_not_published"
    for user in (company.agent_east, company.auditor, company.customer_user):
        with pytest.raises(ApplicationError) as refused:
            _wave(company, shipped, actor=user)
        assert refused.value.status == 403
    wave = _wave(company, shipped)
    waves.wave_launch(actor=company.admin, wave=wave)
    with pytest.raises(ApplicationError) as refused:
        waves.wave_launch(actor=company.admin, wave=wave)
    assert refused.value.code == "wave_not_draft"


def test_skip_customers_invited_recently(company, shipped, crowd):
    first = _wave(company, shipped, filters={"tags": ["宽带"]})
    waves.wave_launch(actor=company.admin, wave=first)
    second = _wave(company, shipped, filters={"branches": ["east"]}, exclude_recent_days=30)
    waves.wave_launch(actor=company.admin, wave=second)
    twice = set(Invitation.objects.filter(wave=first).values_list("customer_id", flat=True)) & \
        set(Invitation.objects.filter(wave=second).values_list("customer_id", flat=True))
    assert not twice and second.invited > 0


# --- CSAT after resolution ----------------------------------------------------------------------

@pytest.fixture
def csat_policy(company, shipped):
    company.alice.consent_email = True
    company.alice.save()
    # the shipped policy (switched off) switched on: every type, CSAT by e-mail an hour later
    row = CsatPolicy.objects.get(ticket_type="", instrument=shipped["csat"])
    row.active = True
    return policy.csat_policy_save(actor=company.admin, policy=row)


def _resolve(company, ticket):
    return ticket_transition(ticket=ticket, actor=company.agent_east, status="resolved")


def test_resolved_tickets_get_a_csat_invitation_after_the_delay(company, shipped, csat_policy,
                                                                make_ticket):
    # given a ticket alice opened by phone, resolved by agent_east
    ticket = make_ticket(company.agent_east, company.alice, channel="phone")
    _resolve(company, ticket)
    # not before the delay
    assert invitations.csat_invite_due(now=timezone.now() + timedelta(minutes=30)) == 0
    # after it, once
    later = timezone.now() + timedelta(minutes=61)
    assert invitations.csat_invite_due(now=later) == 1
    assert invitations.csat_invite_due(now=later + timedelta(minutes=5)) == 0
    invitation = Invitation.objects.get(ticket=ticket)
    assert (invitation.customer, invitation.agent, invitation.team, invitation.branch,
            invitation.tier, invitation.contact_channel, invitation.policy) == (
        company.alice, company.agent_east, ticket.team, ticket.branch, company.vip, "phone",
        csat_policy)
    assert invitation.expires_at == later + timedelta(days=14)
    # the survey e-mail threads into the ticket's conversation
    mail = OutboundEmail.objects.get(kind="survey")
    assert mail.ticket == ticket and "https://help.example.com/s/" in mail.body_text
    assert CustomerEvent.objects.filter(customer=company.alice, kind="survey_invited").exists()
    # a reminder later is a notification on the same ticket
    assert invitations.remind_due(now=later + timedelta(days=3, minutes=1)) == 1
    assert OutboundEmail.objects.filter(kind="notification", ticket=ticket).count() == 1


def test_csat_respects_ticket_types_internal_tickets_and_the_start(company, shipped, csat_policy,
                                                                   make_ticket):
    # a specific row for complaints asks CES instead of the general row's CSAT
    policy.csat_policy_save(actor=company.admin, policy=CsatPolicy(
        ticket_type="complaint", instrument=shipped["ces"], delay_minutes=0, channel="portal",
        active=True))
    CsatPolicy.objects.create(ticket_type="complaint", instrument=shipped["csat"],
                              delay_minutes=0, channel="portal", active=False,
                              active_since=timezone.now(), updated_at=timezone.now())
    complaint = make_ticket(company.agent_east, company.alice, type="complaint")
    inquiry = make_ticket(company.agent_east, company.alice, type="inquiry")
    internal = make_ticket(company.agent_east, company.alice, type="internal")
    for ticket in (complaint, inquiry, internal):
        _resolve(company, ticket)
    invitations.csat_invite_due(now=timezone.now() + timedelta(hours=2))
    got = {(i.ticket_id, i.instrument.code) for i in Invitation.objects.select_related(
        "instrument")}
    assert got == {(complaint.pk, "ces"), (complaint.pk, "csat"), (inquiry.pk, "csat")}


def test_tickets_resolved_before_the_policy_started_are_not_surveyed(company, shipped,
                                                                     make_ticket):
    ticket = make_ticket(company.agent_east, company.alice)
    _resolve(company, ticket)
    # the shipped policy is off; switching it on starts it now
    row = CsatPolicy.objects.get()
    row.active = True
    policy.csat_policy_save(actor=company.admin, policy=row)
    assert invitations.csat_invite_due(now=timezone.now() + timedelta(days=1)) == 0
    assert not Invitation.objects.exists()


def test_a_bad_policy_is_refused(company, shipped):
    for kw, code in (({"instrument": shipped["servqual"]}, "invalid_instrument"),
                     ({"ticket_type": "internal"}, "invalid_ticket_type"),
                     ({"channel": "console"}, "invalid_channel"),
                     ({"reminder_days": [0]}, "invalid_reminder_days")):
        fields = {"ticket_type": "", "instrument": shipped["csat"], "delay_minutes": 60,
                  "channel": "email", "expires_days": 14, "reminder_days": [], **kw}
        with pytest.raises(ApplicationError) as refused:
            policy.csat_policy_save(actor=company.admin, policy=CsatPolicy(**fields))
        assert refused.value.code == code
    with pytest.raises(ApplicationError) as refused:
        policy.csat_policy_save(actor=company.admin, policy=CsatPolicy(
            ticket_type="", instrument=shipped["csat"], delay_minutes=5, channel="email",
            expires_days=14, reminder_days=[]))
    assert refused.value.code == "policy_exists"
    with pytest.raises(ApplicationError) as refused:
        policy.csat_policy_save(actor=company.supervisor_east, policy=CsatPolicy(
            instrument=shipped["csat"]))
    assert refused.value.status == 403
    assert CsatPolicy.objects.count() == 1
