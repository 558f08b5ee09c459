"""The e-mail parser reads what customers really send (pure: no database).

The corpus (``corpus/*.eml``) holds one message per case; ``EXPECTED`` says what each must
read as. Files with ``{{TICKET}}`` are templates the ingest tests fill in.
"""

import base64
from pathlib import Path

import pytest

from kefu.conversations.email.charsets import decode_bytes, detect
from kefu.conversations.email.parse import Unparseable, decode_header_value, parse_message
from kefu.conversations.email.sanitise import html_to_text, sanitise_html

CORPUS = Path(__file__).parent / "corpus"

# file → (subject, sender address, text fragment, auto); None for "don't check"
EXPECTED = {
    "01-utf8-qp.eml": ("订单还没发货", "zhang.wei@example.cn", "编号 20260328-0017", None),
    "02-utf8-base64-alternative.eml": ("冰箱不制冷", "li.na@example.cn", "型号 BCD-215", None),
    "03-gb2312-base64.eml": ("牛奶过期了要退款", "wang.fang@example.cn", "收到的牛奶已经过期了", None),
    "04-gbk-qp.eml": ("投诉：门店态度差（喆）", "chen.zhe@example.cn", "朱镕基路", None),
    "05-gb18030-base64.eml": ("配送员没来 𠮷", "huang@example.cn", "广州市𠮷野家", None),
    "06-big5-qp.eml": ("訂單還沒有收到", "lin@example.tw", "請儘快處理", None),
    "07-big5-base64.eml": ("會員點數問題", "chen.ml@example.tw", "會員點數什麼時候", None),
    "08-iso2022jp.eml": ("商品が届きません", "yamada@example.jp", "まだ届いていません", None),
    "09-shiftjis-base64.eml": ("返品の質問①", "suzuki@example.jp", "①箱がない場合", None),
    "10-euckr-base64.eml": ("배송 문의", "kim@example.kr", "주문한 상품이", None),
    "11-euckr-qp.eml": ("환불 문의", "lee@example.kr", "환불은 언제", None),
    "12-windows1252-qp.eml": ("Livraison – 49 €", "francois@example.fr", "j’ai payé 49 € “express”",
                              None),
    "13-windows1251-base64.eml": ("Заказ не пришёл", "ivan@example.ru", "Мой заказ ещё", None),
    "14-latin1-declared-cp1252.eml": ("Salmon wasn't fresh", "zoe@example.co.uk",
                                      "the “fresh” salmon wasn’t fresh at all… Zoë", None),
    "15-mislabelled-gb2312-is-utf8.eml": ("快递显示签收但没收到", "zhao.lei@example.cn",
                                          "我的快递显示已签收", None),
    "16-mislabelled-ascii-is-gbk.eml": ("change address", "liu.yang@example.cn",
                                        "上海市浦东新区世纪大道100号", None),
    "17-undeclared-gbk-raw-headers.eml": ("会员卡激活问题", "sun.li@example.cn",
                                          "会员卡怎么激活", None),
    "18-raw-utf8-headers.eml": ("发票抬头写错了", "zhou.jie@example.cn", "鲜到家科技有限公司", None),
    "19-split-encoded-words.eml": ("退货退款申请", "qian@example.cn", "我要退货退款", None),
    "20-unknown-charset.eml": ("积分兑换", "wu@example.cn", "积分兑换失败了", None),
    "21-missing-headers.eml": ("", "minimal@example.org", "Just a body.", None),
    "22-no-sender.eml": ("who am i", "", "nobody sent this", None),
    "24-wrong-boundary.eml": ("边界错了", "zheng@example.cn", "边界写错了但正文还在", None),
    "25-no-boundary.eml": ("no boundary", "feng@example.cn", "Still readable text.", None),
    "26-bad-base64.eml": ("bad base64", "chu@example.cn", "This is plain text, not base64", None),
    "27-html-only-scripts.eml": ("包装破损（HTML）", "kong@example.cn", "包装破损", None),
    "28-inline-image.eml": ("照片在正文里", "cao@example.cn", "看图", None),
    "29-attachments.eml": ("附件：发票", "yan@example.cn", "请看附件", None),
    "30-auto-submitted.eml": (None, "noreply@shop.example", None, "auto-reply"),
    "31-x-autoreply.eml": ("Re: 订单", "gao@example.cn", "我正在休假", "auto-reply"),
    "32-zidong-huifu-subject.eml": ("自动回复: 您的工单已收到", "xu@example.cn", None, "auto-reply"),
    "33-automatic-reply-outlook.eml": (None, "ma@example.com", None, "auto-reply"),
    "34-dsn-bounce.eml": (None, "mailer-daemon@mx.example", None, "bounce"),
    "35-list-id.eml": ("本周特价", "news@shop.example", None, "list"),
    "36-precedence-bulk.eml": (None, "promo@example.net", None, "list"),
    "37-x-loop.eml": (None, "help@other.example", None, "loop-header"),
    "38-reply-in-reply-to.eml": ("Re: 关于您的发票", "alice@example.com", "抬头是鲜到家科技", None),
    "39-reply-token-only.eml": ("回复：【#{{TICKET}}】发票", "alice@example.com", "税号", None),
    "40-forward-foreign-token.eml": ("Fwd: [#{{TICKET}}] invoice", "bob@example.com",
                                     "Alice's original words", None),
    "41-same-subject-other-sender.eml": ("Re: 订单 12345 还没到", "carol@example.org",
                                         "我的订单也没到", None),
    "42-mbox-from-line-flowed.eml": ("flowed text", "alice@example.com",
                                     "This is one long line that the client wrapped softly", None),
    "43-forwarded-inline-gbk.eml": ("转发: 补偿方案", "he@example.cn", "给您补偿50元优惠券", None),
    "44-read-receipt.eml": (None, "lu@example.cn", None, "auto-reply"),
    "45-windows1250-qp.eml": ("Zwrot zamówienia", "pawel@example.pl", "zamówienie nie dotarło",
                              None),
}
UNPARSEABLE = {"23-not-an-email.eml"}


