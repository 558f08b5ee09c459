"""The pure escalation rules: thresholds, priority steps, when the customer is upset."""

from kefu.insights import rules


def test_anger_or_a_strongly_negative_score_escalates():
    assert rules.should_escalate(0.0, True)
    assert rules.should_escalate(rules.ESCALATE_SCORE, False)
    assert rules.should_escalate(-0.95, False)
    assert not rules.should_escalate(rules.ESCALATE_SCORE + 0.01, False)
    assert not rules.should_escalate(0.8, False)


def test_priority_goes_up_one_step_and_urgent_stays_urgent():
    assert [rules.raised_priority(p) for p in ("low", "normal", "high", "urgent")] == [
        "normal", "high", "urgent", "urgent"]
    assert rules.raised_priority("weird") == "weird"


def test_upset_follows_the_newest_texts():
    assert not rules.is_upset([])
    assert rules.is_upset([("negative", False)])
    assert rules.is_upset([("neutral", False), ("negative", True)])  # swore, then asked
    assert not rules.is_upset([("positive", False), ("negative", True)])  # calmed down
    assert not rules.is_upset([("neutral", False), ("negative", False)])
    old_anger = [("neutral", False)] * rules.UPSET_LOOKBACK + [("negative", True)]
    assert not rules.is_upset(old_anger)


def test_customer_words():
    assert rules.is_customer_message(from_customer=True, visibility="public")
    assert not rules.is_customer_message(from_customer=True, visibility="internal")
    assert not rules.is_customer_message(from_customer=False, visibility="public")
    assert rules.is_customer_description(channel="portal", created_by_id=1, customer_user_id=None)
    assert rules.is_customer_description(channel="api", created_by_id=7, customer_user_id=7)
    assert not rules.is_customer_description(channel="phone", created_by_id=3, customer_user_id=7)
    assert not rules.is_customer_description(channel="api", created_by_id=None,
                                             customer_user_id=None)
