"""Reads of the knowledge base: the help centre's lists, versions and diffs, the editors'
report (content gaps, deflection, least helpful articles)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, F, Max
from django.urls import reverse
from django.utils import timezone

from . import rules
from .models import Article, ArticleAttachment, DeflectionSession, KnowledgeCategory, SearchLog


def public_articles(language: str | None = None):
    qs = Article.objects.filter(status=rules.Status.PUBLISHED, audience=rules.Audience.PUBLIC)
    return qs.filter(language=language) if language else qs


def category_tree(language: str) -> list[KnowledgeCategory]:
    """Top categories with their children and the number of public articles in
    ``language`` (two queries)."""
    counts = dict(public_articles(language).values_list("category").annotate(n=Count("id"))
                  .values_list("category", "n"))
    nodes = list(KnowledgeCategory.objects.all())
    by_id = {c.pk: c for c in nodes}
    for node in nodes:
        node.count = counts.get(node.pk, 0)
        node.subcategories = []
    roots = []
    for node in nodes:
        parent = by_id.get(node.parent_id)
        (parent.subcategories if parent else roots).append(node)
    for node in nodes:
        node.total = node.count + sum(c.count for c in node.subcategories)
    return roots


def popular(language: str, limit: int = 8) -> list[Article]:
    return list(public_articles(language).order_by("-view_count", "-id")
                .select_related("live_version")[:limit])


def translations(article: Article) -> list[Article]:
    return list(Article.objects.filter(group_id=article.group_id).exclude(pk=article.pk))


def file_resolver(article: Article, *, public: bool):
    """``file:ID`` in an article's text → the URL of that file of this article."""
    ids = set(ArticleAttachment.objects.filter(article=article).values_list("pk", flat=True))
    name = "help:file" if public else "knowledge:file"

    def resolve(file_id: int) -> str | None:
        return reverse(name, args=[file_id]) if file_id in ids else None
    return resolve


def render(article: Article, version, *, public: bool) -> str:
    return rules.render_body(version.body, file_resolver(article, public=public))


# --- the editors' report ------------------------------------------------------------------------

def content_gaps(*, days: int = 30, limit: int = 30) -> list[dict]:
    """Searches that found nothing (help centre, suggestions, API), most frequent first."""
    since = timezone.now() - timedelta(days=days)
    return list(SearchLog.objects.filter(created_at__gte=since, results=0)
                .exclude(normalised="").values("normalised")
                .annotate(times=Count("id"), last=Max("created_at"))
                .order_by("-times", "-last")[:limit])


def deflection_summary(*, days: int = 30) -> dict:
    since = timezone.now() - timedelta(days=days)
    rows = dict(DeflectionSession.objects.filter(started_at__gte=since)
                .values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
    finished = sum(rows.get(k, 0) for k in ("deflected", "filed", "abandoned"))
    opened_then_filed = DeflectionSession.objects.filter(
        started_at__gte=since, outcome="filed", opened_article__isnull=False).count()
    return {"deflected": rows.get("deflected", 0), "filed": rows.get("filed", 0),
            "abandoned": rows.get("abandoned", 0), "open": rows.get("open", 0),
            "finished": finished, "opened_then_filed": opened_then_filed,
            "rate": rules.deflection_rate(deflected=rows.get("deflected", 0), finished=finished)}


def top_deflecting(*, days: int = 30, limit: int = 10) -> list[dict]:
    since = timezone.now() - timedelta(days=days)
    return list(DeflectionSession.objects.filter(started_at__gte=since, outcome="deflected")
                .values("opened_article", "opened_article__title")
                .annotate(n=Count("id")).order_by("-n")[:limit])


def least_helpful(*, min_votes: int = 3, limit: int = 20) -> list[Article]:
    """Published articles with at least ``min_votes`` answers, the surest unhelpful first
    (lowest upper bound of the helpful share)."""
    rows = list(Article.objects.filter(status=rules.Status.PUBLISHED)
                .alias(votes=F("helpful_yes") + F("helpful_no")).filter(votes__gte=min_votes)
                .only("id", "title", "language", "helpful_yes", "helpful_no", "view_count"))
    for row in rows:
        row.upper = rules.wilson_upper(row.helpful_yes, row.helpful_no)
        row.ratio = row.helpful_yes / max(row.helpful_yes + row.helpful_no, 1)
    rows.sort(key=lambda a: (a.upper, -a.helpful_no))
    return rows[:limit]
