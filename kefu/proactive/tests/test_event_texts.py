"""The customer timeline tells proactive events in words, in the reader's language."""

from django.utils import translation

from kefu.core.testing.console import signed_in
from kefu.proactive import services
from kefu.proactive.event_texts import TEXTS, proactive_event_text


def test_every_kind_has_a_sentence_in_both_languages():
    data = {"product": "rice", "product_name": "大米", "product_name_en": "Rice", "unit": "kg",
            "quantity": "20", "date": "2026-05-01", "capacity": "25", "kind": "birthday",
            "count": 3, "care_kind": "run_out", "result": "ordered", "reason": "太多电话"}
    for kind in TEXTS:
        with translation.override("en"):
            english = proactive_event_text(kind, data, {})
        with translation.override("zh-hans"):
            chinese = proactive_event_text(kind, data, {})
        assert english and chinese and english != kind, kind
    with translation.override("en"):
        assert proactive_event_text("purchase", data, {}) == "bought 20 kg of Rice on 2026-05-01"
        assert proactive_event_text("care_outcome", data, {}) == (
            "care contact (About to run out): Ordered")
        assert proactive_event_text("purchases_imported", {"count": 1}, {}) == "1 purchase imported"
        assert proactive_event_text("purchases_imported", {"count": 3}, {}) == "3 purchases imported"
    with translation.override("zh-hans"):
        assert "大米" in proactive_event_text("purchase", data, {})


def test_old_events_and_unknown_kinds():
    # given an event written before product names were kept: the code stands in
    with translation.override("en"):
        assert "rice" in proactive_event_text("container", {"product": "rice", "capacity": "25"}, {})
        # a kind that is not proactive is left to the caller; missing data never raises
        assert proactive_event_text("status", {}, {}) is None
        assert proactive_event_text("consumption", {}, {}).startswith("had ")


def test_the_customer_timeline_shows_the_sentences(company, rice):
    # given a purchase and a container recorded by an agent
    services.purchase_record(actor=company.agent_east, customer=company.alice, product=rice,
                             day="2026-05-01", quantity="20")
    services.container_set(actor=company.agent_east, customer=company.alice, product=rice,
                           capacity="25", name="米缸", household_size=4)
    # when the agent opens the customer page
    en = signed_in(company.agent_east, "en").get(f"/customers/{company.alice.pk}/").content.decode()
    # then the timeline says what happened, not the event's name
    assert "bought 20 kg of Rice on 2026-05-01" in en
    assert "keeps Rice in a container of 25 kg" in en
    zh = signed_in(company.agent_east, "zh-hans").get(f"/customers/{company.alice.pk}/")
    assert "大米" in zh.content.decode()
