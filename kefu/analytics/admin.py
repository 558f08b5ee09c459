"""Admin screens of the analytics settings: the impact assumptions, the public supervision
page (both one row, saved through ``quality_services`` so they are checked and audited),
weekly report subscriptions and the audit trail (read-only)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _

from kefu.core.errors import ApplicationError

from . import quality_services
from .models import ImpactAssumptions, PublicPage, QualityEvent, ReportSubscription


class SingleRowAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return super().has_add_permission(request) and not self.model.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImpactAssumptions)
class ImpactAssumptionsAdmin(SingleRowAdmin):
    fields = ("tell", "loud_share", "loud_tell", "complain_share", "silent_leave_share",
              "repair", "acquisition_multiple", "keep_cost", "currency", "updated_at",
              "updated_by")
    readonly_fields = ("updated_at", "updated_by")
    list_display = ("__str__", "tell", "loud_share", "complain_share", "repair",
                    "acquisition_multiple", "updated_at")

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data.get(name) for name in
                  (*quality_services.ASSUMPTION_FIELDS, "keep_cost", "currency")}
        try:
            quality_services.assumptions_save(actor=request.user, values=values)
        except ApplicationError as exc:
            messages.error(request, exc.message)


class PublicPageForm(forms.ModelForm):
    class Meta:
        model = PublicPage
        fields = ("enabled", "title", "title_en", "months", "min_n", "cache_seconds")


@admin.register(PublicPage)
class PublicPageAdmin(SingleRowAdmin):
    form = PublicPageForm
    list_display = ("__str__", "enabled", "months", "min_n", "cache_seconds", "updated_at")
    readonly_fields = ("updated_at", "updated_by")

    def save_model(self, request, obj, form, change):
        try:
            quality_services.public_page_save(actor=request.user, page=obj)
        except ApplicationError as exc:
            messages.error(request, exc.message)


class ReportSubscriptionForm(forms.ModelForm):
    class Meta:
        model = ReportSubscription
        fields = ("user", "scope", "branch", "team", "language", "active")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        user, scope = data.get("user"), data.get("scope")
        branch, team = data.get("branch"), data.get("team")
        if scope == "branch" and (branch is None or team is not None):
            raise forms.ValidationError({"branch": _("A branch report names a branch and no "
                                                     "team.")})
        if scope == "team" and (team is None or branch is not None):
            raise forms.ValidationError({"team": _("A team report names a team and no branch.")})
        if scope == "all" and (team is not None or branch is not None):
            raise forms.ValidationError({"scope": _("A report of everything names no branch "
                                                    "or team.")})
        if user is not None and not quality_services.may_cover(user, scope, branch, team):
            raise forms.ValidationError({"scope": _("This manager may not receive figures of "
                                                    "that scope.")})
        return data


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    form = ReportSubscriptionForm
    list_display = ("user", "scope", "branch", "team", "language", "active", "last_week")
    list_filter = ("scope", "language", "active")
    list_select_related = ("user", "branch", "team")
    readonly_fields = ("last_week",)

    def save_model(self, request, obj, form, change):
        try:
            saved = quality_services.subscription_save(
                actor=request.user, user=obj.user, scope=obj.scope, branch=obj.branch,
                team=obj.team, language=obj.language, active=obj.active)
            obj.pk = saved.pk
        except ApplicationError as exc:
            messages.error(request, exc.message)


@admin.register(QualityEvent)
class QualityEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "actor")
    list_filter = ("kind",)
    list_select_related = ("actor",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