def test_the_corpus_has_a_case_for_every_file_and_at_least_30_messages():
    files = {p.name for p in CORPUS.glob("*.eml")}
    assert files == set(EXPECTED) | UNPARSEABLE
    assert len(files) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message_reads_as_expected(name):
    # given a message from the corpus, when parsed, then subject, sender, text and kind match
    parsed = parse_message((CORPUS / name).read_bytes())
    subject, sender, fragment, auto = EXPECTED[name]
    if subject is not None:
        assert parsed.subject == subject
    assert parsed.from_address == sender
    if fragment is not None:
        assert fragment in parsed.text
    assert parsed.auto == auto
    assert "\x00" not in parsed.text and "\ufffd" not in parsed.text + parsed.subject


@pytest.mark.parametrize("name", sorted(UNPARSEABLE))
def test_bytes_that_are_not_mail_are_unparseable(name):
    with pytest.raises(Unparseable) as exc:
        parse_message((CORPUS / name).read_bytes())
    assert "header" in exc.value.reason


def test_encoded_word_names_are_decoded():
    parsed = parse_message((CORPUS / "03-gb2312-base64.eml").read_bytes())
    assert parsed.from_name == "王芳"
    assert parse_message((CORPUS / "08-iso2022jp.eml").read_bytes()).from_name == "山田太郎"
    assert parse_message((CORPUS / "12-windows1252-qp.eml").read_bytes()).from_name == \
        "François Müller"


def test_a_lying_charset_label_is_noted_as_a_problem():
    parsed = parse_message((CORPUS / "15-mislabelled-gb2312-is-utf8.eml").read_bytes())
    assert any("UTF-8" in p for p in parsed.problems)


def test_missing_headers_are_problems_not_errors():
    parsed = parse_message((CORPUS / "21-missing-headers.eml").read_bytes())
    assert parsed.message_id == "" and parsed.date is None
    assert "no Message-ID" in parsed.problems and "no Subject" in parsed.problems


