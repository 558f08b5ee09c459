"""The console's knowledge pages (/knowledge/…): the article list, writing and editing,
review and publishing, versions and their differences, files, the editors' report, and the
one search box over articles, tickets and customers (/search/)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kefu.console.views import staff_required
from kefu.core.errors import ApplicationError, NotFound
from kefu.core.pagination import keyset_page

from .. import forms, rules, selectors, services
from ..access import article_get_for, articles_for
from ..models import ArticleAttachment, ArticleVersion
from ..search import search as search_service

PAGE = 25


def _editor(request) -> bool:
    return rules.is_editor(request.user.role)


@staff_required
def article_list(request):
    status = request.GET.get("status") or ""
    language = request.GET.get("language") or ""
    q = (request.GET.get("q") or "").strip()
    qs = articles_for(request.user).select_related("category")
    if status in {s.value for s in rules.Status}:
        qs = qs.filter(status=status)
    if language in rules.LANGUAGES:
        qs = qs.filter(language=language)
    found = None
    if q:
        found = search_service(q=q, kind="article", user=request.user,
                               language=language or None, limit=30, scope="console")
        rows, next_cursor = [], None
    else:
        try:
            rows, next_cursor = keyset_page(qs, field="updated_at", descending=True,
                                            cursor=request.GET.get("cursor") or None, limit=PAGE)
        except ApplicationError:
            return redirect("knowledge:articles")
    review = (articles_for(request.user).filter(versions__state="review").distinct().count()
              if _editor(request) else 0)
    return render(request, "knowledge/console_list.html", {
        "rows": rows, "next_cursor": next_cursor, "found": found, "q": q, "status": status,
        "language": language, "statuses": rules.Status, "review_count": review,
        "may_write": rules.may_propose(request.user.role)})


@staff_required
@require_http_methods(["GET", "POST"])
def article_new(request):
    if not rules.may_propose(request.user.role):
        return render(request, "console/forbidden.html", status=403)
    source = None
    if request.GET.get("translation_of") or request.POST.get("translation_of"):
        source = article_get_for(request.user,
                                 request.GET.get("translation_of") or request.POST.get("translation_of"))
    initial = {"audience": "public", "language": "zh-hans"}
    if source is not None:
        initial.update(language="en" if source.language == "zh-hans" else "zh-hans",
                       category=source.category_id, audience=source.audience)
    form = forms.NewArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.article_create(
                actor=request.user, language=data["language"], title=data["title"],
                body=data["body"], summary=data["summary"], keywords=data["keywords"],
                note=data["note"], category=data["category"], audience=data["audience"],
                translation_of=source)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("knowledge:article", article_id=article.pk)
    return render(request, "knowledge/console_form.html",
                  {"form": form, "source": source, "article": None},
                  status=400 if form.errors else 200)


@staff_required
def article_detail(request, article_id):
    article = article_get_for(request.user, article_id)
    working = services.open_version(article)
    live = article.live_version if article.live_version_id else None
    user = request.user
    versions = list(article.versions.select_related("author", "published_by").order_by("-number"))
    return render(request, "knowledge/console_article.html", {
        "article": article, "live": live, "working": working,
        "live_html": selectors.render(article, live, public=False) if live else "",
        "working_html": selectors.render(article, working, public=False) if working else "",
        "versions": versions,
        "published_numbers": [v.number for v in versions if v.published_at],
        "translations": selectors.translations(article),
        "files": list(article.attachments.order_by("-id")),
        "feedback": list(article.feedback.order_by("-created_at")[:10]),
        "events": list(article.events.select_related("actor")[:20]),
        "is_editor": rules.is_editor(user.role),
        "may_edit": working is None and rules.may_propose(user.role) or (
            working is not None and rules.may_edit_version(
                role=user.role, user_id=user.pk, author_id=working.author_id,
                state=working.state)),
        "may_submit": working is not None and working.state == "draft" and (
            rules.is_editor(user.role) or working.author_id == user.pk),
        "may_upload": rules.is_editor(user.role) or (
            rules.may_propose(user.role) and article.created_by_id == user.pk),
        "settings_form": forms.SettingsForm(initial={"category": article.category_id,
                                                     "audience": article.audience}),
        "upload_form": forms.UploadForm(),
        "missing_languages": [code for code in rules.LANGUAGES if code != article.language
                              and code not in {t.language for t in selectors.translations(article)}],
    })


@staff_required
@require_http_methods(["GET", "POST"])
def article_edit(request, article_id):
    article = article_get_for(request.user, article_id)
    base = services.open_version(article) or article.live_version
    initial = ({"title": base.title, "summary": base.summary, "keywords": base.keywords,
                "body": base.body} if base else {})
    form = forms.TextForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.article_edit(actor=request.user, article=article, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("knowledge:article", article_id=article.pk)
    return render(request, "knowledge/console_form.html",
                  {"form": form, "article": article, "source": None},
                  status=400 if form.errors else 200)


ACTIONS = {
    "submit": (lambda r, a: services.article_submit(actor=r.user, article=a),
               gettext_lazy("Sent to the editors for review.")),
    "return": (lambda r, a: services.article_return(actor=r.user, article=a,
                                                    reason=r.POST.get("reason", "")[:300]),
               gettext_lazy("Returned to draft.")),
    "publish": (lambda r, a: services.article_publish(actor=r.user, article=a),
                gettext_lazy("Published.")),
    "archive": (lambda r, a: services.article_archive(actor=r.user, article=a,
                                                      reason=r.POST.get("reason", "")[:300]),
                gettext_lazy("Archived: the article is no longer shown.")),
    "restore": (lambda r, a: services.article_restore(actor=r.user, article=a),
                gettext_lazy("Restored.")),
}


@staff_required
@require_POST
def article_action(request, article_id, action):
    if action not in ACTIONS:
        raise NotFound(_("Action"), action)
    article = article_get_for(request.user, article_id)
    call, done = ACTIONS[action]
    try:
        call(request, article)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, str(done))
    return redirect("knowledge:article", article_id=article.pk)


@staff_required
@require_POST
def article_settings_view(request, article_id):
    article = article_get_for(request.user, article_id)
    form = forms.SettingsForm(request.POST)
    if form.is_valid():
        try:
            services.article_settings(actor=request.user, article=article,
                                      category=form.cleaned_data["category"],
                                      audience=form.cleaned_data["audience"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Please check the category and the audience."))
    return redirect("knowledge:article", article_id=article.pk)


@staff_required
def article_diff(request, article_id, old, new):
    article = article_get_for(request.user, article_id)
    found = {v.number: v for v in ArticleVersion.objects.filter(article=article,
                                                                number__in=[old, new])}
    if old not in found or new not in found:
        raise NotFound(_("Version"), old)

    def fields(v):
        return {"title": v.title, "summary": v.summary, "keywords": v.keywords, "body": v.body}
    return render(request, "knowledge/console_diff.html", {
        "article": article, "old": found[old], "new": found[new],
        "lines": rules.version_diff(fields(found[old]), fields(found[new]))})


@staff_required
@require_POST
def file_upload(request, article_id):
    article = article_get_for(request.user, article_id)
    form = forms.UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
    else:
        try:
            row = services.attachment_add(actor=request.user, article=article,
                                          upload=form.cleaned_data["file"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("File added: write ![%(name)s](file:%(id)s) in the text "
                                        "to show it.") % {"name": row.filename, "id": row.pk})
    return redirect("knowledge:article", article_id=article.pk)


def file_response(row: ArticleAttachment) -> FileResponse:
    inline = row.content_type in {"image/png", "image/jpeg", "image/gif", "image/webp"}
    response = FileResponse(row.file.open("rb"), content_type=row.content_type,
                            as_attachment=not inline, filename=row.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@staff_required
def file_view(request, file_id):
    row = ArticleAttachment.objects.filter(pk=file_id).select_related("article").first()
    if row is None:
        raise NotFound(_("File"), file_id)
    article_get_for(request.user, row.article_id)
    return file_response(row)


@staff_required
def report(request):
    if not _editor(request):
        return render(request, "console/forbidden.html", status=403)
    services.deflection_resolve()
    try:
        days = max(1, min(int(request.GET.get("days") or 30), 365))
    except ValueError:
        days = 30
    return render(request, "knowledge/report.html", {
        "days": days, "gaps": selectors.content_gaps(days=days),
        "deflection": selectors.deflection_summary(days=days),
        "deflecting": selectors.top_deflecting(days=days),
        "unhelpful": selectors.least_helpful()})


@staff_required
def search_view(request):
    """The console's one search box: articles, tickets and customers (``part=results``: the
    results alone; ``part=panel``: articles with insert buttons for the ticket panel)."""
    q = (request.GET.get("q") or "")[:1000]
    if request.GET.get("part") == "panel":  # the ticket panel's article search (htmx)
        from ..panel import public_base

        found = search_service(q=q, kind="article", user=request.user, limit=8,
                               scope="panel") if q.strip() else None
        return render(request, "knowledge/_panel_results.html",
                      {"results": found, "base": public_base(request)})
    kind = request.GET.get("type") or "ticket"
    if kind not in ("article", "ticket", "customer"):
        kind = "ticket"
    results = search_service(q=q, kind=kind, user=request.user, limit=25,
                             scope="console") if q.strip() else None
    if request.headers.get("HX-Request") and request.GET.get("part") == "results":
        return render(request, "knowledge/_console_results.html",
                      {"results": results, "kind": kind, "q": q})
    return render(request, "knowledge/console_search.html",
                  {"results": results, "kind": kind, "q": q})


@staff_required
def insert_view(request, article_id):
    """The text of an article for the reply box (the panel's "insert text")."""
    article = article_get_for(request.user, article_id)
    live = article.live_version if article.live_version_id else None
    if live is None:
        raise NotFound(_("Article"), article_id)
    return HttpResponse(rules.plain_text(live.body), content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("knowledge/", article_list, name="articles"),
    path("knowledge/new/", article_new, name="article_new"),
    path("knowledge/report/", report, name="report"),
    path("knowledge/files/<int:file_id>/", file_view, name="file"),
    path("knowledge/<int:article_id>/", article_detail, name="article"),
    path("knowledge/<int:article_id>/edit/", article_edit, name="article_edit"),
    path("knowledge/<int:article_id>/settings/", article_settings_view, name="article_settings"),
    path("knowledge/<int:article_id>/files/", file_upload, name="file_upload"),
    path("knowledge/<int:article_id>/text/", insert_view, name="article_text"),
    path("knowledge/<int:article_id>/diff/<int:old>/<int:new>/", article_diff, name="diff"),
    path("knowledge/<int:article_id>/<slug:action>/", article_action, name="article_action"),
    path("search/", search_view, name="search"),
]
