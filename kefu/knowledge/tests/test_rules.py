"""The pure rules: the workflow, who may do what, the text format (escaped, no HTML
injection), diffs, helpfulness and the deflection outcome. No database."""

from __future__ import annotations

import pytest

from kefu.knowledge import rules


@pytest.mark.parametrize("state, action, expected", [
    ("draft", "submit", "review"), ("review", "return", "draft"), ("draft", "publish", "published"),
    ("review", "publish", "published"), ("review", "submit", None), ("draft", "return", None),
    ("published", "publish", None), ("superseded", "submit", None),
])
def test_version_transitions(state, action, expected):
    assert rules.version_next_state(state, action) == expected


def test_article_status_follows_its_open_version():
    # a never-published article shows where its text is; a published one stays published
    assert rules.article_status_after(article_status="draft", version_state="review",
                                      has_live=False) == "review"
    assert rules.article_status_after(article_status="published", version_state="review",
                                      has_live=True) == "published"
    assert rules.article_status_after(article_status="archived", version_state="draft",
                                      has_live=True) == "archived"
    assert rules.article_status_after(article_status="archived", version_state="published",
                                      has_live=True) == "published"


def test_who_may_edit_a_text():
    # editors edit anything open; an agent only their own draft, not once it is in review
    assert rules.may_edit_version(role="supervisor", user_id=1, author_id=2, state="review")
    assert rules.may_edit_version(role="agent", user_id=1, author_id=1, state="draft")
    assert not rules.may_edit_version(role="agent", user_id=1, author_id=1, state="review")
    assert not rules.may_edit_version(role="agent", user_id=1, author_id=2, state="draft")
    assert not rules.may_edit_version(role="auditor", user_id=1, author_id=1, state="draft")
    assert not rules.may_edit_version(role="admin", user_id=1, author_id=1, state="published")
    assert rules.is_editor("admin") and rules.is_editor("supervisor")
    assert not rules.is_editor("agent") and not rules.may_propose("customer")


def test_who_may_read():
    assert rules.may_read(role=None, audience="public", status="published")
    assert not rules.may_read(role=None, audience="internal", status="published")
    assert not rules.may_read(role="customer", audience="public", status="draft")
    assert rules.may_read(role="auditor", audience="internal", status="draft")


def test_the_text_format_renders_its_subset():
    html = rules.render_body("## 步骤\n1. 打开订单\n2. 点击**申请退款**\n\n- a\n- b\n\n> 提示\n\n见 [帮助](https://x.example/p?a=1&b=2)",
                             resolve_file=lambda i: f"/f/{i}/")
    assert "<h3>步骤</h3>" in html
    assert "<ol><li>打开订单</li><li>点击<strong>申请退款</strong></li></ol>" in html
    assert "<ul><li>a</li><li>b</li></ul>" in html
    assert '<aside class="note">提示</aside>' in html
    assert '<a href="https://x.example/p?a=1&amp;b=2">帮助</a>' in html


@pytest.mark.parametrize("evil", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '[x](https://a.example/"onmouseover="alert(1))',
    "![x](data:text/html;base64,PHNjcmlwdD4=)",
    "**<b>bold</b>**",
    "`<i>`",
])
def test_the_text_format_never_lets_html_through(evil):
    html = rules.render_body(evil)
    assert "<script" not in html and "<img src=x" not in html and "<b>" not in html
    assert "javascript:" not in html.split("href=")[-1] if "href=" in html else True
    assert 'onmouseover="' not in html and "data:text" not in html.split('src="')[-1][:12]


def test_file_images_resolve_only_through_the_resolver():
    # given an image of this article and one of another article
    html = rules.render_body("![图](file:7) ![别人的](file:8)",
                             resolve_file=lambda i: "/help/files/7/" if i == 7 else None)
    assert '<img src="/help/files/7/" alt="图" loading="lazy">' in html
    assert "file:8" not in html and "别人的" in html


def test_plain_text_drops_markup():
    assert rules.plain_text("## 标题\n- **退款** [链接](https://a.example) ![图](file:1)") == (
        "标题\n退款 链接 图")


def test_version_diff_shows_changed_lines():
    lines = rules.version_diff({"title": "A", "body": "one\ntwo"}, {"title": "A", "body": "one\nthree"})
    assert ("del", "-two") in lines and ("add", "+three") in lines


def test_helpfulness():
    assert rules.helpful_ratio(0, 0) == 0.5
    assert rules.helpful_ratio(9, 1) > rules.helpful_ratio(1, 1) > rules.helpful_ratio(0, 5)
    assert rules.wilson_upper(0, 20) < rules.wilson_upper(0, 2) < rules.wilson_upper(0, 0) == 1.0
    assert rules.recency(0, 30) == 1.0 and rules.recency(30, 30) == pytest.approx(0.5)


def test_combined_score_lets_helpfulness_reorder_equals_but_not_weak_matches():
    good = rules.combined_score(relevance=1.0, best_relevance=1.0, helpful=0.9)
    bad = rules.combined_score(relevance=1.0, best_relevance=1.0, helpful=0.1)
    weak = rules.combined_score(relevance=0.3, best_relevance=1.0, helpful=1.0, recency_value=1)
    assert good > bad > weak


def test_deflection_outcome_and_rate():
    assert rules.deflection_outcome(opened_article=True, filed=False) == "deflected"
    assert rules.deflection_outcome(opened_article=True, filed=True) == "filed"
    assert rules.deflection_outcome(opened_article=False, filed=False) == "abandoned"
    assert rules.deflection_rate(deflected=1, finished=4) == 0.25
    assert rules.deflection_rate(deflected=0, finished=0) is None
