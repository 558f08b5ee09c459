"""Knowledge endpoints: ``GET /api/v1/search`` (articles for everyone with a token; tickets
and customers for staff, scoped by their access rules) and ``/api/v1/knowledge/…``
(articles, their workflow, versions, feedback; categories)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kefu.api.schemas import ErrorOut, StrictIn, user_ref
from kefu.core.errors import ApplicationError, NotFound
from kefu.core.pagination import keyset_page

from . import rules, selectors, services
from .access import article_get_for, articles_for, is_staff
from .models import ArticleVersion, KnowledgeCategory
from .search import search as search_service

router = Router(tags=["knowledge"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          422: ErrorOut}

Language = Literal["zh-hans", "en"]
Audience = Literal["public", "internal"]


# --- search ------------------------------------------------------------------------------

class SearchParams(Schema):
    q: str = ""
    type: Literal["article", "ticket", "customer"] = "article"
    language: Language | None = None
    limit: int = Field(default=10, ge=1, le=50)


class SearchItemOut(Schema):
    type: str
    id: int
    title: str
    title_html: str
    snippet_html: str
    score: float
    approximate: bool
    language: str
    url: str
    meta: dict


class SearchOut(Schema):
    items: list[SearchItemOut]
    next: None = None
    query: str
    approximate: bool


def _result_url(user, result) -> str:
    if result.kind == "article":
        if is_staff(user):
            return reverse("knowledge:article", args=[result.id])
        return reverse("help:article", args=[result.id])
    if result.kind == "ticket":
        return reverse("console:ticket", args=[result.id])
    return reverse("console:customer", args=[result.id])


def _meta(user, result) -> dict:
    if result.kind == "article":
        return {"audience": result.audience, "category_id": result.meta.get("category_id")}
    if result.kind == "ticket":
        return {"status": result.meta.get("status"), "customer_id": result.meta.get("customer_id")}
    return {"email": result.meta.get("email", ""), "phone": result.meta.get("phone", "")}


@router.get("/search", response={200: SearchOut, **ERRORS})
def search(request, params: Query[SearchParams]):
    """One search for everything: ``type=article`` (help-centre articles; staff also
    internal ones), ``ticket`` or ``customer`` (staff only, what their scope allows).
    Any text is a valid query: it is never read as query syntax."""
    user = request.auth
    results = search_service(q=params.q, kind=params.type, user=user, language=params.language,
                             limit=params.limit, scope="api", log=params.type == "article")
    items = [{"type": r.kind, "id": r.id, "title": r.title, "title_html": str(r.title_html),
              "snippet_html": str(r.snippet_html), "score": r.score,
              "approximate": r.approximate, "language": r.language,
              "url": _result_url(user, r), "meta": _meta(user, r)} for r in results.items]
    return {"items": items, "next": None, "query": results.query.normalised,
            "approximate": results.approximate}


# --- articles ------------------------------------------------------------------------------

class ArticleIn(StrictIn):
    language: Language
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=100_000)
    summary: str = Field(default="", max_length=500)
    keywords: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=300)
    category_id: int | None = None
    audience: Audience | None = None
    translation_of: int | None = None


class ArticleEditIn(StrictIn):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=100_000)
    summary: str = Field(default="", max_length=500)
    keywords: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=300)


class ReasonIn(StrictIn):
    reason: str = Field(default="", max_length=300)


class FeedbackIn(StrictIn):
    helpful: bool
    comment: str = Field(default="", max_length=2000)


class VersionOut(Schema):
    number: int
    state: str
    title: str
    summary: str
    body: str
    keywords: str
    note: str
    author: dict | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    published_at: datetime | None


class ArticleOut(Schema):
    id: int
    group_id: int
    language: str
    title: str
    status: str
    audience: str
    category_id: int | None
    published_at: datetime | None
    updated_at: datetime
    view_count: int
    helpful_yes: int
    helpful_no: int
    translations: dict
    live: dict | None
    working: dict | None = None


class ArticleListOut(Schema):
    items: list[dict]
    next: str | None


def _version_out(version: ArticleVersion | None) -> dict | None:
    if version is None:
        return None
    return {"number": version.number, "state": version.state, "title": version.title,
            "summary": version.summary, "body": version.body, "keywords": version.keywords,
            "note": version.note, "author": user_ref(version.author) if version.author_id else None,
            "created_at": version.created_at, "updated_at": version.updated_at,
            "submitted_at": version.submitted_at, "published_at": version.published_at}


def _article_out(article, user, *, detail: bool = True) -> dict:
    out = {"id": article.pk, "group_id": article.group_id, "language": article.language,
           "title": article.title, "status": article.status, "audience": article.audience,
           "category_id": article.category_id, "published_at": article.published_at,
           "updated_at": article.updated_at, "view_count": article.view_count,
           "helpful_yes": article.helpful_yes, "helpful_no": article.helpful_no}
    if not detail:
        return out
    visible = articles_for(user).filter(group_id=article.group_id).exclude(pk=article.pk)
    out["translations"] = dict(visible.values_list("language", "pk"))
    live = article.live_version if article.live_version_id else None
    out["live"] = _version_out(live)
    if out["live"] is not None:
        out["live"]["body_html"] = selectors.render(article, live, public=not is_staff(user))
    if is_staff(user):
        out["working"] = _version_out(services.open_version(article))
    return out


@router.get("/knowledge/articles", response={200: ArticleListOut, **ERRORS})
def article_list(request, status: rules.Status | None = None, language: Language | None = None,
                 category_id: int | None = None, cursor: str | None = None, limit: int = 25):
    """Articles, newest change first. Customers see public published ones."""
    qs = articles_for(request.auth)
    if status:
        qs = qs.filter(status=status)
    if language:
        qs = qs.filter(language=language)
    if category_id is not None:
        qs = qs.filter(category_id=category_id)
    rows, next_cursor = keyset_page(qs, field="updated_at", descending=True, cursor=cursor,
                                    limit=limit)
    return {"items": [_article_out(a, request.auth, detail=False) for a in rows],
            "next": next_cursor}


@router.get("/knowledge/articles/{article_id}", response={200: ArticleOut, **ERRORS})
def article_detail(request, article_id: int):
    return _article_out(article_get_for(request.auth, article_id), request.auth)


def _category(category_id):
    if category_id is None:
        return None
    found = KnowledgeCategory.objects.filter(pk=category_id).first()
    if found is None:
        raise ApplicationError("invalid_category", _("Unknown category."),
                               details={"field": "category_id"})
    return found


@router.post("/knowledge/articles", response={201: ArticleOut, **ERRORS})
def article_create(request, payload: ArticleIn):
    """A new draft (agents, supervisors, administrators). ``translation_of``: the id of the
    same article in the other language."""
    translation_of = (article_get_for(request.auth, payload.translation_of)
                      if payload.translation_of is not None else None)
    article = services.article_create(
        actor=request.auth, language=payload.language, title=payload.title, body=payload.body,
        summary=payload.summary, keywords=payload.keywords, note=payload.note,
        category=_category(payload.category_id), audience=payload.audience,
        translation_of=translation_of)
    return Status(201, _article_out(article_get_for(request.auth, article.pk), request.auth))


@router.patch("/knowledge/articles/{article_id}", response={200: ArticleOut, **ERRORS})
def article_edit(request, article_id: int, payload: ArticleEditIn):
    """Change the draft (or start one from the published text)."""
    article = article_get_for(request.auth, article_id)
    services.article_edit(actor=request.auth, article=article, **payload.dict())
    return _article_out(article_get_for(request.auth, article_id), request.auth)


def _action(request, article_id, call):
    article = article_get_for(request.auth, article_id)
    call(article)
    return _article_out(article_get_for(request.auth, article_id), request.auth)


@router.post("/knowledge/articles/{article_id}/submit", response={200: ArticleOut, **ERRORS})
def article_submit(request, article_id: int):
    return _action(request, article_id,
                   lambda a: services.article_submit(actor=request.auth, article=a))


@router.post("/knowledge/articles/{article_id}/return", response={200: ArticleOut, **ERRORS})
def article_return(request, article_id: int, payload: ReasonIn):
    return _action(request, article_id, lambda a: services.article_return(
        actor=request.auth, article=a, reason=payload.reason))


@router.post("/knowledge/articles/{article_id}/publish", response={200: ArticleOut, **ERRORS})
def article_publish(request, article_id: int):
    return _action(request, article_id,
                   lambda a: services.article_publish(actor=request.auth, article=a))


@router.post("/knowledge/articles/{article_id}/archive", response={200: ArticleOut, **ERRORS})
def article_archive(request, article_id: int, payload: ReasonIn):
    return _action(request, article_id, lambda a: services.article_archive(
        actor=request.auth, article=a, reason=payload.reason))


@router.post("/knowledge/articles/{article_id}/restore", response={200: ArticleOut, **ERRORS})
def article_restore(request, article_id: int):
    return _action(request, article_id,
                   lambda a: services.article_restore(actor=request.auth, article=a))


@router.get("/knowledge/articles/{article_id}/versions", response={200: dict, **ERRORS})
def article_versions(request, article_id: int):
    """Every version (staff): published texts are kept for ever."""
    article = article_get_for(request.auth, article_id)
    if not is_staff(request.auth):
        raise NotFound(_("Article"), article_id)
    versions = article.versions.select_related("author").order_by("-number")
    return {"items": [_version_out(v) for v in versions], "next": None}


@router.get("/knowledge/articles/{article_id}/diff", response={200: dict, **ERRORS})
def article_diff(request, article_id: int, old: int, new: int):
    """The changes between two versions, as unified-diff lines."""
    article = article_get_for(request.auth, article_id)
    if not is_staff(request.auth):
        raise NotFound(_("Article"), article_id)
    found = {v.number: v for v in article.versions.filter(number__in=[old, new])}
    if old not in found or new not in found:
        raise NotFound(_("Version"), old if old not in found else new)

    def fields(v):
        return {"title": v.title, "summary": v.summary, "keywords": v.keywords, "body": v.body}
    lines = rules.version_diff(fields(found[old]), fields(found[new]))
    return {"old": old, "new": new, "lines": [{"kind": k, "text": t} for k, t in lines]}


@router.post("/knowledge/articles/{article_id}/feedback", response={200: dict, 201: dict,
                                                                     **ERRORS})
def article_feedback(request, article_id: int, payload: FeedbackIn):
    """"Was this helpful?": one answer per user per article per day (a second one the same
    day replaces the first)."""
    article = article_get_for(request.auth, article_id)
    row, created = services.feedback_submit(
        article=article, helpful=payload.helpful, comment=payload.comment,
        visitor=services.visitor_key(user=request.auth), user=request.auth)
    return Status(201 if created else 200, {"helpful": row.helpful, "replaced": not created})


@router.get("/knowledge/categories", response={200: dict, **ERRORS})
def categories(request):
    return {"items": [{"id": c.pk, "slug": c.slug, "name": c.label, "parent_id": c.parent_id}
                      for c in KnowledgeCategory.objects.all()], "next": None}
