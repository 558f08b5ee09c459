"""Service recovery (服务补救) with empowerment limits (员工授权): an agent grants what their
role allows at once; more goes to an approval queue; nobody approves their own request."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Role
from kefu.customers.models import Customer, Tier
from kefu.tickets.models import Ticket


class RecoveryKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    VOUCHER = "voucher", _("Voucher")
    GIFT = "gift", _("Gift")
    FREE_SERVICE = "free_service", _("Free service")
    APOLOGY_VISIT = "apology_visit", _("Apology visit")


class EmpowermentLimit(models.Model):
    """The most a role may grant without approval, per kind and currency (optionally for one
    customer tier: a VIP limit can be higher). The most specific matching row applies."""

    role = models.CharField(verbose_name=_("Role"), max_length=20,
                            choices=[(r.value, r.label) for r in Role if r != Role.CUSTOMER])
    kind = models.CharField(verbose_name=_("Kind"), max_length=20, choices=RecoveryKind.choices,
                            blank=True, help_text=_("Blank: every kind."))
    tier = models.ForeignKey(Tier, verbose_name=_("Customer tier"), null=True, blank=True,
                             on_delete=models.CASCADE, help_text=_("Blank: every tier."))
    currency = models.CharField(verbose_name=_("Currency"), max_length=3, default="CNY")
    max_amount = models.DecimalField(verbose_name=_("Up to"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("Empowerment limit")
        verbose_name_plural = _("Empowerment limits")
        ordering = ["role", "kind", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["role", "kind", "tier", "currency"],
                                    name="empowerment_limit_unique", nulls_distinct=False),
            models.CheckConstraint(condition=Q(max_amount__gte=0), name="empowerment_limit_not_negative"),
        ]


class RecoveryAction(models.Model):
    class Status(models.TextChoices):
        GRANTED = "granted", _("Granted")  # within the requester's own limit
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="recovery_actions")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="recovery_actions")
    kind = models.CharField(verbose_name=_("Kind"), max_length=20, choices=RecoveryKind.choices)
    amount = models.DecimalField(verbose_name=_("Amount"), max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(verbose_name=_("Currency"), max_length=3, default="CNY")
    note = models.TextField(verbose_name=_("Note"), max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Recovery action")
        verbose_name_plural = _("Recovery actions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="recovery_status_created"),
                   models.Index(fields=["customer", "created_at"], name="recovery_customer")]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="recovery_amount_not_negative")]
