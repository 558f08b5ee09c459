"""Customer 360 (客户档案): who the customer is, how to reach them, what they prefer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch
from kefu.core.models import BilingualName


class Tier(BilingualName):
    """A service tier (分级对待): VIP, gold, regular… editable by admins."""

    code = models.SlugField(max_length=40, unique=True)
    rank = models.PositiveSmallIntegerField(default=100, help_text="Lower ranks are served first")
    color = models.CharField(max_length=20, default="#888888")

    class Meta:
        ordering = ["rank", "code"]


class Organisation(models.Model):
    """A business customer (集团客户) that several customers belong to."""

    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A household: size and the people in it (members are customers or just names)."""

    name = models.CharField(max_length=200)
    size = models.PositiveSmallIntegerField(default=1)
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=40, blank=True, db_index=True)
    wechat_id = models.CharField(max_length=80, blank=True)
    address = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=10, default="zh-hans")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="customers")
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="customers")
    organisation = models.ForeignKey(Organisation, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="customers")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="members")
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers")
    consent_email = models.BooleanField(default=False)
    consent_sms = models.BooleanField(default=False)
    consent_phone = models.BooleanField(default=False)
    consent_marketing = models.BooleanField(default=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="customer")
    external_ref = models.CharField(max_length=80, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class ContactPoint(models.Model):
    """An extra way to reach the customer besides the primary e-mail/phone/WeChat."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        WECHAT = "wechat", _("WeChat")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=200)
    label = models.CharField(max_length=60, blank=True)


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
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    text = models.CharField(max_length=300)
    important = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-important", "id"]


class CustomerEvent(models.Model):
    """Interactions that are not ticket events: profile edits, calls, visits, imports…

    The customer timeline merges these with the events of the customer's tickets.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "-created_at"])]
