"""Knowledge data: articles (categories, translation groups, versions, files, feedback, the
audit trail), the search index and its lexicon (user dictionary, synonyms), search logs and
deflection sessions."""

from .articles import (
    Article,
    ArticleAttachment,
    ArticleEvent,
    ArticleFeedback,
    ArticleVersion,
    KnowledgeCategory,
    TranslationGroup,
)
from .deflection import DeflectionEvent, DeflectionSession
from .search import (
    DictionaryWord,
    IndexWatermark,
    LexiconEvent,
    LexiconVersion,
    SearchDocument,
    SearchLog,
    Synonym,
)

__all__ = ["Article", "ArticleAttachment", "ArticleEvent", "ArticleFeedback", "ArticleVersion",
           "DeflectionEvent", "DeflectionSession", "DictionaryWord", "IndexWatermark",
           "KnowledgeCategory", "LexiconEvent", "LexiconVersion", "SearchDocument", "SearchLog", "Synonym",
           "TranslationGroup"]
