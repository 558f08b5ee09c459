"""The search lexicon admins edit: the user dictionary and the synonyms. Every change writes
a new lexicon version in the same transaction, so every process reloads within
``KNOWLEDGE_LEXICON_CHECK_SECONDS``."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.core.errors import ApplicationError, Conflict, PermissionDenied

from ..models import DictionaryWord, LexiconEvent, LexiconVersion, Synonym
from ..search import lexicon, tokens
from ._common import clean_text


def _audit(actor, kind: str, **data) -> None:
    LexiconEvent.objects.create(kind=kind, actor=actor, data=data, created_at=timezone.now())


def _require_admin(actor) -> None:
    if actor is None or actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only administrators change the search dictionary."))


def bump_version() -> str:
    version = uuid.uuid4().hex
    LexiconVersion.objects.update_or_create(pk=1, defaults={"version": version,
                                                            "updated_at": timezone.now()})
    return version


def _clean_word(word) -> str:
    word = clean_text("word", word, required=True, limit=40, label=_("Word"))
    normalised = tokens.normalise(word)
    if any(ch.isspace() for ch in normalised) or not any(
            kind == "han" for kind, _r in tokens.runs(normalised)):
        raise ApplicationError("invalid_word",
                               _("A dictionary word is Chinese text without spaces."),
                               details={"field": "word"})
    return normalised


@transaction.atomic
def dictionary_word_save(*, actor, word: str, weight: int | None = None, note: str = "",
                         instance: DictionaryWord | None = None) -> DictionaryWord:
    _require_admin(actor)
    word = _clean_word(word)
    note = clean_text("note", note, required=False, limit=200, label=_("Note"))
    if weight is not None and (not isinstance(weight, int) or not 1 <= weight <= 10_000_000):
        raise ApplicationError("invalid_weight", _("The weight is a whole number from 1."),
                               details={"field": "weight"})
    clash = DictionaryWord.objects.filter(word=word)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise Conflict("word_exists", _("This word is already in the dictionary."),
                       details={"field": "word"})
    row = instance or DictionaryWord()
    row.word, row.weight, row.note = word, weight, note
    row.save()
    bump_version()
    _audit(actor, "word_saved", word=word, weight=weight)
    return row


@transaction.atomic
def dictionary_word_delete(*, actor, instance: DictionaryWord) -> None:
    _require_admin(actor)
    instance.delete()
    bump_version()
    _audit(actor, "word_removed", word=instance.word)


@transaction.atomic
def synonym_save(*, actor, terms: str, note: str = "", instance: Synonym | None = None) -> Synonym:
    _require_admin(actor)
    terms = clean_text("terms", terms, required=True, limit=500, label=_("Terms"))
    parsed = lexicon.parse_terms(terms)
    if len(parsed) < 2:
        raise ApplicationError("too_few_terms", _("Give at least two terms, separated by commas."),
                               details={"field": "terms"})
    row = instance or Synonym()
    row.terms = ", ".join(parsed)
    row.note = clean_text("note", note, required=False, limit=200, label=_("Note"))
    row.save()
    bump_version()
    _audit(actor, "synonyms_saved", terms=row.terms)
    return row


@transaction.atomic
def synonym_delete(*, actor, instance: Synonym) -> None:
    _require_admin(actor)
    instance.delete()
    bump_version()
    _audit(actor, "synonyms_removed", terms=instance.terms)
