"""Admin screens: instruments (with their versions), versions (with their questions: edited
only while a draft; actions publish, retire, make a new draft), questions, waves (created
as drafts; actions launch and close), the CSAT policy, and read-only responses and audit.

Every save goes through the services, so the checks and the audit rows are the same as
through the API; a refusal shows as a form error or a message."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from kefu.core.errors import ApplicationError

from . import rules
from .models import (
    CsatPolicy,
    Instrument,
    InstrumentVersion,
    Question,
    Response,
    SurveyEvent,
    Wave,
)
from .services import instruments as instrument_services
from .services import policy as policy_services
from .services import waves as wave_services


def _message(request, exc: ApplicationError) -> None:
    messages.error(request, exc.message)


def _form_error(form, exc: ApplicationError) -> forms.ValidationError:
    """A service's refusal as a form error on its field (``filters.tiers`` → ``filters``)."""
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    field = (field or "").split(".")[0]
    return forms.ValidationError({field if field in form.fields else NON_FIELD_ERRORS:
                                  exc.message})


# --- instruments --------------------------------------------------------------------------------

class VersionInline(admin.TabularInline):
    model = InstrumentVersion
    fields = ("number", "status", "published_at", "retired_at")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "kind", "anonymous_allowed")
    list_filter = ("kind",)
    search_fields = ("code", "name", "name_en")
    fields = ("code", "kind", "name", "name_en", "description", "description_en",
              "anonymous_allowed")
    inlines = [VersionInline]
    actions = ["make_draft"]

    def get_readonly_fields(self, request, obj=None):
        return ("code", "kind") if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            if change:
                instrument_services.instrument_update(
                    actor=request.user, instrument=Instrument.objects.get(pk=obj.pk),
                    **{f: form.cleaned_data[f] for f in form.changed_data
                       if f not in ("code", "kind")})
            else:
                created = instrument_services.instrument_create(
                    actor=request.user, code=obj.code, kind=obj.kind, name=obj.name,
                    name_en=obj.name_en, description=obj.description,
                    description_en=obj.description_en,
                    anonymous_allowed=obj.anonymous_allowed)
                obj.pk, obj.created_at = created.pk, created.created_at
        except ApplicationError as exc:
            _message(request, exc)

    def save_related(self, request, form, formsets, change):
        pass  # versions are read-only here

    @admin.action(description=_("Make a draft version (to edit the questions)"))
    def make_draft(self, request, queryset):
        for instrument in queryset:
            try:
                draft = instrument_services.version_draft(actor=request.user,
                                                          instrument=instrument)
            except ApplicationError as exc:
                _message(request, exc)
            else:
                messages.success(request, _("%(code)s: draft version %(number)d is ready.")
                                 % {"code": instrument.code, "number": draft.number})


# --- versions and questions ---------------------------------------------------------------------

QUESTION_FORM_FIELDS = ("order", "code", "kind", "text", "text_en", "dimension", "columns",
                        "scale_min", "scale_max", "low_label", "low_label_en", "high_label",
                        "high_label_en", "options", "required")


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = QUESTION_FORM_FIELDS

    def clean(self):
        data = super().clean()
        version = self.instance.version if self.instance.version_id else getattr(
            self, "parent_version", None)
        if version is None or self.errors:
            return data
        fields = {f: data.get(f) for f in QUESTION_FORM_FIELDS if f in data}
        try:
            instrument_services.clean_question(fields, instrument_kind=version.instrument.kind)
        except ApplicationError as exc:
            raise _form_error(self, exc)
        return data


class QuestionInline(admin.StackedInline):
    model = Question
    form = QuestionForm
    extra = 0
    ordering = ("order", "id")

    def _draft(self, obj) -> bool:
        return obj is not None and obj.status == rules.VersionStatus.DRAFT

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        form = formset.form
        formset.form = type("BoundQuestionForm", (form,), {"parent_version": obj})
        return formset

    def has_add_permission(self, request, obj=None):
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._draft(obj) and super().has_delete_permission(request, obj)


