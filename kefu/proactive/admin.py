"""Admin screens for what a business edits: products, segment rules (first match wins),
containers, special dates, opt-outs, the care list's thresholds (and who changed them)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _

from kefu.core.errors import ApplicationError

from .care_settings import care_settings_save
from .models import (
    THRESHOLD_FIELDS,
    CareSettings,
    CareSettingsChange,
    Container,
    OptOut,
    Product,
    SegmentRule,
    SpecialDate,
)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "unit", "price", "lead_days", "remind_customers", "active")


class SegmentRuleForm(forms.ModelForm):
    """The conditions are checked as the RFM model reads them, e.g. ``{"r": [4, 5],
    "f": [4, 5]}`` (scores 1–5; ``ratio``: days since the last purchase ÷ the usual gap)."""

    class Meta:
        model = SegmentRule
        fields = ("code", "name", "name_en", "order", "rule", "active")

    def clean_rule(self):
        from .predict import PredictError, rfm

        rule = self.cleaned_data.get("rule")
        if not isinstance(rule, dict):
            raise forms.ValidationError(_("The conditions must be an object such as "
                                          "{\"r\": [4, 5], \"f\": [4, 5]}."))
        try:
            rfm.validate_rules([{**rule, "segment": self.cleaned_data.get("code") or "x"}])
        except PredictError as exc:
            raise forms.ValidationError(exc.message)
        return rule


@admin.register(SegmentRule)
class SegmentRuleAdmin(admin.ModelAdmin):
    form = SegmentRuleForm
    list_display = ("order", "code", "name", "name_en", "rule", "active")
    ordering = ("order", "code")


@admin.register(Container)
class ContainerAdmin(admin.ModelAdmin):
    list_display = ("household", "product", "name", "capacity")
    raw_id_fields = ("household",)


@admin.register(SpecialDate)
class SpecialDateAdmin(admin.ModelAdmin):
    list_display = ("customer", "kind", "date", "note")
    raw_id_fields = ("customer",)


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ("customer", "reason", "created_at")
    raw_id_fields = ("customer",)


@admin.register(CareSettings)
class CareSettingsAdmin(admin.ModelAdmin):
    """One row, saved through ``care_settings_save`` (checked, audited, administrators)."""

    fields = (*THRESHOLD_FIELDS, "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")
    list_display = ("__str__", "churn_risk", "vip_silence_days", "greeting_days", "renewal_days",
                    "updated_at")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not CareSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            care_settings_save(actor=request.user,
                               values={name: form.cleaned_data.get(name) for name in THRESHOLD_FIELDS})
        except ApplicationError as exc:
            messages.error(request, exc.message)


@admin.register(CareSettingsChange)
class CareSettingsChangeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "changes")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
