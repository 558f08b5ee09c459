"""Articles: categories (a tree), translation groups (one article per language), versions
(every published text kept), files, "was this helpful?" feedback and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.core.models import BilingualName

from .. import rules

LANGUAGE_CHOICES = [("zh-hans", "简体中文"), ("en", "English")]
AUDIENCE_CHOICES = [(rules.Audience.PUBLIC.value, _("Public")),
                    (rules.Audience.INTERNAL.value, _("Internal (agents only)"))]
STATUS_CHOICES = [
    (rules.Status.DRAFT.value, _("Draft")),
    (rules.Status.REVIEW.value, _("In review")),
    (rules.Status.PUBLISHED.value, _("Published")),
    (rules.Status.ARCHIVED.value, _("Archived")),
]
VERSION_STATE_CHOICES = [
    (rules.VersionState.DRAFT.value, _("Draft")),
    (rules.VersionState.REVIEW.value, _("In review")),
    (rules.VersionState.PUBLISHED.value, _("Published")),
    (rules.VersionState.SUPERSEDED.value, _("Superseded")),
]


class KnowledgeCategory(BilingualName):
    """A node of the help centre's category tree (e.g. Orders › Changing an order)."""

    parent = models.ForeignKey("self", verbose_name=_("Parent"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    slug = models.SlugField(verbose_name=_("Code"), max_length=60, unique=True)
    description = models.CharField(verbose_name=_("Description"), max_length=300, blank=True)
    description_en = models.CharField(verbose_name=_("English description"), max_length=300,
                                      blank=True)
    position = models.PositiveIntegerField(verbose_name=_("Position"), default=100)

    class Meta:
        verbose_name = _("Article category")
        verbose_name_plural = _("Article categories")
        ordering = ["position", "slug"]

    @property
    def description_label(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.description_en:
            return self.description_en
        return self.description


class TranslationGroup(models.Model):
    """The articles that say the same thing in different languages (one per language)."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Translation group")
        verbose_name_plural = _("Translation groups")


class Article(models.Model):
    group = models.ForeignKey(TranslationGroup, verbose_name=_("Translation group"),
                              on_delete=models.PROTECT, related_name="articles")
    language = models.CharField(verbose_name=_("Language"), max_length=10,
                                choices=LANGUAGE_CHOICES)
    category = models.ForeignKey(KnowledgeCategory, verbose_name=_("Category"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="articles")
    audience = models.CharField(verbose_name=_("Audience"), max_length=10,
                                choices=AUDIENCE_CHOICES, default=rules.Audience.PUBLIC.value)
    status = models.CharField(verbose_name=_("Status"), max_length=10, choices=STATUS_CHOICES,
                              default=rules.Status.DRAFT.value)
    #: The title of the newest version (drafts included): what the console lists.
    title = models.CharField(verbose_name=_("Title"), max_length=200)
    #: The text customers and agents read: the published version (None until published).
    live_version = models.ForeignKey("knowledge.ArticleVersion", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    first_published_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)  # the live version's
    view_count = models.PositiveBigIntegerField(default=0)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    #: The multilingual sentence embedding of the live text (float32 bytes) and its model.
    embedding = models.BinaryField(null=True, blank=True)
    embedding_model = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("Article")
        verbose_name_plural = _("Articles")
        constraints = [
            models.UniqueConstraint(fields=["group", "language"], name="kb_one_per_language"),
            models.CheckConstraint(name="kb_published_has_text",
                                   condition=~Q(status="published") | Q(live_version__isnull=False)),
        ]
        indexes = [
            models.Index(fields=["status", "audience", "language"], name="kb_article_listing"),
            models.Index(fields=["category", "status"], name="kb_article_category"),
            models.Index(fields=["-updated_at", "-id"], name="kb_article_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.audience == rules.Audience.PUBLIC and self.status == rules.Status.PUBLISHED


class ArticleVersion(models.Model):
    """One text of an article. Drafts and reviews are edited in place; a published version is
    never changed again (an edit starts a new draft), so every published text is kept."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=VERSION_STATE_CHOICES,
                             default=rules.VersionState.DRAFT.value)
    title = models.CharField(verbose_name=_("Title"), max_length=200)
    summary = models.CharField(verbose_name=_("Summary"), max_length=500, blank=True)
    body = models.TextField(verbose_name=_("Text"))
    keywords = models.CharField(verbose_name=_("Search keywords"), max_length=300, blank=True)
    note = models.CharField(verbose_name=_("Change note"), max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("Article version")
        verbose_name_plural = _("Article versions")
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_number"),
            # at most one text being worked on, and at most one live text, per article
            models.UniqueConstraint(fields=["article"], name="kb_one_open_version",
                                    condition=Q(state__in=["draft", "review"])),
            models.UniqueConstraint(fields=["article"], name="kb_one_live_version",
                                    condition=Q(state="published")),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class ArticleEvent(models.Model):
    """One row per change (created, edited, submitted, published, returned, archived, …),
    written in the same transaction as the change."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    version = models.ForeignKey(ArticleVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", db_index=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Article event")
        verbose_name_plural = _("Article events")
        ordering = ["-created_at", "-id"]


class ArticleAttachment(models.Model):
    """A file or image of an article (checked like ticket attachments: size, sniffed type).
    Shown to whoever may read the article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="knowledge/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Article file")
        verbose_name_plural = _("Article files")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ArticleFeedback(models.Model):
    """"Was this helpful?": one answer per visitor per article per day (a later answer the
    same day replaces it)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField(verbose_name=_("Helpful"))
    comment = models.TextField(verbose_name=_("Comment"), blank=True)
    #: A hash of the visitor (their login, else their browser session): never the raw id.
    visitor = models.CharField(max_length=64)
    day = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Article feedback")
        verbose_name_plural = _("Article feedback")
        constraints = [
            models.UniqueConstraint(fields=["article", "visitor", "day"],
                                    name="kb_feedback_once_a_day"),
        ]
        indexes = [models.Index(fields=["article", "-created_at"], name="kb_feedback_recent")]
