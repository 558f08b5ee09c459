"""Quoted history in e-mail replies (``conversations/email/quotes.py``): what real clients
send, Chinese and English, and properties that hold for any text. Pure: no database."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.conversations.email.quotes import split_email, split_reply, split_reply_html
from kefu.conversations.email.sanitise import sanitise_html

# --- top-posting: the new text above, the history below ------------------------------------

OUTLOOK_ZH = """好的，我明天全天在家，麻烦安排上午配送。

-----原始邮件-----
发件人: 鲜到家客服 <support@kefu.example>
发送时间: 2026年3月2日 10:15
收件人: 张伟 <zhang.wei@example.cn>
主题: 回复: 订单 20260301-8812 配送时间 [#123]

张先生您好，请问您方便的收货时间是？
"""

OUTLOOK_ZH_NO_SEPARATOR = """冰箱今天已经修好了，谢谢。

发件人: 鲜到家客服 <support@kefu.example>
发送时间: 2026年3月2日 星期一 10:15
收件人: 张伟 <zhang.wei@example.cn>
抄送: 售后 <after-sales@kefu.example>
主题: 答复: 冰箱不制冷 [#88]

您好，维修师傅下午两点上门。
"""

OUTLOOK_EN = """Tuesday afternoon works for me.

Thanks,
Emily

________________________________
From: FreshHome Support <support@kefu.example>
Sent: Monday, March 2, 2026 10:15 AM
To: Emily Chen <emily@example.com>
Subject: RE: Delivery time [#123]

Hi Emily, when would you like the order delivered?
"""

OUTLOOK_EN_ORIGINAL = """Please cancel the second box.

-----Original Message-----
From: FreshHome Support [mailto:support@kefu.example]
Sent: Monday, March 02, 2026 10:15 AM
To: 'Emily Chen'
Subject: RE: Order 8812

We have two boxes on your order.
"""

GMAIL_EN = """Yes, the tracking number is SF1234567890.

On Mon, Mar 2, 2026 at 10:15 AM FreshHome Support <
support@kefu.example> wrote:

> Hi Emily,
>
> Could you send us the tracking number?
>
> FreshHome Support
"""

GMAIL_ZH = """订单号是 20260301-8812。

鲜到家客服 <support@kefu.example> 于2026年3月2日周一 10:15写道：

> 您好，请提供订单号，我们马上为您查询。
>
"""

QQ_MAIL = """收到，谢谢！

------------------\u00a0原始邮件\u00a0------------------
发件人: "鲜到家客服"<support@kefu.example>;
发送时间: 2026年3月2日(星期一) 上午10:15
收件人: "张伟"<12345678@qq.com>;
主题: 回复：订单配送 [#123]

您好，您的订单已发货。
"""

FOXMAIL = """好的，明天见。



------------------ Original ------------------
From:  "鲜到家客服"<support@kefu.example>;
Date:  Mon, Mar 2, 2026 10:15 AM
To:  "zhangwei"<zhangwei@foxmail.com>;
Subject:  Re: 预约上门安装 [#77]

您好，师傅明天上午上门安装。
"""

NETEASE_163 = """可以，周三上午。

在 2026-03-02 10:15:00，"鲜到家客服" <support@kefu.example> 写道：
>您好，请问哪天方便上门？
"""

NETEASE_MAIL_MASTER = """已经收到退款，谢谢。

---- 回复的原邮件 ----
| 发件人 | 鲜到家客服<support@kefu.example> |
| 日期 | 2026年03月02日 10:15 |
| 收件人 | 张伟<zhangwei@163.com> |
| 主题 | 退款进度 [#91] |
退款已经提交，请留意。
"""

APPLE_MAIL_EN = """Perfect, thank you!

Sent from my iPhone

> On Mar 2, 2026, at 10:15, FreshHome Support <support@kefu.example> wrote:
>
> Your refund was approved.
"""

APPLE_MAIL_ZH = """好的

> 2026年3月2日 10:15，鲜到家客服 <support@kefu.example> 写道：
>
> 您的退款已经批准。
"""

THUNDERBIRD_ZH = """没问题，照片见附件。

在 2026/3/2 10:15, 鲜到家客服 写道:
> 请拍一张包装破损的照片。
"""

PLAIN_QUOTED_TAIL = """The box arrived today, everything is fine.

> When will the box arrive?
> Order 8812
"""

SIGNATURE = """Tuesday afternoon works for me.

--\x20
Emily Chen
Product Manager, Example Ltd.
+86 138 0000 0000
"""

SIGNATURE_THEN_HISTORY = """明天上午可以。

--\x20
张伟
上海市浦东新区

在 2026年3月2日 10:15，鲜到家客服 <support@kefu.example> 写道：
> 请问什么时候方便？
"""


@pytest.mark.parametrize("text, new, starts, marker", [
    (OUTLOOK_ZH, "好的，我明天全天在家，麻烦安排上午配送。", "-----原始邮件-----", "separator"),
    (OUTLOOK_ZH_NO_SEPARATOR, "冰箱今天已经修好了，谢谢。", "发件人: 鲜到家客服", "headers"),
    (OUTLOOK_EN, "Tuesday afternoon works for me.\n\nThanks,\nEmily", "______", "headers"),
    (OUTLOOK_EN_ORIGINAL, "Please cancel the second box.", "-----Original Message-----",
     "separator"),
    (GMAIL_EN, "Yes, the tracking number is SF1234567890.", "On Mon, Mar 2, 2026",
     "attribution"),
    (GMAIL_ZH, "订单号是 20260301-8812。", "鲜到家客服 <support@kefu.example> 于2026年3月2日",
     "attribution"),
    (QQ_MAIL, "收到，谢谢！", "------------------\u00a0原始邮件", "separator"),
    (FOXMAIL, "好的，明天见。", "------------------ Original", "separator"),
    (NETEASE_163, "可以，周三上午。", "在 2026-03-02 10:15:00", "attribution"),
    (NETEASE_MAIL_MASTER, "已经收到退款，谢谢。", "---- 回复的原邮件 ----", "separator"),
    (APPLE_MAIL_EN, "Perfect, thank you!\n\nSent from my iPhone", "> On Mar 2, 2026", "quote"),
    (APPLE_MAIL_ZH, "好的", "> 2026年3月2日 10:15", "quote"),
    (THUNDERBIRD_ZH, "没问题，照片见附件。", "在 2026/3/2 10:15, 鲜到家客服 写道:", "attribution"),
    (PLAIN_QUOTED_TAIL, "The box arrived today, everything is fine.", "> When will",
     "quote"),
    (SIGNATURE, "Tuesday afternoon works for me.", "-- \nEmily Chen", "signature"),
    (SIGNATURE_THEN_HISTORY, "明天上午可以。", "-- \n张伟", "signature"),
], ids=["outlook-zh", "outlook-zh-headers", "outlook-en", "outlook-en-original", "gmail-en",
        "gmail-zh", "qq", "foxmail", "163", "mail-master", "apple-en", "apple-zh",
        "thunderbird-zh", "plain-quote", "signature", "signature-then-history"])
def test_top_posted_replies_lose_their_history(text, new, starts, marker):
    # given a reply written above the quoted conversation, when it is split
    split = split_reply(text)
    # then the new text is what the customer wrote, and the history is kept beside it
    assert split.text == new
    assert split.quoted.startswith(starts) and not split.quoted_first
    assert split.marker == marker
    assert _squash(split.text + split.quoted) == _squash(text)


def test_the_history_of_a_signature_then_history_mail_is_all_kept():
    split = split_reply(SIGNATURE_THEN_HISTORY)
    assert "请问什么时候方便？" in split.quoted and "张伟" in split.quoted


# --- bottom-posting and inline answers -----------------------------------------------------

def test_a_bottom_posted_reply_keeps_the_text_below_the_quote():
    text = ("On 2026-03-02 10:15, FreshHome Support wrote:\n> When can we deliver?\n>\n"
            "> FreshHome\n\nTuesday afternoon, please.\n\n-- \nEmily\n")
    split = split_reply(text)
    assert split.quoted_first
    assert split.text == "Tuesday afternoon, please.\n\n-- \nEmily"
    assert split.quoted.startswith("On 2026-03-02") and split.quoted.endswith("> FreshHome")


def test_a_bottom_posted_reply_without_attribution():
    split = split_reply("> 请问发票抬头是什么？\n\n抬头是鲜到家科技有限公司。\n")
    assert split.quoted_first and split.text == "抬头是鲜到家科技有限公司。"
    assert split.quoted == "> 请问发票抬头是什么？"


@pytest.mark.parametrize("text", [
    # answers between the quoted questions
    "在 2026年3月2日 10:15，鲜到家客服 <support@kefu.example> 写道：\n> 1. 订单号是多少？\n"
    "20260301-8812\n> 2. 方便什么时候上门？\n周三上午\n> 3. 需要发票吗？\n需要，抬头是鲜到家科技。\n",
    "On Mon, Mar 2, 2026 at 10:15 AM Support <support@kefu.example> wrote:\n"
    "> What is your order number?\n8812\n> When should we come?\nWednesday morning\n",
    # a greeting above, answers between
    "Hi,\n\n> What is your order number?\n8812\n\n> When should we come?\nWednesday\n",
    # text above and below a quote
    "See my answer below.\n\n> Could you send a photo?\n\nThe photo is attached.\n",
], ids=["inline-zh", "inline-en", "greeting-inline", "above-and-below"])
def test_inline_answers_are_kept_whole(text):
    split = split_reply(text)
    assert split.text == text.strip() and split.quoted == ""


# --- kept whole ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "> 您好，请问订单号是多少？\n> 谢谢\n",
    "On Mon, Mar 2, 2026 at 10:15 AM Support <support@kefu.example> wrote:\n> Hello\n",
    "-----原始邮件-----\n发件人: 鲜到家客服 <support@kefu.example>\n发送时间: 2026年3月2日\n"
    "收件人: 张伟\n主题: 订单\n\n您好\n",
    "-- \nEmily Chen\n",
], ids=["only-quote", "only-attribution-and-quote", "only-outlook-history", "only-signature"])
def test_a_message_that_is_only_a_quote_is_kept_whole(text):
    split = split_reply(text)
    assert split.text == text.strip() and split.quoted == ""


@pytest.mark.parametrize("text", [
    # a forwarded message is the customer's point, headers and all
    "请看下面的订单确认邮件。\n\n---------- Forwarded message ---------\nFrom: 商城 <shop@example.cn>\n"
    "Date: 2026年3月1日周日 09:00\nSubject: 订单确认\nTo: <zhang@example.cn>\n\n订单 8812 已确认。\n",
    "See below.\n\nBegin forwarded message:\n\nFrom: Shop <shop@example.com>\nDate: March 1\n"
    "Subject: Order\nTo: me\n\nOrder 8812 confirmed.\n",
    "我转发给你：\n-----原始邮件-----\n发件人: 商城\n发送时间: 昨天\n收件人: 我\n\n订单已确认\n",
    # a sentence that only looks like an attribution
    "Hello,\n\nLast week I wrote:\nthe box was broken.\nPlease help.\n",
    "Hello,\n\nOn Monday my colleague wrote:\nthe box was broken.\n",
    # one header-like line is not an Outlook header block
    "From: my experience the courier is always late.\nTo: be fair, not this time.\n",
    # a rule of dashes, and "--" without the space, are not signatures
    "Order details\n--\nItem A\nItem B\n",
    "价格 > 100 元的订单可以包邮吗？\n谢谢\n",
], ids=["gmail-forward", "apple-forward", "forward-zh", "i-wrote", "colleague-wrote",
        "header-like", "dash-rule", "greater-than-in-text"])
def test_things_that_only_look_like_history_are_kept(text):
    split = split_reply(text)
    assert split.text == text.strip() and split.quoted == ""


def test_nothing_above_the_first_marker_is_ever_removed():
    text = "第一段。\n\n第二段，> 不是引用。\n\n-----原始邮件-----\n发件人: a\n发送时间: b\n收件人: c\n\nold"
    assert split_reply(text).text == "第一段。\n\n第二段，> 不是引用。"


def test_empty_and_blank_text():
    assert split_reply("").text == "" and split_reply("  \n ").text == ""
    assert split_reply(None).quoted == ""  # type: ignore[arg-type]


# --- HTML ----------------------------------------------------------------------------------

GMAIL_HTML = (
    '<div dir="ltr">好的，已经收到了，谢谢！<script>alert(1)</script></div><br>'
    '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">鲜到家客服 &lt;<a href="mailto:'
    'support@kefu.example">support@kefu.example</a>&gt; 于2026年3月2日周一 10:15写道：<br></div>'
    '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">您好，请问订单号是多少？'
    '<br></blockquote></div>')
OUTLOOK_HTML = (
    '<html><body><div><p>Thanks, that works.</p></div><div id="appendonsend"></div>'
    '<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr">'
    '<font face="Calibri"><b>From:</b> FreshHome &lt;support@kefu.example&gt;<br>'
    '<b>Sent:</b> Monday, March 2, 2026 10:15 AM<br><b>To:</b> Emily &lt;emily@example.com&gt;'
    '<br><b>Subject:</b> RE: order [#12]</font><div>&nbsp;</div></div>'
    '<div><p>Dear Emily, ...</p></div></body></html>')
QQ_HTML = (
    '<div>收到，谢谢</div><div><br></div><div style="font-size: 12px;">------------------&nbsp;'
    '原始邮件&nbsp;------------------</div><div style="background:#efefef;"><div><b>发件人:</b>'
    '&nbsp;"客服"&lt;support@kefu.example&gt;;</div><div><b>发送时间:</b>&nbsp;2026年3月2日'
    '(星期一) 上午10:15</div><div><b>收件人:</b>&nbsp;"张伟"&lt;z@qq.com&gt;;</div><div><b>'
    '主题:</b>&nbsp;回复：订单</div></div><div><br></div>您好，请提供订单号。')


@pytest.mark.parametrize("html, new, old", [
    (GMAIL_HTML, "好的，已经收到了，谢谢！", "请问订单号是多少"),
    (OUTLOOK_HTML, "Thanks, that works.", "Dear Emily"),
    (QQ_HTML, "收到，谢谢", "请提供订单号"),
], ids=["gmail", "outlook", "qq"])
def test_the_history_of_sanitised_html_is_cut_at_an_element(html, new, old):
    # given the sanitised HTML of a top-posted reply, when split
    result = split_reply_html(sanitise_html(html))
    # then the new part has the new text only, both parts are safe HTML
    assert result is not None
    assert new in result.html and old not in result.html and old in result.quoted
    assert not result.quoted_first
    assert "<script" not in result.html + result.quoted and "gmail_quote" not in result.html


def test_html_with_inline_answers_or_no_history_is_not_split():
    inline = sanitise_html("<p>On Mon, Mar 2, 2026 at 10:15 AM S &lt;s@k.example&gt; wrote:</p>"
                           "<blockquote>Order?</blockquote><p>8812</p>"
                           "<blockquote>When?</blockquote><p>Wednesday</p>")
    assert split_reply_html(inline) is None
    assert split_reply_html(sanitise_html("<p>Just a question.</p>")) is None
    assert split_reply_html("") is None


def test_split_email_cuts_the_html_only_when_the_text_was_cut_the_same_way():
    text = "好的，已经收到了，谢谢！\n\n鲜到家客服 <support@kefu.example> 于2026年3月2日周一 10:15写道：\n> 您好\n"
    html = sanitise_html(GMAIL_HTML)
    parts = split_email(text, html)
    assert parts.text == "好的，已经收到了，谢谢！" and parts.quoted.startswith("鲜到家客服")
    assert "订单号" not in parts.html and "已经收到了" in parts.html
    # remote images stay links, marked as such
    with_image = sanitise_html(GMAIL_HTML.replace("谢谢！", '谢谢！<img src="https://t.example/p.gif">'))
    assert 'class="kefu-remote-image"' in split_email(text, with_image).html
    # the text and the HTML disagree on where the history starts: the HTML is kept whole
    signed = "好的，已经收到了，谢谢！\n-- \n张伟\n\n鲜到家客服 <support@kefu.example> 于2026年3月2日周一 10:15写道：\n> 您好\n"
    assert split_email(signed, html).html == html
    # the text has no history: the HTML is kept whole
    whole = split_email("好的，已经收到了，谢谢！", html)
    assert whole.html == html and whole.quoted == ""
    # no HTML at all
    assert split_email(text).html == ""


# --- properties ----------------------------------------------------------------------------

LINES = st.sampled_from([
    "", " ", "> quoted", ">> deeper", "> ", "＞ 全角引用", "-- ", "--", "-----Original Message-----",
    "-----原始邮件-----", "------------------\u00a0原始邮件\u00a0------------------",
    "---- 回复的原邮件 ----", "From: a <a@b.cn>", "Sent: Monday 10:15", "To: b", "Subject: s",
    "发件人: 客服", "发送时间: 2026年3月2日", "收件人: 张伟", "主题: 订单", "________________",
    "On Mon, Mar 2, 2026 at 10:15 AM X <", "x@y.com> wrote:", "On Monday X wrote:",
    "在 2026年3月2日 10:15，客服 写道：", "客服 <s@k.cn> 于2026年3月2日周一 10:15写道：",
    "Zhang wrote:", "---------- Forwarded message ---------", "正文一行", "new text",
    "Thanks,", "谢谢", "\t", "\u3000", "\r",
])


@st.composite
def mails(draw) -> str:
    lines = draw(st.lists(st.one_of(LINES, st.text(max_size=30)), max_size=40))
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _check(text: str) -> None:
    split = split_reply(text)
    whole = text.strip()
    if not split.quoted:
        assert split.text == whole
        return
    # the two parts are the text cut once, nothing lost, nothing added, only whitespace between
    first, second = ((split.quoted, split.text) if split.quoted_first
                     else (split.text, split.quoted))
    assert whole.startswith(first) and whole.endswith(second)
    assert len(first) + len(second) <= len(whole)
    assert whole[len(first):len(whole) - len(second)].strip() == ""
    assert split.text.strip() and split.quoted.strip()


@settings(max_examples=400, deadline=None)
@given(mails())
def test_splitting_mail_like_text_loses_nothing_and_never_empties_it(text):
    _check(text)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_splitting_any_text_never_raises_and_never_empties_it(text):
    _check(text)
    if text.strip():
        assert split_reply(text).text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(LINES, st.sampled_from(["<blockquote>", "</blockquote>", "<div>",
                                                   "</div>", "<br>", "<p>", "<script>x",
                                                   "<img src=cid:a onerror=x>"])),
                max_size=30))
def test_splitting_any_html_never_raises_and_stays_safe(parts):
    html = sanitise_html("".join(parts))
    result = split_reply_html(html)
    if result is not None:
        both = result.html + result.quoted
        assert result.html.strip() and result.quoted.strip()
        assert "<script" not in both and "onerror" not in both
    split_email("\n".join(p for p in parts), html)
