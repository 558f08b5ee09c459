"""Fixed examples in both languages: what the scorer must get right."""

import pytest

from kefu.insights.sentiment import analyse


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # praise
        ("客服很耐心，问题很快就解决了，非常感谢！", "positive"),
        ("快递小哥送货很准时，点赞", "positive"),
        ("The agent was friendly and sorted it out in minutes, thank you!", "positive"),
        ("Excellent service, highly recommended.", "positive"),
        # complaints
        ("快递一个星期了还没到，太慢了", "negative"),
        ("房间很脏，空调也坏了", "negative"),
        ("I've been on hold for an hour and nobody has called back.", "negative"),
        ("The package arrived damaged and the refund still hasn't come through.", "negative"),
        # neutral questions and requests
        ("请问退款一般几天到账？", "neutral"),
        ("我想修改一下收货地址", "neutral"),
        ("How do I change my billing address?", "neutral"),
        ("Could you send me a copy of the invoice?", "neutral"),
    ],
)
def test_clear_cases(text, label):
    assert analyse(text).label == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("不是很满意", "negative"),
        ("不太满意这次的处理", "negative"),
        ("质量不差", "positive"),
        ("一点礼貌都没有", "negative"),
        ("没收到货", "negative"),
        ("not happy with this at all", "negative"),
        ("not bad at all", "positive"),
        ("The parcel never arrived.", "negative"),
        ("No complaints, great job.", "positive"),
    ],
)
def test_negation(text, label):
    assert analyse(text).label == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("东西还行，但是物流太慢了", "negative"),
        ("虽然等了很久，但是问题彻底解决了，很满意", "positive"),
        ("The room was nice, but the staff were rude.", "negative"),
        ("It took a while, but the agent fixed everything.", "positive"),
    ],
)
def test_contrast_weights_the_clause_after_but(text, label):
    assert analyse(text).label == label


@pytest.mark.parametrize(
    "text",
    [
        "太好了，又晚了两个小时",
        "真是谢谢你们了，让我白跑一趟",
        "Great, another delay.",
        "Oh wonderful, it broke again.",
    ],
)
def test_sarcasm_next_to_a_complaint_is_negative(text):
    assert analyse(text).label == "negative"


@pytest.mark.xfail(
    reason="'wasting' is not in the lexicon: a known miss of the held-out set, "
    "left unfixed so its figures stay blind (docs/insights.md)"
)
def test_sarcasm_without_a_known_complaint_word():
    assert analyse("Thanks a lot for wasting my afternoon.").label == "negative"


def test_but_turns_a_worry_into_praise_not_irony():
    assert analyse("I was worried at first, but the quality is great.").label == "positive"


def test_traditional_characters_read_like_simplified():
    assert analyse("服務態度很好，非常滿意。").label == "positive"
    assert analyse("等了兩個星期還沒收到貨，很失望").label == "negative"
    assert analyse("請問可以延遲退房嗎？").label == "neutral"


def test_full_width_text_is_folded():
    assert analyse("ＴＥＲＲＩＢＬＥ　ｓｅｒｖｉｃｅ").label == "negative"
