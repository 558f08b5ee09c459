"""Shared model pieces."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualName(models.Model):
    """A name in Chinese (``name``) and English (``name_en``); ``label`` picks by language."""

    name = models.CharField(verbose_name=_("Name"), max_length=120)
    name_en = models.CharField(verbose_name=_("English name"), max_length=120, blank=True)

    class Meta:
        abstract = True

    @property
    def label(self) -> str:
        lang = (get_language() or "zh-hans").lower()
        if lang.startswith("en") and self.name_en:
            return self.name_en
        return self.name

    def __str__(self) -> str:
        return self.label


class RateCounter(models.Model):
    """One client's attempts in the current fixed window (``kefu.core.ratelimit``): kept in
    the database so every web process counts against the same limit, with or without
    Redis."""

    bucket = models.CharField(max_length=64, primary_key=True)  # a hash of scope and client
    window_ends = models.BigIntegerField()  # Unix seconds
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["window_ends"], name="ratecounter_window_ends")]
