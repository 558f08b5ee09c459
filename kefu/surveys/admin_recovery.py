"""Admin screens of the closed loop: the recovery policy (one row, checked by the service)
and the recovery tickets opened, read-only. Imported by ``admin.py``."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from kefu.core.errors import ApplicationError

from .admin import ReadOnlyAdmin, _form_error, _message
from .models import RecoveryLink, RecoveryPolicy
from .services import recovery as recovery_services


class RecoveryPolicyForm(forms.ModelForm):
    class Meta:
        model = RecoveryPolicy
        fields = ("active", "csat_at_most", "nps_at_most", "gap_at_most", "priority")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        probe = RecoveryPolicy(**{f: data.get(f) for f in self.Meta.fields})
        try:
            recovery_services.check_policy(probe)
        except ApplicationError as exc:
            raise _form_error(self, exc)
        return data


@admin.register(RecoveryPolicy)
class RecoveryPolicyAdmin(admin.ModelAdmin):
    form = RecoveryPolicyForm
    list_display = ("__str__", "active", "csat_at_most", "nps_at_most", "gap_at_most",
                    "priority", "updated_at")
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not RecoveryPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            recovery_services.recovery_policy_save(actor=request.user, policy=obj)
        except ApplicationError as exc:
            _message(request, exc)


@admin.register(RecoveryLink)
class RecoveryLinkAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "reason", "score", "dimension", "response", "ticket")
    list_filter = ("reason",)
    list_select_related = ("response", "ticket")
    raw_id_fields = ("response", "ticket")
    show_full_result_count = False
