"""Tokens and queries (the segmenter is jieba's; no database): Chinese words and bigrams,
English words with a prefix for the last one, and queries that can never inject syntax."""

from __future__ import annotations

import re

import jieba
import pytest

from kefu.knowledge.search import query as q
from kefu.knowledge.search import tokens
from kefu.knowledge.search.lexicon import Lexicon, parse_terms

SEGMENTER = jieba.Tokenizer()


def lexicon(synonyms=None):
    return Lexicon(segmenter=SEGMENTER, synonyms=synonyms or {})


def test_normalise_folds_width_case_and_accents():
    assert tokens.normalise("ＲＥＦＵＮＤ Café １２３") == "refund cafe 123"


def test_chinese_text_gives_words_bigrams_and_the_last_character():
    found = tokens.index_tokens("我想申请退款", SEGMENTER)
    assert {"申请", "退款"} <= set(found)  # jieba's words
    assert {"我想", "想申", "请退"} <= set(found)  # bigrams fill in names and typos
    assert "款" in found  # the run's last character, for one-character prefix queries
    assert found.count("退款") == 1  # a bigram that is also a word is not counted twice


def test_mixed_text_and_identifiers():
    found = tokens.index_tokens("iPhone15退款, order FH-2024/001 e-mail", SEGMENTER)
    assert {"iphone15", "退款", "order", "fh", "2024", "001", "e", "mail"} <= set(found)
    assert all(re.fullmatch(r"[^\W_]+", t) for t in found)


def test_a_word_query_and_its_bigram_alternative():
    parsed = q.parse("冰箱安装预约", lexicon())
    words = [t.word for t in parsed.terms]
    assert words == ["冰箱", "安装", "预约"]
    long = q.han_term("电冰箱")
    assert long.alternatives == [(q.Token("电冰箱"),), (q.Token("电冰"), q.Token("冰箱"))]
    assert q.han_term("鱼").alternatives == [(q.Token("鱼", prefix=True),)]


def test_the_last_english_word_is_a_prefix_unless_finished():
    assert q.parse("how do I get a refu", lexicon()).terms[-1].alternatives == [
        (q.Token("refu", prefix=True),)]
    assert q.parse("refund ", lexicon()).terms[-1].alternatives == [(q.Token("refund"),)]
    assert q.parse("refund?", lexicon()).terms[-1].alternatives == [(q.Token("refund"),)]
    # stop words are dropped, unless nothing else is left
    assert [t.word for t in q.parse("how do I get a refund?", lexicon()).terms] == ["get", "refund"]
    assert [t.word for t in q.parse("what is", lexicon()).terms] == ["what", "is"]


def test_synonyms_become_alternatives():
    parsed = q.parse("退钱", lexicon({"退钱": ["refund", "退款"]}))
    assert parsed.terms[0].alternatives == [(q.Token("退钱"),), (q.Token("refund"),),
                                            (q.Token("退款"),)]
    assert set(parsed.highlight_words()) == {"退钱", "refund", "退款"}
    pair = q.parse("money back please", lexicon({"money back": ["退款"]}))
    assert pair.terms[0].word == "money back" and (q.Token("退款"),) in pair.terms[0].alternatives


def test_parse_terms():
    assert parse_terms("退钱，退款, Refund;refund\n  money  back ") == ["退钱", "退款", "refund",
                                                                      "money back"]


BAD = ['"', '""', 'NEAR(', 'NEAR(a b, 3)', '*', 'OR', 'a OR b', '-', '-退款', '^', '^refund',
       'subject:', 'title_tokens:退款', 'tokens : x', "'; DROP TABLE x; --", "(((", ")", "a & b | !c",
       "退款:*", "\\", "{}[]", "x" * 10_000, "退" * 10_000, "!!!。。。", "\x00", "😀🎉", "  "]


@pytest.mark.parametrize("raw", BAD)
def test_no_query_renders_as_syntax(raw):
    parsed = q.parse(raw, lexicon())
    fts, pg = q.fts5(parsed), q.tsquery(parsed)
    # every token is a quoted run of letters and digits; nothing else but operators
    fts_rest = re.sub(r'"[^\W_]+"( \*)?', "", fts)
    assert re.fullmatch(r"[()\sANDOR]*", fts_rest), fts
    pg_rest = re.sub(r"'[^\W_]+'(:\*)?", "", pg)
    assert re.fullmatch(r"[()\s&|]*", pg_rest), pg
    assert len(parsed.terms) <= q.MAX_TERMS and len(parsed.raw) <= q.MAX_QUERY_CHARS


def test_unknown_words_jieba_cuts_into_characters_stay_together():
    # 到账 is cut 到 / 账; as two one-character prefixes it would match almost anything
    parsed = q.parse("退款多久到账", lexicon())
    assert [t.word for t in parsed.terms] == ["退款", "多久", "到账"]
    assert parsed.terms[-1].alternatives == [(q.Token("到账"),)]
    assert "到" not in parsed.highlight_words()
