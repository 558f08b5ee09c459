"""The care list's thresholds: administrators change them (checked, audited), the daily job
reads them on its next run."""

from datetime import date

import pytest
from django.utils import timezone

from kefu.core.errors import ApplicationError
from kefu.core.testing.console import signed_in
from kefu.proactive import rules
from kefu.proactive.care_settings import care_settings_save, thresholds
from kefu.proactive.carelist import build_care_lists
from kefu.proactive.models import (
    CareSettings,
    CareSettingsChange,
    CareTask,
    CustomerScore,
    SpecialDate,
)

TODAY = date(2026, 5, 10)


def test_the_pure_check_names_the_first_bad_threshold():
    assert rules.check_thresholds(rules.DEFAULTS) is rules.DEFAULTS
    for bad in ({"churn_risk": 1.5}, {"churn_risk": float("nan")}, {"vip_silence_days": 0},
                {"max_attempts": 2.5}, {"greeting_days": True}, {"damping": -0.1}):
        field = next(iter(bad))
        with pytest.raises(rules.ThresholdError) as error:
            rules.check_thresholds(rules.Thresholds(**{**rules.DEFAULTS.__dict__, **bad}))
        assert error.value.field == field


def test_only_administrators_change_them_and_bad_values_change_nothing(company):
    # given the defaults
    assert thresholds() == rules.DEFAULTS
    # agents and supervisors may not change them
    for user in (company.agent_east, company.supervisor_east, company.auditor):
        with pytest.raises(ApplicationError) as refused:
            care_settings_save(actor=user, values={"churn_risk": 0.3})
        assert refused.value.status == 403
    # a bad value among good ones: refused with the field named, nothing written
    for values in ({"churn_risk": "0.3", "vip_silence_days": "-5"}, {"vip_silence_days": "abc"},
                   {"vip_silence_days": "30.5"}, {"nonsense": 1}):
        with pytest.raises(ApplicationError) as refused:
            care_settings_save(actor=company.admin, values=values)
        assert refused.value.details["field"] in values
    assert thresholds() == rules.DEFAULTS
    assert not CareSettingsChange.objects.exists()
    # good values are kept and audited
    care_settings_save(actor=company.admin, values={"churn_risk": "0.3", "vip_silence_days": 30})
    assert (thresholds().churn_risk, thresholds().vip_silence_days) == (0.3, 30)
    change = CareSettingsChange.objects.get()
    assert change.actor == company.admin
    assert change.changes["vip_silence_days"] == {"old": 60, "new": 30}


@pytest.fixture
def bob_at_some_risk(company):
    """Bob has a 35 % churn risk (under the default 50 %) and a birthday in four days."""
    CustomerScore.objects.create(customer=company.bob, frequency=4, prob_alive=0.65, clv=300,
                                 last_purchase=date(2026, 3, 2), computed_at=timezone.now())
    SpecialDate.objects.create(customer=company.bob, kind="birthday", date=date(1985, 5, 14))
    return company


def _open_kinds():
    return sorted(CareTask.objects.filter(status="open").values_list("kind", flat=True))


def test_changing_a_threshold_changes_the_next_care_list(bob_at_some_risk):
    company = bob_at_some_risk
    build_care_lists(TODAY)
    assert _open_kinds() == ["birthday"]
    # when an administrator lowers the churn threshold to 30 % and lists greetings 3 days ahead
    admin = signed_in(company.admin, "en")
    response = admin.post("/care/settings/", {**{name: getattr(rules.DEFAULTS, name)
                                                  for name in rules.LIMITS},
                                               "churn_risk": "0.3", "greeting_days": "3"})
    assert response.status_code == 302
    # then the next run lists Bob's churn risk and drops the birthday four days away
    counts = build_care_lists(TODAY)
    assert (counts["created"], counts["cancelled"]) == (1, 1)
    assert _open_kinds() == ["churn"]


def test_the_settings_page(company):
    # staff read the thresholds in both languages; only administrators see a form
    page = signed_in(company.agent_east, "en").get("/care/settings/")
    assert page.status_code == 200 and "Churn risk from which a customer is listed" in page.content.decode()
    assert 'name="churn_risk"' not in page.content.decode()
    assert signed_in(company.agent_east, "zh-hans").get("/care/settings/").status_code == 200
    assert not CareSettings.objects.exists()  # reading writes nothing
    assert signed_in(company.supervisor_east).post("/care/settings/",
                                                   {"churn_risk": "0.2"}).status_code == 403
    assert signed_in(company.customer_user).get("/care/settings/").status_code == 403
    admin = signed_in(company.admin, "en")
    assert 'name="churn_risk"' in admin.get("/care/settings/").content.decode()
    defaults = {name: getattr(rules.DEFAULTS, name) for name in rules.LIMITS}
    bad = admin.post("/care/settings/", {**defaults, "churn_risk": "2"})
    assert bad.status_code == 400 and "must lie between 0.05 and 0.99" in bad.content.decode()
    empty = admin.post("/care/settings/", {**defaults, "vip_rank": ""})
    assert empty.status_code == 400 and "must be a number" in empty.content.decode()
    assert thresholds() == rules.DEFAULTS


def test_max_attempts_is_read_when_an_outcome_is_recorded(bob_at_some_risk):
    from kefu.proactive import services

    company = bob_at_some_risk
    build_care_lists(TODAY)
    care_settings_save(actor=company.admin, values={"max_attempts": 1})
    task = CareTask.objects.get(kind="birthday")
    services.care_outcome_record(actor=company.agent_west, task=task, result="not_reachable")
    task.refresh_from_db()
    assert task.status == "done"
