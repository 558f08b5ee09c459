"""Admin screens for the organisation: branches, teams, users, API tokens (admins only)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, Branch, Team, User


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "time_zone")
    search_fields = ("code", "name", "name_en")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "branch")
    list_filter = ("branch",)
    search_fields = ("code", "name", "name_en")


@admin.register(User)
class KefuUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "role", "branch", "language", "is_active")
    list_filter = ("role", "branch", "teams", "is_active")
    search_fields = ("username", "display_name", "email")
    fieldsets = UserAdmin.fieldsets + (
        ("kefu", {"fields": ("role", "display_name", "language", "time_zone", "branch", "teams")}),
    )
    filter_horizontal = ("teams", "groups", "user_permissions")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `kefu token create`; here they can be seen and revoked."""

    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
    fields = ("user", "name", "prefix", "digest", "created_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request):
        return False
