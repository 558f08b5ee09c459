"""Admin screens: the category tree, the search dictionary and synonyms (saved through the
services, so every process reloads its lexicon), and read-only views of articles, feedback
and the search log. Articles are written in the console (/knowledge/), where the review
workflow applies."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kefu.core.errors import ApplicationError

from . import services
from .models import (
    Article,
    ArticleFeedback,
    DictionaryWord,
    KnowledgeCategory,
    LexiconEvent,
    SearchLog,
    Synonym,
)
from .services.articles import categories_check_parent


@admin.register(KnowledgeCategory)
class KnowledgeCategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "name_en", "parent", "position")
    list_filter = ("parent",)
    search_fields = ("slug", "name", "name_en")

    def save_model(self, request, obj, form, change):
        if change:
            try:
                categories_check_parent(obj, obj.parent)
            except ApplicationError as exc:
                raise ValidationError(exc.message)
        super().save_model(request, obj, form, change)


class ServiceAdmin(admin.ModelAdmin):
    """Saves and deletes through a service; its refusal is shown as a message."""

    def _run(self, request, call):
        try:
            call()
        except ApplicationError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(DictionaryWord)
class DictionaryWordAdmin(ServiceAdmin):
    list_display = ("word", "weight", "note", "created_at")
    search_fields = ("word", "note")
    fields = ("word", "weight", "note")

    def save_model(self, request, obj, form, change):
        self._run(request, lambda: services.dictionary_word_save(
            actor=request.user, word=obj.word, weight=obj.weight, note=obj.note,
            instance=obj if change else None))

    def delete_model(self, request, obj):
        self._run(request, lambda: services.dictionary_word_delete(actor=request.user,
                                                                   instance=obj))


@admin.register(Synonym)
class SynonymAdmin(ServiceAdmin):
    list_display = ("terms", "note", "updated_at")
    search_fields = ("terms", "note")
    fields = ("terms", "note")

    def save_model(self, request, obj, form, change):
        self._run(request, lambda: services.synonym_save(
            actor=request.user, terms=obj.terms, note=obj.note, instance=obj if change else None))

    def delete_model(self, request, obj):
        self._run(request, lambda: services.synonym_delete(actor=request.user, instance=obj))


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = ("title", "language", "status", "audience", "category", "view_count",
                    "helpful_yes", "helpful_no", "updated_at", "console")
    list_filter = ("status", "language", "audience", "category")
    search_fields = ("title",)

    @admin.display(description=_("Console"))
    def console(self, obj):
        return format_html('<a href="/knowledge/{}/">{}</a>', obj.pk, _("open"))


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ReadOnlyAdmin):
    list_display = ("article", "helpful", "comment", "day")
    list_filter = ("helpful", "day")


@admin.register(SearchLog)
class SearchLogAdmin(ReadOnlyAdmin):
    list_display = ("query", "scope", "language", "results", "approximate", "created_at")
    list_filter = ("scope", "results", "language")
    search_fields = ("query",)


@admin.register(LexiconEvent)
class LexiconEventAdmin(ReadOnlyAdmin):
    list_display = ("kind", "actor", "data", "created_at")
