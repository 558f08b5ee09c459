"""``analyse`` never raises on a str and bounds its work, whatever arrives."""

from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.insights.sentiment import MAX_CHARS, analyse, to_json

ANY_CHAR = st.characters(exclude_categories=())  # includes controls and lone surrogates
MESSAGEY = st.sampled_from(
    list("很好差不没但是！？!?。，,.👍😡🤬垃圾满意NOT bad but ") + ["\u200b", "\x00"]
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ANY_CHAR, max_size=200))
def test_arbitrary_text_never_raises(text):
    s = analyse(text)
    assert s.label in ("positive", "neutral", "negative")
    assert -1.0 <= s.score <= 1.0
    assert set(to_json(s)) == {"label", "score", "anger", "lang"}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=MESSAGEY, max_size=80), st.sampled_from(["auto", "zh", "en", "xx", ""]))
def test_messages_made_of_lexicon_pieces_never_raise(text, lang):
    s = analyse(text, lang)
    assert -1.0 <= s.score <= 1.0


def test_a_100_kb_message_is_read_only_up_to_the_bound():
    # given a long message whose tail differs, when analysed, then only the head counts
    head = "服务很好。" * (MAX_CHARS // 5)
    assert analyse(head + "垃圾" * 50_000) == analyse(head)
    assert analyse("x" * 100_000).label == "neutral"


def test_expanding_characters_stay_bounded():
    # NFKC turns "ﷺ" into 18 characters; the bound applies before normalisation
    assert analyse("ﷺ" * 100_000).lang == "en"
