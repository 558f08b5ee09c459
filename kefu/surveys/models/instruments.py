"""Instruments, their versions and questions.

A version goes draft → published → retired. Only a draft can be edited; editing a published
instrument makes a new draft (a copy), so answers always refer to the exact questions asked.
At most one published and one draft version per instrument (partial unique constraints).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kefu.core.models import BilingualName

from .. import rules

INSTRUMENT_KINDS = [
    (rules.InstrumentKind.CSAT.value, _("Customer satisfaction (CSAT)")),
    (rules.InstrumentKind.NPS.value, _("Net Promoter Score (NPS)")),
    (rules.InstrumentKind.CES.value, _("Customer effort (CES)")),
    (rules.InstrumentKind.CUSTOM.value, _("Custom survey")),
    (rules.InstrumentKind.SERVQUAL.value, _("SERVQUAL: expectation and perception")),
    (rules.InstrumentKind.SERVQUAL3.value, _("SERVQUAL: desired, adequate and perceived")),
    (rules.InstrumentKind.SERVPERF.value, _("SERVPERF: perception only")),
    (rules.InstrumentKind.MANAGEMENT.value, _("Management perception (staff)")),
]
QUESTION_KINDS = [
    (rules.QuestionKind.RATING.value, _("Rating scale")),
    (rules.QuestionKind.SINGLE.value, _("Single choice")),
    (rules.QuestionKind.MULTIPLE.value, _("Multiple choice")),
    (rules.QuestionKind.LIKERT.value, _("Likert scale")),
    (rules.QuestionKind.TEXT.value, _("Open text")),
    (rules.QuestionKind.SERVQUAL.value, _("SERVQUAL item")),
    (rules.QuestionKind.WEIGHTS.value, _("Importance weights (100 points)")),
]
DIMENSIONS = [
    (rules.Dimension.TANGIBLES.value, _("Tangibles")),
    (rules.Dimension.RELIABILITY.value, _("Reliability")),
    (rules.Dimension.RESPONSIVENESS.value, _("Responsiveness")),
    (rules.Dimension.ASSURANCE.value, _("Assurance")),
    (rules.Dimension.EMPATHY.value, _("Empathy")),
]
VERSION_STATUSES = [
    (rules.VersionStatus.DRAFT.value, _("Draft")),
    (rules.VersionStatus.PUBLISHED.value, _("Published")),
    (rules.VersionStatus.RETIRED.value, _("Retired")),
]


def _pick(zh: str, en: str) -> str:
    lang = (get_language() or "zh-hans").lower()
    return en if lang.startswith("en") and en else zh


class Instrument(BilingualName):
    """A survey: CSAT, NPS, CES, a SERVQUAL form, or a custom one."""

    code = models.SlugField(verbose_name=_("Code"), max_length=40, unique=True)
    kind = models.CharField(verbose_name=_("Kind"), max_length=12, choices=INSTRUMENT_KINDS)
    description = models.TextField(verbose_name=_("Description"), max_length=2000, blank=True)
    description_en = models.TextField(verbose_name=_("English description"), max_length=2000,
                                      blank=True)
    anonymous_allowed = models.BooleanField(
        verbose_name=_("Anonymous answers allowed"), default=False,
        help_text=_("Respondents may choose that their answers are not linked to them."))
    created_at = models.DateTimeField(verbose_name=_("Created"))

    class Meta:
        verbose_name = _("Survey instrument")
        verbose_name_plural = _("Survey instruments")
        ordering = ["code"]


class InstrumentVersion(models.Model):
    instrument = models.ForeignKey(Instrument, verbose_name=_("Instrument"),
                                   on_delete=models.PROTECT, related_name="versions",
                                   db_index=False)  # the (instrument, number) constraint leads
    number = models.PositiveSmallIntegerField(verbose_name=_("Version"))
    status = models.CharField(verbose_name=_("Status"), max_length=10, choices=VERSION_STATUSES,
                              default=rules.VersionStatus.DRAFT.value)
    intro = models.TextField(verbose_name=_("Introduction"), max_length=4000, blank=True)
    intro_en = models.TextField(verbose_name=_("English introduction"), max_length=4000,
                                blank=True)
    created_at = models.DateTimeField(verbose_name=_("Created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Created by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    published_at = models.DateTimeField(verbose_name=_("Published"), null=True, blank=True)
    retired_at = models.DateTimeField(verbose_name=_("Retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("Instrument version")
        verbose_name_plural = _("Instrument versions")
        ordering = ["instrument_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="survey_version_number"),
            models.UniqueConstraint(fields=["instrument"], condition=Q(status="published"),
                                    name="survey_one_published_version"),
            models.UniqueConstraint(fields=["instrument"], condition=Q(status="draft"),
                                    name="survey_one_draft_version"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} v{self.number}"

    @property
    def intro_label(self) -> str:
        return _pick(self.intro, self.intro_en)


class Question(models.Model):
    #: int, not bigint: every answer row refers to a question, and there are millions.
    id = models.AutoField(primary_key=True)
    version = models.ForeignKey(InstrumentVersion, verbose_name=_("Version"),
                                on_delete=models.CASCADE, related_name="questions",
                                db_index=False)  # the (version, code) constraint leads
    code = models.SlugField(verbose_name=_("Code"), max_length=40,
                            help_text=_("Stable across versions: the same item keeps its code."))
    order = models.PositiveSmallIntegerField(verbose_name=_("Order"), default=0)
    kind = models.CharField(verbose_name=_("Kind"), max_length=10, choices=QUESTION_KINDS)
    text = models.TextField(verbose_name=_("Text"), max_length=1000)
    text_en = models.TextField(verbose_name=_("English text"), max_length=1000, blank=True)
    dimension = models.CharField(verbose_name=_("Dimension"), max_length=16, choices=DIMENSIONS,
                                 blank=True)
    #: SERVQUAL items: which columns are asked ("expectation", "perception", "desired",
    #: "adequate"), in the order shown.
    columns = models.JSONField(verbose_name=_("Columns"), default=list, blank=True)
    scale_min = models.SmallIntegerField(verbose_name=_("Scale from"), null=True, blank=True)
    scale_max = models.SmallIntegerField(verbose_name=_("Scale to"), null=True, blank=True)
    low_label = models.CharField(verbose_name=_("Label of the lowest point"), max_length=60,
                                 blank=True)
    low_label_en = models.CharField(verbose_name=_("English label of the lowest point"),
                                    max_length=60, blank=True)
    high_label = models.CharField(verbose_name=_("Label of the highest point"), max_length=60,
                                  blank=True)
    high_label_en = models.CharField(verbose_name=_("English label of the highest point"),
                                     max_length=60, blank=True)
    #: Choice questions: [{"code": "speed", "label": "响应速度", "label_en": "Speed"}, …]
    options = models.JSONField(verbose_name=_("Options"), default=list, blank=True)
    required = models.BooleanField(verbose_name=_("Required"), default=True)

    class Meta:
        verbose_name = _("Question")
        verbose_name_plural = _("Questions")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="survey_question_code"),
            models.CheckConstraint(
                condition=Q(scale_min__isnull=True) | Q(scale_max__isnull=True)
                | Q(scale_min__lt=models.F("scale_max")),
                name="survey_question_scale_order"),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.label[:60]}"

    @property
    def label(self) -> str:
        return _pick(self.text, self.text_en)

    @property
    def low(self) -> str:
        return _pick(self.low_label, self.low_label_en)

    @property
    def high(self) -> str:
        return _pick(self.high_label, self.high_label_en)

    def option_codes(self) -> tuple[str, ...]:
        return tuple(str(o.get("code", "")) for o in self.options or () if isinstance(o, dict))

    def option_labels(self) -> list[tuple[str, str]]:
        return [(str(o.get("code", "")), _pick(o.get("label", ""), o.get("label_en", "")))
                for o in self.options or () if isinstance(o, dict)]

    def spec(self) -> rules.QuestionSpec:
        return rules.QuestionSpec(
            id=self.pk, code=self.code, kind=self.kind, required=self.required,
            scale_min=self.scale_min, scale_max=self.scale_max, dimension=self.dimension or "",
            columns=tuple(self.columns or ()), options=self.option_codes())
