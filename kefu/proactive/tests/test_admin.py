"""The admin screens: segment rules checked as the RFM model reads them; the care list
settings saved through their service (checked and audited)."""

from kefu.core.testing.console import signed_in
from kefu.proactive.care_settings import thresholds
from kefu.proactive.models import CareSettingsChange, SegmentRule
from kefu.proactive.rules import DEFAULTS, LIMITS


def test_a_segment_rule_with_bad_conditions_is_refused(company):
    admin = signed_in(company.admin, "en")
    form = {"code": "vip_buyers", "name": "大客户", "name_en": "Big buyers", "order": "10",
            "active": "on"}
    for bad in ('{"r": [5, 4]}', '{"x": [1, 2]}', '[1, 2]'):
        response = admin.post("/admin/proactive/segmentrule/add/", {**form, "rule": bad})
        assert response.status_code == 200 and "errorlist" in response.content.decode(), bad
    assert not SegmentRule.objects.exists()
    ok = admin.post("/admin/proactive/segmentrule/add/", {**form, "rule": '{"m": [5, 5]}'})
    assert ok.status_code == 302 and SegmentRule.objects.get().rule == {"m": [5, 5]}


def test_the_settings_admin_screen_saves_through_the_service(company):
    admin = signed_in(company.admin, "en")
    values = {name: getattr(DEFAULTS, name) for name in LIMITS}
    response = admin.post("/admin/proactive/caresettings/add/", {**values, "vip_silence_days": "45"})
    assert response.status_code == 302
    assert thresholds().vip_silence_days == 45
    assert CareSettingsChange.objects.get().changes == {"vip_silence_days": {"old": 60, "new": 45}}
    # out of range: the form refuses it, nothing changes
    bad = admin.post("/admin/proactive/caresettings/1/change/", {**values, "churn_risk": "3"})
    assert bad.status_code == 200 and thresholds().churn_risk == DEFAULTS.churn_risk
