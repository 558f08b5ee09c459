"""The shipped lexicon files and the naive Bayes weights."""

import json
from importlib import resources

import pytest

from kefu.insights.evaluation import dataset
from kefu.insights.sentiment import bayes, lexicon


def test_shipped_lexicons_parse_without_duplicates():
    lex = lexicon.load()
    assert len(lex.han) > 500 and len(lex.words) > 500


def test_spec_parsing():
    e = lexicon.parse_spec("-1.2 irony ifnot=-0.5 anger=threat")
    assert (e.weight, e.irony, e.ifnot, e.anger) == (-1.2, True, -0.5, "threat")
    assert lexicon.parse_spec("neg dangle=-0.6").negator


@pytest.mark.parametrize("spec", ["anger=cross", "deg", "sometimes"])
def test_unknown_spec_is_an_error(spec):
    with pytest.raises(ValueError):
        lexicon.parse_spec(spec)


def test_a_term_listed_twice_is_an_error():
    with pytest.raises(ValueError, match="twice"):
        lexicon.parse_lines(["好  1", "好  2"])


def test_shipped_weights_are_what_training_on_dev_gives():
    # given the dev set, when the model is trained as the train command does, then the
    # shipped JSON holds exactly those weights (so the file and the code agree)
    for lang in dataset.LANGS:
        examples = dataset.load("dev", lang)
        model = bayes.train([e.text for e in examples], [e.label for e in examples])
        source = resources.files("kefu.insights.sentiment").joinpath("data", f"bayes_{lang}.json")
        shipped = json.loads(source.read_text(encoding="utf-8"))
        assert shipped["trained_on"] == f"dev_{lang}.csv"
        assert model.to_json()["loglik"] == shipped["loglik"]
