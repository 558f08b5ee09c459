"""Normalisation and language detection."""

from kefu.insights.sentiment.text import detect_language, normalise, to_simplified


def test_traditional_to_simplified():
    assert to_simplified("服務態度很好，謝謝！") == "服务态度很好，谢谢！"
    assert to_simplified("網路一直斷線") == "网络一直断线"


def test_normalise_folds_width_and_case():
    assert normalise("ＡＢＣ！？") == "abc!?"


def test_language_share_of_han_characters():
    assert detect_language("请问我的包裹到哪了") == "zh"
    assert detect_language("Where is my parcel") == "en"
    assert detect_language("订单 SF1234567890 查一下") == "zh"
    assert detect_language("My order number is 订单") == "en"
    assert detect_language("12345 !!!") == "en"
