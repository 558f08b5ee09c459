"""The pure care-list rules."""

from datetime import date

from kefu.proactive import rules

TODAY = date(2026, 5, 10)


def test_run_out_is_listed_within_the_notice_and_most_urgent_when_past():
    # given a band whose early edge is 2 days away and a 3-day notice
    occ = rules.run_out_occasion(product_id=1, low=date(2026, 5, 12), expected=date(2026, 5, 14),
                                 high=date(2026, 5, 17), today=TODAY, lead_days=3,
                                 cycle="2026-04-20", product="rice", unit="kg")
    # then it is listed, keyed by the purchase cycle, due at the early edge
    assert occ.key == "run_out:1:2026-04-20" and occ.due == date(2026, 5, 12)
    assert 0.3 <= occ.urgency < 1
    # when the early edge is further than the notice: not listed
    assert rules.run_out_occasion(product_id=1, low=date(2026, 5, 20), expected=date(2026, 5, 22),
                                  high=date(2026, 5, 25), today=TODAY, lead_days=3, cycle="x",
                                  product="rice", unit="kg") is None
    # when the expected date has passed: full urgency
    past = rules.run_out_occasion(product_id=1, low=date(2026, 5, 1), expected=date(2026, 5, 9),
                                  high=date(2026, 5, 12), today=TODAY, lead_days=3, cycle="x",
                                  product="rice", unit="kg")
    assert past.urgency == 1.0 and past.due == TODAY
    # when even the band's late edge is weeks past, they stopped buying: not a delivery
    lapsed = dict(product_id=1, low=date(2026, 3, 1), expected=date(2026, 3, 5),
                  high=date(2026, 3, 10), today=TODAY, lead_days=3, cycle="x", product="rice",
                  unit="kg")
    assert rules.run_out_occasion(**lapsed) is None
    longer = rules.Thresholds(run_out_grace_days=90)
    assert rules.run_out_occasion(**lapsed, limits=longer).urgency == 1.0


def test_churn_only_for_repeat_customers_at_risk():
    assert rules.churn_occasion(prob_alive=0.2, frequency=3, last_purchase=date(2026, 1, 1),
                                today=TODAY).urgency == 0.8
    assert rules.churn_occasion(prob_alive=0.7, frequency=3, last_purchase=date(2026, 1, 1),
                                today=TODAY) is None
    assert rules.churn_occasion(prob_alive=0.1, frequency=0, last_purchase=date(2026, 1, 1),
                                today=TODAY) is None


def test_birthdays_recur_yearly_and_renewals_do_not():
    occ = rules.date_occasion(special_id=7, kind="birthday", anchor=date(1980, 5, 14), today=TODAY)
    assert occ.key == "birthday:7:2026-05-14" and occ.due == date(2026, 5, 14)
    assert rules.date_occasion(special_id=7, kind="birthday", anchor=date(1980, 6, 14),
                               today=TODAY) is None
    assert rules.date_occasion(special_id=8, kind="renewal", anchor=date(2026, 6, 1),
                               today=TODAY).kind == "renewal"
    assert rules.date_occasion(special_id=8, kind="renewal", anchor=date(2025, 5, 12),
                               today=TODAY) is None
    assert rules.next_occurrence(date(2000, 2, 29), date(2026, 3, 1)) == date(2027, 2, 28)


def test_silent_vips_and_ranking():
    occ = rules.vip_silent_occasion(tier_rank=10, last_contact=date(2026, 1, 1),
                                    since=date(2025, 1, 1), today=TODAY)
    assert occ.kind == "vip_silent" and occ.data["days"] == 129
    assert rules.vip_silent_occasion(tier_rank=100, last_contact=None, since=date(2020, 1, 1),
                                     today=TODAY) is None
    assert rules.rank(500.0, 0.5) == 250.0
    assert rules.rank(None, 0.5) == 0.5  # no model value yet: urgency still ranks
    assert rules.damped(1.0, True) == rules.DEFAULTS.damping


def test_scripts_in_both_languages():
    data = {"product": "大米", "date": "2026-05-14"}
    zh = rules.script("run_out", data, customer_name="王先生", language="zh-hans")
    en = rules.script("run_out", {**data, "product": "rice"}, customer_name="Mr Wang", language="en")
    assert "王先生" in zh and "2026-05-14" in zh
    assert en.startswith("Hello Mr Wang") and "rice" in en


def test_not_reachable_keeps_the_task_until_the_third_attempt():
    assert not rules.outcome_closes("not_reachable", 1)
    assert rules.outcome_closes("not_reachable", rules.DEFAULTS.max_attempts)
    assert rules.outcome_closes("declined", 1)
