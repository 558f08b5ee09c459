"""The search index (one row per article, ticket or customer holding pre-segmented tokens),
the lexicon admins edit (user dictionary, synonyms) and the search log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

KIND_CHOICES = [("article", _("Article")), ("ticket", _("Ticket")), ("customer", _("Customer"))]


class SearchDocument(models.Model):
    """What search reads. ``title_tokens`` and ``tokens`` hold the segmented text (tokens
    separated by spaces); each kind has its own full-text index: on SQLite the FTS5 table
    ``knowledge_search_fts_<kind>`` (kept in step by triggers), on PostgreSQL a partial GIN
    index over the generated ``tsv`` column — for tickets and customers over ``tsv`` plus a
    marker of the id's epoch (``search/epochs.py``) — (migrations 0002–0004, outside the
    model)."""

    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    object_id = models.BigIntegerField()
    language = models.CharField(max_length=10, blank=True)
    audience = models.CharField(max_length=10, blank=True)  # articles: public / internal
    group_id = models.BigIntegerField(null=True, blank=True)  # articles: translation group
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)  # plain text, for snippets
    title_tokens = models.TextField(blank=True)
    tokens = models.TextField(blank=True)
    source_updated_at = models.DateTimeField()
    indexed_at = models.DateTimeField()
    meta = models.JSONField(default=dict, blank=True)
    #: float32 bytes of the multilingual sentence embedding (articles and tickets).
    embedding = models.BinaryField(null=True, blank=True)

    class Meta:
        verbose_name = _("Search document")
        verbose_name_plural = _("Search documents")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="kb_doc_unique")]
        indexes = [models.Index(fields=["kind", "language", "audience"], name="kb_doc_filter")]


class DictionaryWord(models.Model):
    """A product name or piece of jargon that word segmentation must keep whole."""

    word = models.CharField(verbose_name=_("Word"), max_length=40, unique=True)
    weight = models.PositiveIntegerField(verbose_name=_("Weight"), null=True, blank=True,
                                         help_text=_("Leave empty for the usual weight."))
    note = models.CharField(verbose_name=_("Note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Dictionary word")
        verbose_name_plural = _("Dictionary words")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class Synonym(models.Model):
    """Words that mean the same to a customer (退钱, 退款, refund): a search for one finds
    the others."""

    terms = models.CharField(verbose_name=_("Terms"), max_length=500,
                             help_text=_("Two or more words or phrases, separated by commas."))
    note = models.CharField(verbose_name=_("Note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Synonyms")
        verbose_name_plural = _("Synonyms")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.terms


class LexiconVersion(models.Model):
    """One row: a new random version whenever the dictionary or the synonyms change, so
    every process reloads its lexicon (see ``search.lexicon``)."""

    version = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)


class LexiconEvent(models.Model):
    """Who changed the dictionary or the synonyms, and how (the audit trail)."""

    kind = models.CharField(max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]


class IndexWatermark(models.Model):
    """How far the periodic indexer has read a source table (tickets, customers)."""

    name = models.CharField(max_length=20, primary_key=True)
    value = models.DateTimeField()
    updated_at = models.DateTimeField()


class SearchLog(models.Model):
    """A search someone made (help centre, suggestions, console, API) and how many results
    it had: searches without results are content gaps."""

    query = models.CharField(max_length=200)
    normalised = models.CharField(max_length=200)
    scope = models.CharField(max_length=10)  # help, suggest, console, api
    language = models.CharField(max_length=10, blank=True)
    results = models.PositiveIntegerField()
    approximate = models.BooleanField(default=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["results", "-created_at"], name="kb_searchlog_gaps"),
                   models.Index(fields=["-created_at"], name="kb_searchlog_recent")]