@admin.register(InstrumentVersion)
class InstrumentVersionAdmin(admin.ModelAdmin):
    list_display = ("instrument", "number", "status", "published_at", "retired_at")
    list_filter = ("status", "instrument__kind")
    search_fields = ("instrument__code",)
    fields = ("instrument", "number", "status", "intro", "intro_en", "published_at",
              "retired_at")
    inlines = [QuestionInline]
    actions = ["publish", "retire", "make_draft"]

    def get_readonly_fields(self, request, obj=None):
        readonly = ("instrument", "number", "status", "published_at", "retired_at")
        if obj is not None and obj.status != rules.VersionStatus.DRAFT:
            readonly += ("intro", "intro_en")
        return readonly

    def has_add_permission(self, request):
        return False  # "Make a draft version" on the instrument

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if obj.status == rules.VersionStatus.DRAFT and form.changed_data:
            try:
                instrument_services.version_update(actor=request.user, version=obj,
                                                   intro=obj.intro, intro_en=obj.intro_en)
            except ApplicationError as exc:
                _message(request, exc)

    def save_formset(self, request, form, formset, change):
        """Questions through the services (checked again, audited)."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        version = form.instance
        for deleted in formset.deleted_forms:
            if deleted.instance.pk:
                self._call(request, instrument_services.question_remove,
                           question=deleted.instance)
        for sub in formset.forms:
            if sub in formset.deleted_forms or not sub.has_changed():
                continue
            data = {f: sub.cleaned_data.get(f) for f in QUESTION_FORM_FIELDS
                    if f in sub.cleaned_data}
            if sub.instance.pk:
                self._call(request, instrument_services.question_update,
                           question=Question.objects.get(pk=sub.instance.pk), data=data)
            else:
                self._call(request, instrument_services.question_add, version=version, data=data)

    def _call(self, request, fn, **kwargs):
        try:
            fn(actor=request.user, **kwargs)
        except ApplicationError as exc:
            _message(request, exc)

    @admin.action(description=_("Publish (retires the version published before)"))
    def publish(self, request, queryset):
        for version in queryset:
            self._call(request, instrument_services.version_publish, version=version)

    @admin.action(description=_("Retire (no new invitations)"))
    def retire(self, request, queryset):
        for version in queryset:
            self._call(request, instrument_services.version_retire, version=version)

    @admin.action(description=_("Make a new draft from it"))
    def make_draft(self, request, queryset):
        for version in queryset:
            self._call(request, instrument_services.version_draft,
                       instrument=version.instrument)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("code", "version", "kind", "dimension", "order", "required")
    list_filter = ("kind", "dimension", "version__status")
    search_fields = ("code", "text", "text_en", "version__instrument__code")
    list_select_related = ("version__instrument",)

    def has_add_permission(self, request):
        return False  # on the version's page

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.version.status != rules.VersionStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, form=QuestionForm, **kwargs)
        return form

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data.get(f) for f in QUESTION_FORM_FIELDS
                if f in form.cleaned_data}
        try:
            instrument_services.question_update(
                actor=request.user, question=Question.objects.get(pk=obj.pk), data=data)
        except ApplicationError as exc:
            _message(request, exc)


# --- waves ---------------------------------------------------------------------------------------

class WaveForm(forms.ModelForm):
    class Meta:
        model = Wave
        fields = ("name", "name_en", "version", "filters", "sample_size", "sample_fraction",
                  "seed", "channel", "reminder_days", "expires_days", "exclude_recent_days")
        help_texts = {"filters": _('Customers: {"tiers": ["vip"], "branches": ["east"], '
                                   '"tags": ["宽带"]}; staff: {"roles": ["supervisor"], '
                                   '"branches": [], "teams": []}. Empty: everyone.'),
                      "seed": _("Leave empty for a random seed; it is recorded either way."),
                      "reminder_days": _("e.g. [3, 7]")}

    #: set by WaveAdmin.get_form: the signed-in user (the checks depend on their role)
    actor = None

    def clean(self):
        data = super().clean()
        if self.errors or self.instance.pk:
            return data
        try:
            self.cleaned_wave = wave_services.clean_wave(
                actor=self.actor, **{f: data.get(f) for f in self.Meta.fields})
        except ApplicationError as exc:
            raise _form_error(self, exc)
        return data

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.fields:
            self.fields["version"].queryset = InstrumentVersion.objects.filter(
                status=rules.VersionStatus.PUBLISHED).select_related("instrument")
        if "seed" in self.fields:
            self.fields["seed"].required = False


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    form = WaveForm
    list_display = ("name", "instrument", "status", "channel", "invited", "rate",
                    "launched_at")
    list_filter = ("status", "instrument")
    actions = ["launch", "close"]
    readonly_fields = ("instrument", "status", "population", "invited", "branch", "created_by",
                       "created_at", "launched_at", "closed_at", "rates")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type("WaveFormFor", (form,), {"actor": request.user})

    def get_fields(self, request, obj=None):
        if obj is None:
            return WaveForm.Meta.fields
        return (*WaveForm.Meta.fields, *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (*WaveForm.Meta.fields, *self.readonly_fields)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and obj.status == rules.WaveStatus.DRAFT and \
            super().has_delete_permission(request, obj)

    @admin.display(description=_("Response rate"))
    def rate(self, obj):
        if obj.status == rules.WaveStatus.DRAFT:
            return "—"
        rate = wave_services.response_rates(obj)["rate"]
        return "—" if rate is None else f"{rate:.1%}"

    @admin.display(description=_("Response figures"))
    def rates(self, obj):
        if obj.status == rules.WaveStatus.DRAFT:
            return "—"
        return ", ".join(f"{k}: {v}" for k, v in wave_services.response_rates(obj).items())

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        wave = wave_services.wave_create(
            actor=request.user, **{f: data.get(f) for f in WaveForm.Meta.fields})
        obj.pk = wave.pk

    @admin.action(description=_("Launch: draw the sample and send the invitations"))
    def launch(self, request, queryset):
        base = request.build_absolute_uri("/").rstrip("/")
        for wave in queryset:
            try:
                wave_services.wave_launch(actor=request.user, wave=wave, base_url=base)
            except ApplicationError as exc:
                _message(request, exc)
            else:
                messages.success(request, _("%(name)s: %(n)d invited.")
                                 % {"name": wave.name, "n": wave.invited})

    @admin.action(description=_("Close: no more answers or reminders"))
    def close(self, request, queryset):
        for wave in queryset:
            try:
                wave_services.wave_close(actor=request.user, wave=wave)
            except ApplicationError as exc:
                _message(request, exc)


# --- the CSAT policy -------------------------------------------------------------------------------

class CsatPolicyForm(forms.ModelForm):
    class Meta:
        model = CsatPolicy
        fields = ("ticket_type", "instrument", "delay_minutes", "channel", "expires_days",
                  "reminder_days", "active")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        probe = CsatPolicy(**{f: data.get(f) for f in self.Meta.fields})
        probe.ticket_type = probe.ticket_type or ""
        probe.reminder_days = probe.reminder_days or []
        try:
            policy_services.check_policy(probe)
        except ApplicationError as exc:
            raise _form_error(self, exc)
        return data


@admin.register(CsatPolicy)
class CsatPolicyAdmin(admin.ModelAdmin):
    form = CsatPolicyForm
    list_display = ("ticket_type", "instrument", "delay_minutes", "channel", "active",
                    "active_since")
    readonly_fields = ("active_since", "swept_until", "updated_at", "updated_by")

    def save_model(self, request, obj, form, change):
        obj.ticket_type = obj.ticket_type or ""
        obj.reminder_days = obj.reminder_days or []
        try:
            policy_services.csat_policy_save(actor=request.user, policy=obj)
        except ApplicationError as exc:
            _message(request, exc)


# --- read-only: responses and the audit trail -----------------------------------------------------

class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ("id", "instrument", "submitted_at", "source", "anonymous", "branch", "team")
    list_filter = ("instrument", "source", "anonymous")
    list_select_related = ("instrument", "branch", "team")
    show_full_result_count = False


@admin.register(SurveyEvent)
class SurveyEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "actor", "instrument", "wave")
    list_filter = ("kind",)
    list_select_related = ("actor", "instrument", "wave")


from . import admin_recovery  # noqa: E402, F401  (the closed loop's screens)
