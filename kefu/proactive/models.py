"""Proactive care data: what customers buy and use up, the household containers they keep it
in, their special dates, the scores the daily job computes, and the care tasks it builds.

The rice shop's notebook: who lives in the house, how big the rice bin is, when they last
bought and how much — so that someone knocks on the door before the bin is empty."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.core.models import BilingualName
from kefu.customers.models import Customer, Household

from .rules import DEFAULTS, FRACTIONS, LIMITS, Thresholds


class Unit(models.TextChoices):
    KG = "kg", _("kg")
    LITRE = "l", _("litres")
    PIECE = "piece", _("pieces")
    SESSION = "session", _("sessions")
    MONTH = "month", _("months")


class Product(BilingualName):
    """A product or service a customer buys and uses up, in a consumption unit."""

    code = models.SlugField(verbose_name=_("Code"), max_length=40, unique=True)
    unit = models.CharField(verbose_name=_("Unit"), max_length=10, choices=Unit.choices, default=Unit.KG)
    price = models.DecimalField(verbose_name=_("Price per unit"), max_digits=12, decimal_places=2, default=0)
    #: days before a predicted run-out when the care list (and the reminder) picks it up
    lead_days = models.PositiveSmallIntegerField(verbose_name=_("Days of notice"), default=3)
    remind_customers = models.BooleanField(verbose_name=_("E-mail customers before they run out"),
                                           default=False)
    active = models.BooleanField(verbose_name=_("Active"), default=True)

    class Meta:
        verbose_name = _("Product")
        verbose_name_plural = _("Products")
        ordering = ["code"]


class Purchase(models.Model):
    class Source(models.TextChoices):
        FORM = "form", _("Entered by hand")
        IMPORT = "import", _("Imported")
        API = "api", _("API")
        CARE = "care", _("Care call")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="purchases")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="purchases")
    date = models.DateField(verbose_name=_("Date"))
    quantity = models.DecimalField(verbose_name=_("Quantity"), max_digits=12, decimal_places=3)
    amount = models.DecimalField(verbose_name=_("Amount"), max_digits=12, decimal_places=2, default=0)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FORM)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Purchase")
        verbose_name_plural = _("Purchases")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["customer", "product", "date"], name="purchase_cust_prod_date")]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0),
                                              name="purchase_quantity_positive")]


class Consumption(models.Model):
    """What was observed at the customer's: a level left in the container (``level``) or a
    quantity used up over some time (``used``)."""

    class Kind(models.TextChoices):
        LEVEL = "level", _("Level left")
        USED = "used", _("Quantity used")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consumption")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(verbose_name=_("Date"))
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.LEVEL)
    quantity = models.DecimalField(verbose_name=_("Quantity"), max_digits=12, decimal_places=3)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Consumption record")
        verbose_name_plural = _("Consumption records")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["customer", "product", "date"], name="consumption_cust_prod")]


class Container(models.Model):
    """A container at the household's (the rice bin, the water tank) with its capacity."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="containers")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(verbose_name=_("Name"), max_length=80, blank=True)
    capacity = models.DecimalField(verbose_name=_("Capacity"), max_digits=10, decimal_places=3)

    class Meta:
        verbose_name = _("Container")
        verbose_name_plural = _("Containers")
        constraints = [models.UniqueConstraint(fields=["household", "product"], name="container_once")]


class SpecialDate(models.Model):
    class Kind(models.TextChoices):
        BIRTHDAY = "birthday", _("Birthday")
        ANNIVERSARY = "anniversary", _("Anniversary")
        RENEWAL = "renewal", _("Contract renewal")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="special_dates")
    kind = models.CharField(verbose_name=_("Kind"), max_length=12, choices=Kind.choices)
    date = models.DateField(verbose_name=_("Date"))
    note = models.CharField(verbose_name=_("Note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Special date")
        verbose_name_plural = _("Special dates")
        ordering = ["date"]


class OptOut(models.Model):
    """The customer asked for no proactive contact: no care task, no reminder."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="proactive_opt_out")
    reason = models.CharField(verbose_name=_("Reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Proactive-contact opt-out")
        verbose_name_plural = _("Proactive-contact opt-outs")


class SegmentRule(BilingualName):
    """A named RFM segment; the first active rule (by order) that matches wins. ``rule`` holds
    the conditions in the form ``kefu.proactive.predict.rfm.segment`` reads."""

    code = models.SlugField(verbose_name=_("Code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(verbose_name=_("Order"), default=100)
    rule = models.JSONField(verbose_name=_("Conditions"), default=dict)
    active = models.BooleanField(verbose_name=_("Active"), default=True)

    class Meta:
        verbose_name = _("Segment rule")
        verbose_name_plural = _("Segment rules")
        ordering = ["order", "code"]


class CustomerScore(models.Model):
    """The latest prediction for a customer (one row each, replaced by the daily job)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="proactive_score")
    frequency = models.PositiveIntegerField(default=0)
    recency = models.FloatField(default=0)
    age = models.FloatField(default=0)  # T: days since the first purchase
    monetary = models.FloatField(default=0)
    prob_alive = models.FloatField(null=True, blank=True)
    expected_purchases = models.FloatField(null=True, blank=True)  # over HORIZON_DAYS
    clv = models.FloatField(null=True, blank=True)
    rfm = models.CharField(max_length=3, blank=True)  # "545"
    segment = models.CharField(max_length=40, blank=True)
    last_purchase = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Customer score")
        verbose_name_plural = _("Customer scores")


