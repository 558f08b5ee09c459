"""The help centre in the customer portal (/portal/help/…): public, published articles in the
visitor's language, no sign-in needed; search; "was this helpful?"; and the suggestions shown
while a customer writes a new request (deflection)."""

from __future__ import annotations

import secrets
from types import SimpleNamespace

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.core.errors import ApplicationError, NotFound

from .. import forms, rules, selectors, semantic, services
from ..models import Article, ArticleAttachment, KnowledgeCategory
from ..search import search as search_service
from ..similar import suggest_articles
from .console import file_response

VISITOR_KEY = "kb_visitor"
DEFLECTION_KEY = "kb_deflection"
SUGGESTIONS = 5
#: New anonymous suggestion sessions (web form) per client address and hour.
WEB_SESSIONS_PER_HOUR = 120


def language() -> str:
    return "en" if (translation.get_language() or "").startswith("en") else "zh-hans"


def _public(article_id) -> Article:
    try:
        article_id = int(article_id)
    except (TypeError, ValueError):
        raise NotFound(_("Article"), article_id)
    found = list(selectors.public_articles().select_related("live_version", "category")
                 .filter(pk=article_id)[:1])
    if not found:
        raise NotFound(_("Article"), article_id)
    return found[0]


def not_found_page(view):
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return render(request, "knowledge/help_not_found.html", status=404)
    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _search(request, q: str, *, limit: int, scope: str, log: bool):
    lang = language()
    found = search_service(q=q, kind="article", user=None, language=lang, limit=limit,
                           scope=scope, log=log)
    other = None
    if not found.items:  # nothing in the visitor's language: the other one
        other = search_service(q=q, kind="article", user=None, limit=limit)
    return found, other


@require_GET
def home(request):
    lang = language()
    return render(request, "knowledge/help_home.html", {
        "categories": selectors.category_tree(lang), "popular": selectors.popular(lang)})


@require_GET
def search_view(request):
    q = (request.GET.get("q") or "")[:1000]
    found = other = None
    if q.strip():
        found, other = _search(request, q, limit=20, scope="help", log=True)
    return render(request, "knowledge/help_search.html", {"q": q, "found": found, "other": other})


@require_GET
@not_found_page
def category_view(request, slug):
    category = KnowledgeCategory.objects.filter(slug=slug).select_related("parent").first()
    if category is None:
        raise NotFound(_("Category"), slug)
    children = list(category.children.all())
    articles = list(selectors.public_articles(language())
                    .filter(category__in=[category, *children])
                    .select_related("live_version").order_by("-view_count", "title"))
    return render(request, "knowledge/help_category.html",
                  {"category": category, "children": children, "articles": articles})


@require_GET
@not_found_page
def article_view(request, article_id):
    article = _public(article_id)
    if not (request.user.is_authenticated and request.user.role in rules.STAFF_ROLES):
        services.article_viewed(article.pk)
    translations = [t for t in selectors.translations(article) if t.is_public]
    related = list(selectors.public_articles(article.language)
                   .filter(category_id=article.category_id).exclude(pk=article.pk)
                   .order_by("-view_count")[:5]) if article.category_id else []
    return render(request, "knowledge/help_article.html", {
        "article": article, "live": article.live_version,
        "body_html": selectors.render(article, article.live_version, public=True),
        "translations": translations, "related": related,
        "feedback_form": forms.FeedbackForm(),
        "thanks": request.GET.get("thanks") == "1"})


def _visitor(request) -> str:
    browser = request.session.get(VISITOR_KEY)
    if not browser:
        browser = secrets.token_urlsafe(18)
        request.session[VISITOR_KEY] = browser
    return services.visitor_key(user=request.user, browser=browser)


