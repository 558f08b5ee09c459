"""Customer 360 (客户档案): who the customer is, how to reach them, what they prefer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch
from kefu.core.models import BilingualName


class Tier(BilingualName):
    """A service tier (分级对待): VIP, gold, regular… editable by admins."""

    code = models.SlugField(verbose_name=_("Code"), max_length=40, unique=True)
    rank = models.PositiveSmallIntegerField(verbose_name=_("Rank"), default=100, help_text=_("Lower ranks are served first"))
    color = models.CharField(verbose_name=_("Colour"), max_length=20, default="#888888")

    class Meta:
        verbose_name = _("Tier")
        verbose_name_plural = _("Tiers")
        ordering = ["rank", "code"]


class Organisation(models.Model):
    """A business customer (集团客户) that several customers belong to."""

    name = models.CharField(verbose_name=_("Name"), max_length=200)
    name_en = models.CharField(verbose_name=_("English name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisations")


    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A household: size and the people in it (members are customers or just names)."""

    name = models.CharField(verbose_name=_("Name"), max_length=200)
    size = models.PositiveSmallIntegerField(verbose_name=_("Household size"), default=1)
    notes = models.TextField(verbose_name=_("Notes"), blank=True)

    class Meta:
        verbose_name = _("Household")
        verbose_name_plural = _("Households")


    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(verbose_name=_("Name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("Tag")
        verbose_name_plural = _("Tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    name = models.CharField(verbose_name=_("Name"), max_length=200)
    name_en = models.CharField(verbose_name=_("English name"), max_length=200, blank=True)
    email = models.EmailField(verbose_name=_("E-mail"), blank=True, db_index=True)
    phone = models.CharField(verbose_name=_("Phone"), max_length=40, blank=True, db_index=True)
    wechat_id = models.CharField(verbose_name=_("WeChat ID"), max_length=80, blank=True)
    address = models.CharField(verbose_name=_("Address"), max_length=300, blank=True)
    language = models.CharField(verbose_name=_("Language"), max_length=10, default="zh-hans")
    tier = models.ForeignKey(Tier, verbose_name=_("Tier"), on_delete=models.PROTECT, related_name="customers")
    branch = models.ForeignKey(Branch, verbose_name=_("Branch"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="customers")
    organisation = models.ForeignKey(Organisation, verbose_name=_("Organisation"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="customers")
    household = models.ForeignKey(Household, verbose_name=_("Household"), null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="members")
    tags = models.ManyToManyField(Tag, verbose_name=_("Tags"), blank=True, related_name="customers")
    consent_email = models.BooleanField(verbose_name=_("May e-mail"), default=False)
    consent_sms = models.BooleanField(verbose_name=_("May send SMS"), default=False)
    consent_phone = models.BooleanField(verbose_name=_("May phone"), default=False)
    consent_marketing = models.BooleanField(verbose_name=_("May send marketing"), default=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("Portal login"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="customer")
    external_ref = models.CharField(verbose_name=_("External reference"), max_length=80, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Customer")
        verbose_name_plural = _("Customers")
        indexes = [
            models.Index(fields=["name"]),
            # channels find a customer by address, ignoring case (email__iexact)
            models.Index(Upper("email"), name="customer_email_upper"),
        ]

    def __str__(self) -> str:
        return self.name


class ContactPoint(models.Model):
    """An extra way to reach the customer besides the primary e-mail/phone/WeChat."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        WECHAT = "wechat", _("WeChat")
        CHAT = "chat", _("Chat")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(verbose_name=_("Kind"), max_length=10, choices=Kind.choices)
    value = models.CharField(verbose_name=_("Value"), max_length=200)
    label = models.CharField(verbose_name=_("Label"), max_length=60, blank=True)

    class Meta:
        # channels find a customer by a phone number, an e-mail address or a chat id
        indexes = [models.Index(fields=["value"], name="contactpoint_value"),
                   models.Index(Upper("value"), name="contactpoint_value_upper")]


class PreferenceNote(models.Model):
    """A structured preference or habit ("likes a quiet room") shown wherever they appear."""

    class Category(models.TextChoices):
        ROOM = "room", _("Room and environment")
        FOOD = "food", _("Food and allergies")
        CONTACT = "contact", _("Contact and communication")
        DELIVERY = "delivery", _("Delivery and timing")
        HOUSEHOLD = "household", _("Household and consumption")
        HEALTH = "health", _("Health and accessibility")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="preferences")
    category = models.CharField(verbose_name=_("Category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    text = models.CharField(verbose_name=_("Text"), max_length=300)
    important = models.BooleanField(verbose_name=_("Important"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Preference note")
        verbose_name_plural = _("Preference notes")
        ordering = ["-important", "id"]


class CustomerEvent(models.Model):
    """Interactions that are not ticket events: profile edits, calls, visits, imports…

    The customer timeline merges these with the events of the customer's tickets.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(verbose_name=_("Kind"), max_length=40)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "-created_at"])]
