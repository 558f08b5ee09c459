"""Admin screens for the policy a business edits: business calendars and branch closed
days, SLA policies, the complaint playbook, empowerment limits and automation rules."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .automation_rules import RuleError, validate_actions, validate_conditions
from .calendar import calendar_from_dict, next_open
from .models import (
    AutomationRule,
    AutomationRun,
    BranchClosedDay,
    Calendar,
    EmpowermentLimit,
    PlaybookStep,
    SlaPolicy,
)
from .recovery_rules import InvalidMoney, parse_currency
from .services.sla import MAX_TARGET_MINUTES


class CalendarForm(forms.ModelForm):
    class Meta:
        model = Calendar
        fields = ("code", "name", "name_en", "data")
        help_texts = {"data": _(
            'JSON: {"tz": "Asia/Shanghai", "weekly": {"mon": [["09:00", "12:00"], '
            '["13:30", "18:00"]], …}, "public_holidays": "cn", "closed": ["2026-03-02"], '
            '"open": []} — see docs/sla-calendar.md')}

    def clean_data(self):
        data = self.cleaned_data["data"]
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from exc
        try:
            calendar = calendar_from_dict(data)
            next_open(calendar, timezone.now())  # a calendar that is never open stops every SLA
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    form = CalendarForm
    list_display = ("code", "name", "name_en")


@admin.register(BranchClosedDay)
class BranchClosedDayAdmin(admin.ModelAdmin):
    list_display = ("branch", "day", "reason")
    list_filter = ("branch",)
    date_hierarchy = "day"


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = ("name", "name_en", "order", "active", "is_default", "tier", "priority", "type",
                  "calendar", "first_response_minutes", "next_update_minutes",
                  "resolution_minutes", "sunset_rule", "pause_when_pending_customer",
                  "warn_at_percent")

    def clean(self):
        data = super().clean()
        for name in ("first_response_minutes", "next_update_minutes", "resolution_minutes"):
            value = data.get(name)
            if value is not None and not 1 <= value <= MAX_TARGET_MINUTES:
                self.add_error(name, _("Between 1 and %(max)d business minutes.")
                               % {"max": MAX_TARGET_MINUTES})
        return data


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    form = SlaPolicyForm

    def has_delete_permission(self, request, obj=None):
        # "A default policy always exists": the default can be edited, not deleted.
        return super().has_delete_permission(request, obj) and not (obj and obj.is_default)

    list_display = ("name", "order", "active", "is_default", "tier", "priority", "type",
                    "first_response_minutes", "resolution_minutes", "sunset_rule", "calendar")
    list_editable = ("order", "active")
    list_filter = ("active", "tier", "priority", "type")


@admin.register(PlaybookStep)
class PlaybookStepAdmin(admin.ModelAdmin):
    list_display = ("step", "updated_at")


class EmpowermentLimitForm(forms.ModelForm):
    class Meta:
        model = EmpowermentLimit
        fields = ("role", "kind", "tier", "currency", "max_amount")

    def clean_currency(self):
        value = (self.cleaned_data["currency"] or "").strip().upper()
        try:
            return parse_currency(value)
        except InvalidMoney as exc:
            raise forms.ValidationError(_("Use a three-letter ISO 4217 code such as CNY.")) from exc


@admin.register(EmpowermentLimit)
class EmpowermentLimitAdmin(admin.ModelAdmin):
    form = EmpowermentLimitForm
    list_display = ("role", "kind", "tier", "currency", "max_amount")
    list_filter = ("role", "kind", "tier")


class AutomationRuleForm(forms.ModelForm):
    class Meta:
        model = AutomationRule
        fields = ("name", "order", "active", "event", "conditions", "actions", "stop_processing")
        help_texts = {
            "conditions": _('JSON list, all must hold: [{"field": "priority", "op": "eq", '
                            '"value": "urgent"}] — see docs/automations.md'),
            "actions": _('JSON list, run in order: [{"type": "notify", "to": "supervisors"}] — '
                         'see docs/automations.md'),
        }

    def clean_conditions(self):
        try:
            return validate_conditions(self.cleaned_data["conditions"])
        except RuleError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_actions(self):
        try:
            return validate_actions(self.cleaned_data["actions"])
        except RuleError as exc:
            raise forms.ValidationError(str(exc)) from exc


@admin.register(AutomationRule)
class AutomationRuleAdmin(admin.ModelAdmin):
    form = AutomationRuleForm
    list_display = ("name", "order", "active", "event", "stop_processing", "updated_at")
    list_editable = ("order", "active")
    list_filter = ("event", "active")


@admin.register(AutomationRun)
class AutomationRunAdmin(admin.ModelAdmin):
    """The audit trail of automations: read only."""

    list_display = ("created_at", "rule", "ticket_id", "event", "outcome")
    list_filter = ("outcome", "event", "rule")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
