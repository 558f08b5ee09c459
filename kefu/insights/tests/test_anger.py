"""The anger/abuse flag: insults, profanity, threats, shouting, "!!!" — not mild complaints."""

import pytest

from kefu.insights.sentiment import analyse
from kefu.insights.sentiment.anger import is_shouting


@pytest.mark.parametrize(
    "text",
    [
        "垃圾客服，一群骗子！",
        "你们是不是有病？",
        "再不退钱我就去12315投诉你们",
        "我要起诉你们",
        "气死我了",
        "我的钱呢？？？",
        "You are useless idiots.",
        "What the hell is going on?",
        "I'll be reporting you to the ombudsman.",
        "My lawyer will contact you.",
        "WHERE IS MY REFUND",
        "Where is my parcel???",
        "Why?!",
    ],
)
def test_angry_or_abusive_messages_are_flagged(text):
    s = analyse(text)
    assert s.anger
    assert s.label == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "不太满意，希望改进",
        "快递有点慢",
        "I'm not very happy with the delay.",
        "The room was a bit noisy.",
        "THANK YOU SO MUCH!!!",
        "I need the VAT invoice for ABC Ltd.",
        "操作很简单，谢谢",
    ],
)
def test_mild_dissatisfaction_and_happy_excitement_are_not_flagged(text):
    assert not analyse(text).anger


def test_shouting_needs_several_capitalised_words():
    assert is_shouting("THIS IS THE THIRD TIME")
    assert is_shouting("ABSOLUTELY RIDICULOUS")
    assert not is_shouting("My SMS code from the ATM never came")
    assert not is_shouting("OK")
