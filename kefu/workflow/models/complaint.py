"""The seven-step complaint flow (投诉处理七步法), its playbook, the committed deadline of
step 5 (承诺时限), the follow-up of step 7 (跟踪服务) and the recorded resolution."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Customer
from kefu.tickets.models import Ticket


class Step(models.IntegerChoices):
    ISOLATE = 1, _("Move to a calm channel or room")
    SOOTHE = 2, _("Soothe emotions")
    APOLOGISE = 3, _("Apologise where due")
    GATHER = 4, _("Gather information")
    PROPOSE = 5, _("Propose a solution with a committed deadline")
    OPINION = 6, _("Ask the customer's opinion")
    FOLLOW_UP = 7, _("Follow up during and after handling")


class PlaybookStep(models.Model):
    """Help text, questions and phrases for one step, in both languages; admins edit it."""

    step = models.PositiveSmallIntegerField(verbose_name=_("Step"), choices=Step.choices, unique=True)
    help = models.TextField(verbose_name=_("Help (Chinese)"), blank=True)
    help_en = models.TextField(verbose_name=_("Help (English)"), blank=True)
    #: {"zh-hans": ["…", …], "en": ["…", …]}: phrases an agent can use at this step.
    phrases = models.JSONField(verbose_name=_("Phrases"), default=dict, blank=True)
    #: {"zh-hans": ["…"], "en": ["…"]}: questions the step's form asks (step 4 and 6).
    questions = models.JSONField(verbose_name=_("Questions"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Playbook step")
        verbose_name_plural = _("Playbook steps")
        ordering = ["step"]


class ComplaintStep(models.Model):
    """One step of one complaint, done or skipped (skipping needs a reason), with who/when."""

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="complaint_steps")
    step = models.PositiveSmallIntegerField(choices=Step.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    note = models.TextField(blank=True, max_length=4000)
    reason = models.TextField(blank=True, max_length=2000)  # why it was skipped
    #: What the step's form captured: the apology used (3), the answers (4, 6), …
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Complaint step")
        verbose_name_plural = _("Complaint steps")
        ordering = ["ticket", "step"]
        constraints = [models.UniqueConstraint(fields=["ticket", "step"], name="complaint_step_once")]


class Commitment(models.Model):
    """A deadline promised to the customer (step 5), tracked like an SLA target."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        KEPT = "kept", _("Kept")
        BROKEN = "broken", _("Broken")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="commitments")
    text = models.TextField(verbose_name=_("What was promised"), max_length=2000)
    due_at = models.DateTimeField(verbose_name=_("Promised by"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    promised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kept_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Commitment")
        verbose_name_plural = _("Commitments")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="commitment_open_due")]


class FollowUp(models.Model):
    """A scheduled follow-up call or visit (step 7; also care tasks), with its outcome."""

    class Outcome(models.TextChoices):
        SATISFIED = "satisfied", _("Customer satisfied")
        NOT_SATISFIED = "not_satisfied", _("Customer not satisfied")
        UNREACHABLE = "unreachable", _("Could not reach the customer")

    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="follow_ups")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="follow_ups")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="follow_ups")
    due_at = models.DateTimeField(verbose_name=_("Due"))
    purpose = models.TextField(verbose_name=_("Purpose"), max_length=2000, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    note = models.TextField(max_length=4000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    #: When the assignee was alerted that it is due (the periodic job alerts once).
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Follow-up")
        verbose_name_plural = _("Follow-ups")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["assigned_to", "done_at", "due_at"], name="followup_todo")]


class Resolution(models.Model):
    """How the ticket was resolved, and how the resolution was confirmed: by the customer or
    by the owner's verification call-back (until then the owner stays accountable)."""

    class Confirmation(models.TextChoices):
        CUSTOMER = "customer", _("Confirmed by the customer")
        CALLBACK = "callback", _("Verified by call-back")

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, primary_key=True,
                                  related_name="resolution")
    summary = models.TextField(verbose_name=_("Resolution"), max_length=4000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    confirmation = models.CharField(max_length=10, choices=Confirmation.choices, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_note = models.TextField(max_length=2000, blank=True)

    class Meta:
        verbose_name = _("Resolution")
        verbose_name_plural = _("Resolutions")