class RunOutForecast(models.Model):
    """When the customer will run out of a product, with a band (low–high)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="run_out_forecasts")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    low = models.DateField()
    high = models.DateField()
    rate_per_day = models.FloatField()
    basis = models.CharField(max_length=40, blank=True)
    last_purchase = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "product"], name="runout_once")]
        indexes = [models.Index(fields=["low"], name="runout_low")]


class CareTask(models.Model):
    """One entry of an agent's care list. ``key`` names the occasion (this run-out cycle,
    this year's birthday, this follow-up): a re-run of the daily job never adds it twice."""

    class Kind(models.TextChoices):
        RUN_OUT = "run_out", _("About to run out")
        CHURN = "churn", _("Churn risk")
        FOLLOW_UP = "follow_up", _("Promised follow-up")
        BIRTHDAY = "birthday", _("Birthday")
        ANNIVERSARY = "anniversary", _("Anniversary")
        RENEWAL = "renewal", _("Contract renewal")
        VIP_SILENT = "vip_silent", _("VIP not contacted for long")

    class Action(models.TextChoices):
        CALL = "call", _("Call")
        DELIVER = "deliver", _("Offer a delivery")
        VISIT = "visit", _("Visit")
        MESSAGE = "message", _("Send greetings")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="care_tasks")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(max_length=80)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    follow_up = models.ForeignKey("workflow.FollowUp", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="care_tasks")
    due = models.DateField()
    value = models.FloatField(default=0)
    urgency = models.FloatField(default=0)
    rank = models.FloatField(default=0, db_index=True)  # value × urgency
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.CALL)
    data = models.JSONField(default=dict, blank=True)  # what the script needs
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    attempts = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(max_length=15, blank=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Care task")
        verbose_name_plural = _("Care tasks")
        ordering = ["-rank", "id"]
        constraints = [models.UniqueConstraint(fields=["customer", "key"], name="caretask_once")]
        indexes = [models.Index(fields=["assigned_to", "status", "due"], name="caretask_list"),
                   models.Index(fields=["status", "kind"], name="caretask_status_kind")]


class CareOutcome(models.Model):
    class Result(models.TextChoices):
        REACHED = "reached", _("Reached")
        ORDERED = "ordered", _("Ordered")
        DECLINED = "declined", _("Declined")
        NOT_REACHABLE = "not_reachable", _("Not reachable")

    task = models.ForeignKey(CareTask, on_delete=models.CASCADE, related_name="outcomes")
    result = models.CharField(max_length=15, choices=Result.choices)
    note = models.CharField(max_length=500, blank=True)
    purchase = models.ForeignKey(Purchase, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]


class Reminder(models.Model):
    """An e-mail reminder sent to the customer before a predicted run-out (once per cycle)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    outbound_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "key"], name="reminder_once")]


def _threshold(name: str, verbose, help_text=""):
    """A field of ``CareSettings`` with the default and the range of ``rules.Thresholds``."""
    low, high = LIMITS[name]
    field = models.FloatField if name in FRACTIONS else models.PositiveIntegerField
    return field(verbose_name=verbose, default=getattr(DEFAULTS, name), help_text=help_text,
                 validators=[MinValueValidator(low), MaxValueValidator(high)])


class CareSettings(models.Model):
    """The care list's thresholds, edited by administrators (one row, id 1); the daily job
    reads them on every run. How early a run-out is listed is each product's notice."""

    churn_risk = _threshold("churn_risk", _("Churn risk from which a customer is listed"),
                            _("A share between 0 and 1 (0.5 = 50%)."))
    vip_rank = _threshold("vip_rank", _("Tiers ranked at or below this are VIPs"))
    vip_silence_days = _threshold("vip_silence_days", _("Days without contact before a VIP is listed"))
    greeting_days = _threshold("greeting_days", _("Days ahead to list birthdays and anniversaries"))
    renewal_days = _threshold("renewal_days", _("Days ahead to list contract renewals"))
    follow_up_days = _threshold("follow_up_days", _("Days ahead to list promised follow-ups"))
    run_out_grace_days = _threshold("run_out_grace_days",
                                    _("Days after a predicted run-out it stays on the list"))
    decline_memory_days = _threshold("decline_memory_days",
                                     _("Days a refusal lowers the customer's next tasks"))
    damping = _threshold("damping", _("Urgency kept after a refusal"),
                         _("A share between 0 and 1 (0.3 = 30%)."))
    max_attempts = _threshold("max_attempts", _("Attempts before an unreachable task closes"))
    updated_at = models.DateTimeField(verbose_name=_("Updated"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Updated by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("Care list settings")
        verbose_name_plural = _("Care list settings")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="care_settings_single")]

    def __str__(self) -> str:
        return str(_("Care list settings"))

    def thresholds(self) -> Thresholds:
        return Thresholds(**{name: getattr(self, name) for name in THRESHOLD_FIELDS})


THRESHOLD_FIELDS = ("churn_risk", "vip_rank", "vip_silence_days", "greeting_days", "renewal_days",
                    "follow_up_days", "run_out_grace_days", "decline_memory_days", "damping",
                    "max_attempts")


class CareSettingsChange(models.Model):
    """Who changed the care list settings, when, and to what (the audit trail)."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    changes = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