@require_POST
@not_found_page
def feedback_view(request, article_id):
    article = _public(article_id)
    form = forms.FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please answer yes or no (and keep the comment under 2,000 "
                                  "characters)."))
        return redirect("help:article", article_id=article.pk)
    try:
        services.feedback_submit(article=article, helpful=form.cleaned_data["helpful"],
                                 comment=form.cleaned_data["comment"], visitor=_visitor(request),
                                 user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("help:article", article_id=article.pk)
    return redirect(reverse("help:article", args=[article.pk]) + "?thanks=1#feedback")


@require_GET
@not_found_page
def file_view(request, file_id):
    row = ArticleAttachment.objects.filter(pk=file_id).first()
    if row is None:
        raise NotFound(_("File"), file_id)
    _public(row.article_id)
    return file_response(row)


# --- suggestions while writing a request --------------------------------------------------

def _customer(request):
    user = request.user
    return user.is_authenticated and user.role == "customer"


def _suggest_language(request, web: bool) -> str:
    """The web form says its language (``lang``: it may be embedded in another site)."""
    wanted = request.GET.get("lang") or ""
    return wanted if web and wanted in ("zh-hans", "en") else language()


def _tracked(request, web: bool) -> bool:
    """Whose suggestions open a deflection session: signed-in customers, and visitors of the
    web form (anonymous; new sessions limited per address so a robot cannot fill the table)."""
    if _customer(request):
        return True
    if not web or request.user.is_authenticated:
        return False
    if request.session.get(DEFLECTION_KEY):
        return True
    from kefu.core import ratelimit

    return not ratelimit.over_limit(scope="kb_web_suggest", client=request.META.get(
        "REMOTE_ADDR") or "unknown", limit=WEB_SESSIONS_PER_HOUR, window=3600)


@require_GET
def suggest_view(request):
    """The suggestion box (htmx): the best articles for what the customer has typed so far,
    on the portal's new-request page and on the web form (``source=web``). For a signed-in
    customer or a web-form visitor it opens (or continues) a deflection session."""
    web = request.GET.get("source") == "web"
    lang = _suggest_language(request, web)
    text = " ".join(filter(None, [request.GET.get("subject", ""),
                                  request.GET.get("description", "")[:300],
                                  request.GET.get("q", "")]))[:300]
    items = []
    with translation.override(lang):
        if len(text.strip()) >= 2:
            if semantic.enabled():  # keyword and meaning, any language, the reader's first
                items = [SimpleNamespace(**i) for i in suggest_articles(
                    text, user=None, language=lang, limit=SUGGESTIONS)]
            else:
                found, other = _search(request, text, limit=SUGGESTIONS, scope="suggest",
                                       log=False)
                items = (found.items or (other.items if other else []))
        if items and _tracked(request, web):
            key = request.session.get(DEFLECTION_KEY)
            session = services.suggestions_shown(key=key or services.deflection.new_key(),
                                                 user=request.user, query=text,
                                                 article_ids=[i.id for i in items],
                                                 language=lang)
            if session.key != key:
                request.session[DEFLECTION_KEY] = session.key
        if not items:
            return HttpResponse("")
        return render(request, "knowledge/_suggestions.html", {"items": items})


@require_GET
@not_found_page
def suggested_view(request, article_id):
    """A suggested article was opened: recorded (the session must be this browser's and this
    user's), then the article."""
    article = _public(article_id)
    if request.session.get(DEFLECTION_KEY):
        services.suggestion_opened(key=request.session[DEFLECTION_KEY], user=request.user,
                                   article=article)
    return redirect("help:article", article_id=article.pk)


urlpatterns = [
    path("", home, name="home"),
    path("search/", search_view, name="search"),
    path("categories/<slug:slug>/", category_view, name="category"),
    path("articles/<int:article_id>/", article_view, name="article"),
    path("articles/<int:article_id>/feedback/", feedback_view, name="feedback"),
    path("files/<int:file_id>/", file_view, name="file"),
    path("suggest/", suggest_view, name="suggest"),
    path("suggested/<int:article_id>/", suggested_view, name="suggested"),
]