def test_threading_headers_are_read_in_order():
    parsed = parse_message((CORPUS / "38-reply-in-reply-to.eml").read_bytes())
    assert parsed.message_id == "<corpus-38@mail.example>"
    assert parsed.in_reply_to == "<kefu.corpus-thread@kefu.example>"
    assert parsed.references == ("<corpus-thread-start@example.com>",
                                 "<kefu.corpus-thread@kefu.example>")
    assert parsed.date is not None and parsed.date.utcoffset().total_seconds() == 8 * 3600


def test_html_is_sanitised_and_remote_images_are_not_loaded():
    # given an HTML-only mail with scripts, handlers, a tracking pixel and a form
    parsed = parse_message((CORPUS / "27-html-only-scripts.eml").read_bytes())
    html = parsed.html_sanitised.lower()
    # then nothing active survives and no image loads from outside the message
    for bad in ("<script", "onload", "onclick", "javascript:", "<iframe", "<form", "<input",
                "<style", "steal", "<img"):
        assert bad not in html
    assert 'href="https://tracker.example/pixel.gif?u=1"' in html  # a link, followed on consent
    assert "kefu-remote-image" in html
    assert 'href="https://shop.example/order/1"' in html
    assert "破损照片" in parsed.html_sanitised
    # and the text comes from the HTML, without the script or style
    assert "alert" not in parsed.text and "background" not in parsed.text
    assert "您好" in parsed.text


def test_inline_images_are_attachments_the_html_may_reference():
    parsed = parse_message((CORPUS / "28-inline-image.eml").read_bytes())
    assert '<img src="cid:photo28@mail.example"' in parsed.html_sanitised
    (image,) = parsed.attachments
    assert image.is_inline and image.content_id == "photo28@mail.example"
    assert image.content_type == "image/png" and image.data.startswith(b"\x89PNG")


def test_attachment_names_in_rfc_2231_and_encoded_words_are_decoded():
    parsed = parse_message((CORPUS / "29-attachments.eml").read_bytes())
    names = [a.filename for a in parsed.attachments]
    assert names == ["发票.pdf", "setup.exe", "清单.txt"]
    assert parsed.attachments[0].data.startswith(b"%PDF-1.4")
    assert parsed.text == "请看附件。"  # a text/plain attachment is not the body


def test_forwarded_message_text_is_kept_with_its_headers():
    parsed = parse_message((CORPUS / "43-forwarded-inline-gbk.eml").read_bytes())
    assert "Forwarded message" in parsed.text and "From: 店长 <manager@store.example>" in parsed.text
    assert "Subject: 补偿方案" in parsed.text


def test_a_bounce_is_recognised_by_its_report_and_a_read_receipt_as_automatic():
    bounce = parse_message((CORPUS / "34-dsn-bounce.eml").read_bytes())
    assert bounce.auto == "bounce" and "delivery-status" in bounce.auto_detail


def test_format_flowed_is_joined_and_the_mbox_line_skipped():
    parsed = parse_message((CORPUS / "42-mbox-from-line-flowed.eml").read_bytes())
    assert parsed.message_id == "<corpus-42@mail.example>"
    assert "client wrapped softly" in parsed.text and "\n-- \nAlice" in parsed.text


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x00\x01\x02", b"hello world\r\n\r\nbody"])
def test_nothing_readable_raises_unparseable_only(raw):
    with pytest.raises(Unparseable):
        parse_message(raw)


def test_auto_reply_subjects_are_matched_only_at_the_start():
    # a customer asking *about* auto-replies is not an auto-reply
    raw = ("From: a@example.cn\r\nSubject: 关于自动回复的问题\r\nMessage-ID: <q@x>\r\n\r\n"
           "为什么你们的自动回复是英文的？").encode()
    assert parse_message(raw).auto is None
    raw = b"From: a@example.cn\r\nSubject: Out of Office: back Monday\r\n\r\nbye"
    assert parse_message(raw).auto == "auto-reply"


def test_auto_submitted_no_is_a_person():
    raw = b"From: a@example.cn\r\nAuto-Submitted: no\r\nSubject: hi there\r\n\r\nhello"
    assert parse_message(raw).auto is None


