"""The public API's contract: types, ranges, the JSON shape, blank text, language hints."""

import dataclasses

import pytest

from kefu.insights.sentiment import LABELS, Sentiment, analyse, analyse_many, to_json


def test_result_is_a_small_frozen_dataclass():
    s = analyse("服务很好")
    assert isinstance(s, Sentiment)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.label = "negative"  # type: ignore[misc]


def test_fields_stay_in_their_ranges():
    for text in ["太好了！", "垃圾服务", "请问几点下班？", "great", "awful!!!", "when?"]:
        s = analyse(text)
        assert s.label in LABELS
        assert -1.0 <= s.score <= 1.0
        assert isinstance(s.anger, bool)
        assert s.lang in ("zh", "en")


def test_label_agrees_with_the_sign_of_the_score():
    for text in ["非常满意，谢谢", "very disappointed", "差评", "love it"]:
        s = analyse(text)
        if s.label == "positive":
            assert s.score > 0
        if s.label == "negative":
            assert s.score < 0


def test_to_json_gives_exactly_the_four_fields():
    # given a result, when it is serialised, then only label/score/anger/lang remain
    data = to_json(analyse("The courier was rude."))
    assert set(data) == {"label", "score", "anger", "lang"}
    assert data["lang"] == "en" and data["label"] == "negative"
    assert isinstance(data["score"], float) and isinstance(data["anger"], bool)


@pytest.mark.parametrize("blank", ["", " ", "\n\t ", "\u3000"])
def test_blank_text_is_neutral_with_score_zero(blank):
    s = analyse(blank)
    assert (s.label, s.score, s.anger) == ("neutral", 0.0, False)


def test_analyse_many_keeps_order_and_length():
    texts = ["很满意", "", "terrible service", "请问怎么退款？"]
    results = analyse_many(texts)
    assert [r.label for r in results] == ["positive", "neutral", "negative", "neutral"]
    assert analyse_many(iter(texts)) == results


def test_language_is_detected_or_taken_from_the_hint():
    assert analyse("我的快递到了吗").lang == "zh"
    assert analyse("Where is my parcel?").lang == "en"
    assert analyse("my parcel", lang="zh-Hans").lang == "zh"
    assert analyse("我的快递", lang="en-GB").lang == "en"
    assert analyse("我的快递", lang="fr").lang == "zh"  # an unknown hint falls back to auto


def test_mixed_text_counts_han_characters_as_words():
    # given a Chinese sentence with English words in it, when analysed, then it is Chinese
    # and feelings in both scripts count
    s = analyse("你们的APP又闪退了 so bad")
    assert s.lang == "zh" and s.label == "negative"
    assert analyse("The 客服 was excellent").lang == "en"


def test_a_non_string_is_a_type_error():
    with pytest.raises(TypeError):
        analyse(None)  # type: ignore[arg-type]
