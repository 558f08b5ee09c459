"""The default playbook (data) and the skipped-steps report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.core.errors import PermissionDenied
from kefu.workflow.models import ComplaintStep, PlaybookStep
from kefu.workflow.playbook import (
    APOLOGIES,
    APOLOGY_CODES,
    DEFAULTS,
    apologies,
    playbook_ensure_defaults,
    playbook_steps,
    questions_of,
)
from kefu.workflow.selectors_complaint import skipped_steps_report
from kefu.workflow.services.complaint import complaint_step_record


def test_the_defaults_cover_seven_steps_in_both_languages():
    assert sorted(DEFAULTS) == [1, 2, 3, 4, 5, 6, 7]
    for step, d in DEFAULTS.items():
        assert d["help"] and d["help_en"], step
        assert d["phrases"]["zh-hans"] and d["phrases"]["en"], step
    # step 4 asks the seeds' questions, step 6 closed and open ones, in both languages
    for step in (4, 6):
        zh, en = questions_of(DEFAULTS[step]["questions"], "zh-hans"), questions_of(
            DEFAULTS[step]["questions"], "en")
        assert len(zh) == len(en) >= 3
        assert [q["kind"] for q in zh] == [q["kind"] for q in en]
    assert {q["kind"] for q in questions_of(DEFAULTS[6]["questions"], "en")} == {"open", "closed"}
    assert "客户到底想要什么？" in [q["text"] for q in questions_of(DEFAULTS[4]["questions"])]


def test_the_four_apologies_and_when_each_fits():
    assert [a["expression"] for a in APOLOGIES] == ["不好意思", "抱歉 / 非常抱歉", "对不起", "请您原谅"]
    assert len(set(APOLOGY_CODES)) == 4
    english = apologies("en")
    assert all(a["when"] and a["gloss"] for a in english)
    assert all(a["when"] and not a["gloss"] for a in apologies("zh-hans"))
    # the step-3 help explains them too
    for expression in ("不好意思", "抱歉", "对不起", "请您原谅"):
        assert expression in DEFAULTS[3]["help"] and expression in DEFAULTS[3]["help_en"]


@pytest.mark.django_db
def test_ensure_defaults_is_idempotent_and_keeps_edited_rows():
    # given an admin already edited step 2
    PlaybookStep.objects.create(step=2, help="我们自己的话术", help_en="Our own words")
    # when the defaults are ensured twice
    assert playbook_ensure_defaults() == 6
    assert playbook_ensure_defaults() == 0
    # then there are seven rows and step 2 is untouched
    assert list(PlaybookStep.objects.values_list("step", flat=True)) == [1, 2, 3, 4, 5, 6, 7]
    assert PlaybookStep.objects.get(step=2).help == "我们自己的话术"
    assert PlaybookStep.objects.get(step=4).questions == DEFAULTS[4]["questions"]


@pytest.mark.django_db
def test_the_playbook_reads_in_the_users_language_and_falls_back_to_defaults():
    # given no rows at all / then the defaults are read
    assert playbook_steps("en")[1]["help"] == DEFAULTS[1]["help_en"]
    assert playbook_steps("zh-hans")[1]["help"] == DEFAULTS[1]["help"]
    # given an edited row / then it wins, by language
    PlaybookStep.objects.create(step=1, help="中文帮助", help_en="English help",
                                phrases={"zh-hans": ["请坐"], "en": ["Please sit down"]},
                                questions={"en": ["Where?", {"text": "OK?", "kind": "closed"}, 5]})
    en, zh = playbook_steps("en")[1], playbook_steps("zh-hans")[1]
    assert (en["help"], en["phrases"]) == ("English help", ["Please sit down"])
    assert (zh["help"], zh["phrases"]) == ("中文帮助", ["请坐"])
    # malformed entries an admin typed are skipped, not a crash
    assert en["questions"] == [{"text": "Where?", "kind": "open"}, {"text": "OK?", "kind": "closed"}]


def _steps(actor, ticket, skipped: dict[int, str], upto: int):
    for step in range(1, upto + 1):
        if step in skipped:
            complaint_step_record(ticket=ticket, actor=actor, step=step, outcome="skipped",
                                  reason=skipped[step])
        elif step == 3:
            complaint_step_record(ticket=ticket, actor=actor, step=3, apology="baoqian")
        else:
            complaint_step_record(ticket=ticket, actor=actor, step=step)


@pytest.mark.django_db
def test_the_report_counts_done_and_skipped_steps_and_the_common_reasons(company, make_ticket):
    # given three east complaints and one west complaint
    for i, skipped in enumerate(({1: "电话投诉"}, {1: "电话投诉 ", 3: "我方无过错"}, {1: "客户在线上"})):
        ticket = make_ticket(company.agent_east, company.alice, type="complaint", subject=f"东{i}")
        _steps(company.agent_east, ticket, skipped, upto=3)
    west = make_ticket(company.agent_west, company.bob, type="complaint")
    _steps(company.agent_west, west, {1: "西区原因", 2: "西区原因"}, upto=2)
    # when the east supervisor reads the report
    rows = {r["step"]: r for r in skipped_steps_report(company.supervisor_east)}
    # then it covers the seven steps over the tickets they see (not the west one)
    assert sorted(rows) == [1, 2, 3, 4, 5, 6, 7]
    assert (rows[1]["done"], rows[1]["skipped"]) == (0, 3)
    assert rows[1]["reasons"] == [{"reason": "电话投诉", "count": 2},
                                  {"reason": "客户在线上", "count": 1}]
    assert (rows[2]["done"], rows[2]["skipped"]) == (3, 0)
    assert (rows[3]["done"], rows[3]["skipped"], rows[3]["skip_rate"]) == (2, 1, 0.333)
    assert rows[7] == {**rows[7], "done": 0, "skipped": 0, "skip_rate": None, "reasons": []}
    # and the admin sees the west one too
    everything = {r["step"]: r for r in skipped_steps_report(company.admin)}
    assert everything[1]["skipped"] == 4 and everything[2]["skipped"] == 1


@pytest.mark.django_db
def test_the_report_can_start_at_a_date(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, type="complaint")
    _steps(company.agent_east, ticket, {1: "旧原因"}, upto=1)
    ComplaintStep.objects.update(created_at=timezone.now() - timedelta(days=100))
    rows = skipped_steps_report(company.auditor, since=timezone.now() - timedelta(days=30))
    assert rows[0]["skipped"] == 0
    assert skipped_steps_report(company.auditor)[0]["skipped"] == 1


@pytest.mark.django_db
def test_agents_and_customers_do_not_see_the_report(company):
    for user in (company.agent_east, company.customer_user):
        with pytest.raises(PermissionDenied):
            skipped_steps_report(user)