def test_a_null_return_path_is_not_a_customer():
    raw = b"Return-Path: <>\r\nFrom: notifier@example.cn\r\nSubject: notice\r\n\r\nx"
    assert parse_message(raw).auto == "bounce"


def test_header_decoding_edge_cases():
    assert decode_header_value("=?utf-8?Q?caf=C3=A9_au_lait?=") == "café au lait"
    assert decode_header_value("=?UTF-8?B?5L2g5aW9?= =?UTF-8?B?5LiW55WM?=") == "你好世界"
    assert decode_header_value("a =?utf-8?B?5L2g?= b") == "a 你 b"
    assert decode_header_value("=?utf-8*zh?B?5L2g?=") == "你"  # RFC 2231 language tag
    assert decode_header_value("=?bogus?B?!!!?=") in ("=?bogus?B?!!!?=", "")
    assert decode_header_value("line one\r\n two") == "line one two"


def test_sender_falls_back_to_reply_to_and_broken_syntax():
    raw = b"From: <>\r\nReply-To: Real <real@example.cn>\r\nSubject: x\r\n\r\nbody"
    parsed = parse_message(raw)
    assert parsed.from_address == "real@example.cn"
    assert any("Reply-To" in p for p in parsed.problems)
    raw = b"From: \"unclosed <broken@example.cn>\r\nSubject: x\r\n\r\nbody"
    assert parse_message(raw).from_address == "broken@example.cn"


@pytest.mark.parametrize("text,codec", [
    ("请帮我查一下订单的物流信息，谢谢。", "gb18030"), ("請幫我查一下訂單的物流資訊", "big5"),
    ("注文した商品がまだ届いていません", "cp932"), ("안녕하세요, 주문한 상품이 아직 도착하지 않았습니다", "euc_kr"),
    ("Grüße aus München, die Lieferung ist beschädigt", "cp1252"),
])
def test_undeclared_charsets_are_detected(text, codec):
    found = detect(text.encode(codec))
    assert found is not None and found[0] == text


def test_declared_charset_supersets():
    assert decode_bytes("喆".encode("gbk"), "gb2312")[0] == "喆"  # GBK beyond GB2312
    assert decode_bytes("①".encode("cp932"), "shift_jis")[0] == "①"
    assert decode_bytes("€".encode("cp1252"), "iso-8859-1")[0] == "€"
    text, problems = decode_bytes(b"\xff\xfe\xfd broken", "utf-8")
    assert "broken" in text and problems


def test_sanitiser_keeps_structure_and_drops_everything_active():
    html = ('<div><a href="javascript:alert(1)" onclick="x()">a</a>'
            '<img src="https://x.example/a.png" onerror="x()"><img src="cid:logo">'
            '<svg><script>alert(1)</script></svg><table><tr><td>1</td></tr></table></div>')
    clean = sanitise_html(html)
    assert "javascript" not in clean and "onclick" not in clean and "onerror" not in clean
    assert "<svg" not in clean and "<script" not in clean
    assert '<img src="cid:logo">' in clean and "<td>1</td>" in clean
    assert '<img src="https' not in clean


def test_html_to_text_makes_lines():
    assert html_to_text("<p>a</p><p>b<br>c</p><ul><li>x</li></ul>") == "a\n\nb\nc\n\n- x"


def test_deep_nesting_is_cut_not_crashed():
    raw = b"From: a@example.cn\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    body = b""
    for i in range(60):
        body += f"--b{i}\r\nContent-Type: multipart/mixed; boundary=b{i + 1}\r\n\r\n".encode()
    body += b"--b60\r\nContent-Type: text/plain\r\n\r\ndeep text\r\n"
    parsed = parse_message(raw + body)
    assert parsed.from_address == "a@example.cn"
    assert any("nested too deeply" in p for p in parsed.problems)


def test_base64_with_missing_padding_is_read():
    body = base64.b64encode("没有填充".encode()).rstrip(b"=")
    raw = (b"From: a@example.cn\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n" + body)
    assert parse_message(raw).text == "没有填充"
