"""The public service-quality supervision page (服务质量监督平台): live satisfaction per
branch — CSAT % satisfied and NPS, each with its number of answers — over the last
``PublicPage.months`` months. A branch with fewer than ``min_n`` answers shows "too few
answers" instead of a figure. Only branch names and aggregate figures leave this module:
no customer, agent, team or answer text. The rendered page is cached per language for
``cache_seconds`` (forgotten when an administrator changes the page)."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone, translation

from kefu.accounts.models import Branch

from .models import PublicPage
from .selectors import scores
from .selectors.filters import EVERYTHING, DashboardFilter, add_months, today_month

LANGUAGES = ("zh-hans", "en")


def _key(language: str) -> str:
    return f"kefu:quality:public:{language}"


def forget_cached() -> None:
    cache.delete_many([_key(language) for language in LANGUAGES])


def cached_page(page: PublicPage, language: str, render) -> bytes:
    if page.cache_seconds <= 0:
        return render()
    html = cache.get(_key(language))
    if html is None:
        html = render()
        cache.set(_key(language), html, page.cache_seconds)
    return html


def _figure(fig: dict | None, min_n: int) -> dict:
    n = fig["n"] if fig else 0
    if n < min_n:
        return {"n": n, "enough": False, "value": None}
    return {"n": n, "enough": True, "value": fig["value"]}


def branch_figures(page: PublicPage) -> dict:
    """{"period": (start, end), "rows": [{"branch", "csat", "nps"}]} — every branch, in code
    order; figures only from the branch-level aggregate."""
    end = today_month()
    start = add_months(end, -(page.months - 1))
    f = DashboardFilter(start=start, end=end, scope=EVERYTHING, min_n=page.min_n)
    by_branch = {row["id"]: row for row in scores.by_branch(f)["rows"] if row["id"]}
    rows = []
    for branch in Branch.objects.order_by("code"):
        found = by_branch.get(branch.pk) or {}
        rows.append({"branch": branch.label, "csat": _figure(found.get("csat"), page.min_n),
                     "nps": _figure(found.get("nps"), page.min_n)})
    return {"start": start, "end": end, "rows": rows}


def page_context(page: PublicPage, language: str) -> dict:
    with translation.override(language):
        figures = branch_figures(page)
        title = (page.title_en if language == "en" and page.title_en else page.title)
    return {"figures": figures, "title": title, "min_n": page.min_n,
            "updated": timezone.localtime(timezone.now()),
            "other_language": "en" if language == "zh-hans" else "zh-hans"}
