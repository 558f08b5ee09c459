"""The lexicon admins edit: dictionary words and synonyms, through the admin screens and
the services; every change writes an audit row and a new version, which makes every
process reload."""

from __future__ import annotations

import pytest

from kefu.core.errors import ApplicationError, PermissionDenied
from kefu.core.testing.console import signed_in
from kefu.knowledge import services
from kefu.knowledge.models import DictionaryWord, LexiconEvent, LexiconVersion, Synonym
from kefu.knowledge.search import lexicon


def test_only_admins_change_the_lexicon(company):
    for who in (company.supervisor_east, company.agent_east, company.customer_user):
        with pytest.raises(PermissionDenied):
            services.dictionary_word_save(actor=who, word="鲜到家")
        with pytest.raises(PermissionDenied):
            services.synonym_save(actor=who, terms="退钱, 退款")
    assert not DictionaryWord.objects.exists() and not Synonym.objects.exists()


@pytest.mark.parametrize("word, code", [("", "required"), ("两 个", "invalid_word"),
                                        ("english", "invalid_word"), ("x" * 41, "too_long")])
def test_bad_dictionary_words(company, word, code):
    with pytest.raises(ApplicationError) as caught:
        services.dictionary_word_save(actor=company.admin, word=word)
    assert caught.value.code == code


def test_a_synonym_needs_two_terms(company):
    with pytest.raises(ApplicationError) as caught:
        services.synonym_save(actor=company.admin, terms="退款, 退款")
    assert caught.value.code == "too_few_terms"


def test_every_change_is_audited_and_reloaded(company):
    before = lexicon.current().version
    word = services.dictionary_word_save(actor=company.admin, word="鲜到家", note="品牌")
    version = LexiconVersion.objects.get(pk=1).version
    assert version != before and lexicon.current().version == version
    services.synonym_save(actor=company.admin, terms="退钱，退款")
    assert lexicon.current().synonyms["退钱"] == ["退款"]
    services.dictionary_word_delete(actor=company.admin, instance=word)
    assert "鲜到家" not in lexicon.current().words
    assert list(LexiconEvent.objects.order_by("id").values_list("kind", flat=True)) == [
        "word_saved", "synonyms_saved", "word_removed"]


def test_the_admin_screens_save_through_the_services(company):
    client = signed_in(company.admin)
    added = client.post("/admin/knowledge/dictionaryword/add/", {"word": "鲜到家", "note": ""})
    assert added.status_code == 302
    assert DictionaryWord.objects.get().word == "鲜到家"
    client.post("/admin/knowledge/synonym/add/", {"terms": "退钱, 退款", "note": ""})
    assert Synonym.objects.get().terms == "退钱, 退款"
    assert LexiconEvent.objects.count() == 2
    for page in ("article", "knowledgecategory", "searchlog", "articlefeedback"):
        assert client.get(f"/admin/knowledge/{page}/").status_code == 200
