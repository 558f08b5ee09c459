"""Subject tokens and subject normalisation (pure: no database)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.conversations.email.threading import (
    find_token,
    is_reply_subject,
    normalised_subject,
    ticket_token,
)


def test_token_format():
    assert ticket_token(123) == "[#123]"


@pytest.mark.parametrize("subject,expected", [
    ("[#123] 订单", 123),
    ("Re: Re: 回复: 答复: AW: Fwd: [#123] 订单", 123),
    ("回复：【#45】发票", 45),
    ("RE[2]: ［＃１２３］ 全角", 123),
    ("Re: 〔#9〕 x", 9),
    ("[# 7 ] spaces", 7),
    ("Re: your order [#88]", 88),
    ("Re: [#5] Fwd: [#3] chain", 5),  # the first token is the newest
    ("no token here", None),
    ("#123 without brackets", None),
    ("[123] no hash", None),
    ("[#] empty", None),
    ("[#0] zero", None),
    ("", None),
])
def test_find_token(subject, expected):
    assert find_token(subject) == expected


@pytest.mark.parametrize("subject,expected", [
    ("Re: Re: 回复: 答复: AW: Fwd: [#123] 订单 还没到", "订单 还没到"),
    ("回复：订单还没到", "订单还没到"),
    ("RE:  Order   12345 ", "order 12345"),
    ("Re[3]: Sv: VS: Antw: Odp: hello", "hello"),
    ("转发: 轉寄: 転送: 补偿", "补偿"),
    ("[#1] Re: [#2] x", "x"),
    ("Regarding the fridge", "regarding the fridge"),  # "Re" inside a word is not a prefix
    ("Ireland", "ireland"),
])
def test_normalised_subject(subject, expected):
    assert normalised_subject(subject) == expected


def test_reply_and_forward_prefixes_differ():
    assert is_reply_subject("Re: x") and is_reply_subject("回复：x") and is_reply_subject("AW: x")
    assert not is_reply_subject("Fwd: x") and not is_reply_subject("转发：x")
    assert not is_reply_subject("Regarding x")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.integers(min_value=1, max_value=10**9))
def test_a_token_survives_any_decoration(noise, ticket_id):
    # given any subject with our token put after reply prefixes, it is found
    subject = f"Re: 回复: {ticket_token(ticket_id)} {noise}"
    assert find_token(subject) == ticket_id


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_never_raises(subject):
    find_token(subject)
    normalised_subject(subject)
    is_reply_subject(subject)
    assert normalised_subject(normalised_subject(subject)) == normalised_subject(subject)
