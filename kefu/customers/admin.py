"""Admin screens for the lists a business edits: tiers, tags, organisations."""

from django.contrib import admin

from .models import Customer, Organisation, PreferenceNote, Tag, Tier


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "rank", "color")
    ordering = ("rank",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en")
    search_fields = ("name", "name_en")


class PreferenceInline(admin.TabularInline):
    model = PreferenceNote
    extra = 0
    fields = ("category", "text", "important")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "tier", "branch", "phone", "email")
    list_filter = ("tier", "branch")
    search_fields = ("name", "name_en", "phone", "email", "external_ref")
    raw_id_fields = ("user", "household", "organisation")
    inlines = [PreferenceInline]
