"""Admin screen for the category tree."""

from django.contrib import admin

from .models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "parent")
    list_filter = ("parent",)
    search_fields = ("code", "name", "name_en")
