"""Every write to articles: create (or translate), edit, submit for review, return, publish,
archive, restore. Each checks the actor, runs in a transaction and writes its ArticleEvent
row with the change; publishing indexes the article in the same transaction and queues its
embedding for after the commit."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import ApplicationError, Conflict, PermissionDenied

from .. import rules
from ..models import Article, ArticleVersion, KnowledgeCategory, TranslationGroup
from ..search.index import index_article
from ._common import (
    MAX_BODY,
    MAX_KEYWORDS,
    MAX_NOTE,
    MAX_SUMMARY,
    MAX_TITLE,
    check_choice,
    clean_text,
    event,
    require_editor,
    require_proposer,
)


def _texts(title, body, summary, keywords, note) -> dict:
    return {
        "title": clean_text("title", title, required=True, limit=MAX_TITLE, label=_("Title")),
        "body": clean_text("body", body, required=True, limit=MAX_BODY, label=_("Text")),
        "summary": clean_text("summary", summary, required=False, limit=MAX_SUMMARY,
                              label=_("Summary")),
        "keywords": clean_text("keywords", keywords, required=False, limit=MAX_KEYWORDS,
                               label=_("Search keywords")),
        "note": clean_text("note", note, required=False, limit=MAX_NOTE, label=_("Change note")),
    }


def _lock(article: Article) -> Article:
    return Article.objects.select_for_update().get(pk=article.pk)


def open_version(article: Article) -> ArticleVersion | None:
    return article.versions.filter(state__in=[s.value for s in rules.OPEN_STATES]).first()


@transaction.atomic
def article_create(*, actor, language: str, title: str, body: str, summary: str = "",
                   keywords: str = "", note: str = "", category: KnowledgeCategory | None = None,
                   audience: str | None = None, translation_of: Article | None = None) -> Article:
    """A new article as a draft (version 1). ``translation_of``: the same article in another
    language (it joins that article's translation group)."""
    require_proposer(actor)
    language = check_choice("language", language, rules.LANGUAGES)
    texts = _texts(title, body, summary, keywords, note)
    if translation_of is not None:
        group = translation_of.group
        if Article.objects.filter(group=group, language=language).exists():
            raise Conflict("translation_exists",
                           _("This article already has a version in that language."),
                           details={"field": "language"})
        category = category if category is not None else translation_of.category
        audience = audience or translation_of.audience
    else:
        group = TranslationGroup.objects.create()
    audience = check_choice("audience", audience or rules.Audience.PUBLIC.value,
                            [a.value for a in rules.Audience])
    now = timezone.now()
    article = Article.objects.create(group=group, language=language, category=category,
                                     audience=audience, status=rules.Status.DRAFT.value,
                                     title=texts["title"], created_by=actor, created_at=now,
                                     updated_at=now)
    version = ArticleVersion.objects.create(article=article, number=1, author=actor,
                                            created_at=now, updated_at=now, **texts)
    event(article, actor, "created", now, version=version, language=language,
          translation_of=translation_of.pk if translation_of else None)
    return article


@transaction.atomic
def article_edit(*, actor, article: Article, title: str, body: str, summary: str = "",
                 keywords: str = "", note: str = "") -> ArticleVersion:
    """Change the text being worked on, or start a new draft from the published text (the
    published text stays live until the draft is published)."""
    require_proposer(actor)
    article = _lock(article)
    texts = _texts(title, body, summary, keywords, note)
    now = timezone.now()
    version = open_version(article)
    if version is not None:
        if not rules.may_edit_version(role=actor.role, user_id=actor.pk,
                                      author_id=version.author_id, state=version.state):
            raise PermissionDenied(_("This text is waiting for review or belongs to someone else."))
        for name, value in texts.items():
            setattr(version, name, value)
        version.updated_at = now
        version.save()
        kind = "edited"
    else:
        number = (article.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ArticleVersion.objects.create(article=article, number=number, author=actor,
                                                created_at=now, updated_at=now, **texts)
        kind = "draft_started"
    article.title = texts["title"]
    article.updated_at = now
    article.save(update_fields=["title", "updated_at"])
    event(article, actor, kind, now, version=version, number=version.number)
    return version


@transaction.atomic
def article_settings(*, actor, article: Article, category: KnowledgeCategory | None = ...,
                     audience: str | None = None) -> Article:
    """Category and audience. They apply at once (also to the live text), so only editors
    change them on a published article; the author may while it was never published."""
    article = _lock(article)
    if article.live_version_id is not None or article.created_by_id != actor.pk:
        require_editor(actor)
    else:
        require_proposer(actor)
    changes = {}
    if category is not ... and (category.pk if category else None) != article.category_id:
        changes["category"] = [article.category_id, category.pk if category else None]
        article.category = category
    if audience is not None and audience != article.audience:
        check_choice("audience", audience, [a.value for a in rules.Audience])
        changes["audience"] = [article.audience, audience]
        article.audience = audience
    if not changes:
        return article
    now = timezone.now()
    article.updated_at = now
    article.save(update_fields=["category", "audience", "updated_at"])
    event(article, actor, "settings", now, **changes)
    _reindex(article)
    return article


def _reindex(article: Article) -> None:
    index_article(Article.objects.select_related("live_version").get(pk=article.pk))


def _transition(article: Article, action: str) -> ArticleVersion:
    version = open_version(article)
    if version is None:
        raise Conflict("nothing_to_" + action, _("There is no draft or text in review."))
    new_state = rules.version_next_state(version.state, action)
    if new_state is None:
        raise Conflict("invalid_transition",
                       _("This text cannot go from %(state)s that way.")
                       % {"state": version.get_state_display()},
                       details={"state": version.state, "action": action})
    version.state = new_state
    return version


@transaction.atomic
def article_submit(*, actor, article: Article) -> ArticleVersion:
    """Send the draft to the editors."""
    require_proposer(actor)
    article = _lock(article)
    version = open_version(article)
    if version is not None and not (rules.is_editor(actor.role) or version.author_id == actor.pk):
        raise PermissionDenied(_("Only the author or an editor may send this text to review."))
    version = _transition(article, "submit")
    now = timezone.now()
    version.submitted_at = now
    version.save(update_fields=["state", "submitted_at"])
    article.status = rules.article_status_after(article_status=article.status,
                                                version_state=version.state,
                                                has_live=article.live_version_id is not None)
    article.updated_at = now
    article.save(update_fields=["status", "updated_at"])
    event(article, actor, "submitted", now, version=version, number=version.number)
    return version


@transaction.atomic
def article_return(*, actor, article: Article, reason: str = "") -> ArticleVersion:
    """An editor sends the text in review back to draft, saying why."""
    require_editor(actor)
    reason = clean_text("reason", reason, required=False, limit=MAX_NOTE, label=_("Reason"))
    article = _lock(article)
    version = _transition(article, "return")
    now = timezone.now()
    version.save(update_fields=["state"])
    article.status = rules.article_status_after(article_status=article.status,
                                                version_state=version.state,
                                                has_live=article.live_version_id is not None)
    article.updated_at = now
    article.save(update_fields=["status", "updated_at"])
    event(article, actor, "returned", now, version=version, number=version.number, reason=reason)
    return version


@transaction.atomic
def article_publish(*, actor, article: Article) -> ArticleVersion:
    """An editor publishes the draft or the text in review: it becomes the live text (the
    previous one is kept as superseded), the search index changes in this transaction, and
    the embedding is computed after the commit."""
    require_editor(actor)
    article = _lock(article)
    version = _transition(article, "publish")
    now = timezone.now()
    article.versions.filter(state=rules.VersionState.PUBLISHED).update(
        state=rules.VersionState.SUPERSEDED.value)
    version.published_at = now
    version.published_by = actor
    version.save(update_fields=["state", "published_at", "published_by"])
    article.live_version = version
    article.status = rules.Status.PUBLISHED.value
    article.title = version.title
    article.published_at = now
    article.first_published_at = article.first_published_at or now
    article.updated_at = now
    article.embedding = None
    article.save(update_fields=["live_version", "status", "title", "published_at",
                                "first_published_at", "updated_at", "embedding"])
    event(article, actor, "published", now, version=version, number=version.number)
    index_article(article)
    from ..tasks import queue_article_embedding

    queue_article_embedding(article.pk)
    return version


@transaction.atomic
def article_archive(*, actor, article: Article, reason: str = "") -> Article:
    """Take an article down: it leaves the help centre and search; its versions stay."""
    require_editor(actor)
    reason = clean_text("reason", reason, required=False, limit=MAX_NOTE, label=_("Reason"))
    article = _lock(article)
    if article.status == rules.Status.ARCHIVED:
        raise Conflict("already_archived", _("The article is already archived."))
    now = timezone.now()
    previous = article.status
    article.status = rules.Status.ARCHIVED.value
    article.updated_at = now
    article.save(update_fields=["status", "updated_at"])
    event(article, actor, "archived", now, previous=previous, reason=reason)
    index_article(article)
    return article


@transaction.atomic
def article_restore(*, actor, article: Article) -> Article:
    """Bring an archived article back: live again if it had a published text."""
    require_editor(actor)
    article = _lock(article)
    if article.status != rules.Status.ARCHIVED:
        raise Conflict("not_archived", _("The article is not archived."))
    now = timezone.now()
    version = open_version(article)
    article.status = (rules.Status.PUBLISHED.value if article.live_version_id else
                      rules.Status.REVIEW.value if version and version.state == "review" else
                      rules.Status.DRAFT.value)
    article.updated_at = now
    article.save(update_fields=["status", "updated_at"])
    event(article, actor, "restored", now, status=article.status)
    index_article(Article.objects.select_related("live_version").get(pk=article.pk))
    return article


def article_store_embedding(article_id: int) -> bool:
    """Compute and store the live text's embedding (the job after publishing)."""
    from .. import semantic
    from ..models import SearchDocument

    if not semantic.enabled():
        return False
    article = Article.objects.select_related("live_version").filter(pk=article_id).first()
    if article is None or article.live_version is None:
        return False
    live = article.live_version
    vector = semantic.embed([f"{live.title}\n{live.summary}\n{rules.plain_text(live.body)}"])[0]
    raw = semantic.to_bytes(vector)
    with transaction.atomic():
        updated = Article.objects.filter(pk=article_id, live_version_id=live.pk).update(
            embedding=raw, embedding_model=semantic.MODEL_NAME)
        SearchDocument.objects.filter(kind="article", object_id=article_id).update(
            embedding=raw, indexed_at=timezone.now())
    return bool(updated)


def categories_check_parent(category: KnowledgeCategory, parent: KnowledgeCategory | None) -> None:
    """A category may not sit under itself or its own descendants."""
    node = parent
    while node is not None:
        if node.pk == category.pk:
            raise ApplicationError("category_cycle",
                                   _("A category cannot be placed under itself."),
                                   details={"field": "parent"})
        node = node.parent
