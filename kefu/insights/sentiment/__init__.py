"""Sentiment and anger for customer messages, Chinese and English, offline.

    >>> from kefu.insights.sentiment import analyse, to_json
    >>> to_json(analyse("东西还行，但是物流实在太慢了。"))
    {'label': 'negative', 'score': -0.8692, 'anger': False, 'lang': 'zh'}

``analyse(text, lang="auto")`` returns a frozen ``Sentiment(label, score, anger, lang)``;
``analyse_many(texts)`` does a batch; ``to_json`` gives the four fields as a dict. The
method and its measured accuracy are in docs/insights.md.
"""

from .analyser import LABELS, Sentiment, analyse, analyse_many, resolve_language, to_json
from .text import MAX_CHARS, detect_language

__all__ = [
    "LABELS",
    "MAX_CHARS",
    "Sentiment",
    "analyse",
    "analyse_many",
    "detect_language",
    "resolve_language",
    "to_json",
]
