"""Every write of the knowledge base (see the modules)."""

from .articles import (
    article_archive,
    article_create,
    article_edit,
    article_publish,
    article_restore,
    article_return,
    article_settings,
    article_store_embedding,
    article_submit,
    open_version,
)
from .attachments import attachment_add
from .deflection import deflection_resolve, suggestion_opened, suggestions_shown
from .feedback import article_viewed, feedback_submit, visitor_key
from .lexicon import dictionary_word_delete, dictionary_word_save, synonym_delete, synonym_save

__all__ = ["article_archive", "article_create", "article_edit", "article_publish",
           "article_restore", "article_return", "article_settings", "article_store_embedding",
           "article_submit", "article_viewed", "attachment_add", "deflection_resolve",
           "dictionary_word_delete", "dictionary_word_save", "feedback_submit", "open_version",
           "suggestion_opened", "suggestions_shown", "synonym_delete", "synonym_save",
           "visitor_key"]
