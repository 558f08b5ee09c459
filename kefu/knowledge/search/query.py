"""What someone typed → a structured query, and its text for FTS5 and for PostgreSQL.

A query is a list of terms that must all match (AND); a term matches when any of its
alternatives does (the word, its synonyms, its bigrams); an alternative is tokens that must
all be present. Tokens are always quoted when rendered, so nothing typed is ever read as
query syntax (``"``, ``NEAR(``, ``*``, ``OR``, ``-``, ``^``, ``subject:`` are just text, and
punctuation is dropped by the tokenizer). When the AND finds too little, the search falls
back to any-token matching (``any_tokens``) ranked by relevance: typos and long questions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import tokens

#: Longest query read (characters); the rest is ignored.
MAX_QUERY_CHARS = 200
#: Most terms used (a pasted paragraph becomes its first 32 words).
MAX_TERMS = 32

STOPWORDS = frozenset("""
a an and are as at be by can do does for from how i if in into is it its me my of on or
our please should so that the their them there this to was we what when where which who
why will with would you your hi hello thanks
的 了 吗 呢 吧 啊 呀 我 我们 你 你们 您 是 在 和 与 及 或 就 都 也 还 请问 请 怎么 怎样 如何
为什么 什么 能 可以 可不可以 要 想 一下 有 没有 个 这 那 哪 哪里 一个 这个 那个 谢谢 你好 您好
""".split())


@dataclass(frozen=True)
class Token:
    text: str
    prefix: bool = False


@dataclass
class Term:
    word: str  # what the person typed, normalised (for highlighting)
    alternatives: list[tuple[Token, ...]] = field(default_factory=list)
    also: list[str] = field(default_factory=list)  # synonyms, for highlighting


@dataclass
class Query:
    raw: str
    normalised: str
    terms: list[Term]

    @property
    def empty(self) -> bool:
        return not self.terms

    def any_tokens(self) -> list[Token]:
        """Every token of every alternative, once: the fallback's OR."""
        seen, out = set(), []
        for term in self.terms:
            for alternative in term.alternatives:
                for token in alternative:
                    if token not in seen:
                        seen.add(token)
                        out.append(token)
        return out

    def highlight_words(self) -> list[str]:
        """What to mark in snippets: the typed words and their synonyms (single characters
        only when nothing longer was typed: marking every 到 helps nobody)."""
        words = []
        for term in self.terms:
            words.append(term.word)
            words.extend(term.also)
        words = {w for w in words if w}
        longer = {w for w in words if len(w) > 1}
        return sorted(longer or words, key=len, reverse=True)


def phrase_alternative(phrase: str) -> tuple[Token, ...]:
    """A word or phrase as tokens that must all be present (no segmenter needed: Chinese
    words of three characters or more become their bigrams, which every text has)."""
    out = []
    for kind, run in tokens.runs(phrase):
        if kind == "word":
            out.append(Token(run))
        elif len(run) == 1:
            out.append(Token(run, prefix=True))
        else:
            out.extend(Token(b) for b in tokens.bigrams(run))
    return tuple(dict.fromkeys(out))


def han_term(word: str) -> Term:
    if len(word) == 1:
        return Term(word, [(Token(word, prefix=True),)])
    alternatives = [(Token(word),)]
    if len(word) > 2:
        alternatives.append(tuple(Token(b) for b in tokens.bigrams(word)))
    return Term(word, alternatives)


def parse(raw: str, lexicon) -> Query:
    """``lexicon``: ``search.lexicon.Lexicon`` (its segmenter and synonyms)."""
    raw = (raw or "").replace("\x00", " ")[:MAX_QUERY_CHARS]
    normalised = " ".join(tokens.normalise(raw).split())
    parts = list(tokens.runs(raw))
    ends_open = bool(raw) and not raw[-1].isspace()
    words: list[tuple[str, str]] = []  # (kind, word)
    for index, (kind, run) in enumerate(parts):
        if kind == "han":
            words.extend(("han", w) for w in lexicon.segmenter.cut(run) if w.strip())
        elif kind == "cjk":
            words.append(("cjk", run))
        else:
            last = index == len(parts) - 1 and ends_open and raw.rstrip()[-1:].isalnum()
            words.append(("prefix" if last else "word", run))
    words = _merge_single_characters(words)
    kept = [w for w in words if w[1] not in STOPWORDS] or words
    terms: list[Term] = []
    seen = set()
    for kind, word in kept:
        if (kind, word) in seen:
            continue
        seen.add((kind, word))
        if kind == "han":
            term = han_term(word)
        elif kind == "cjk":
            term = Term(word, [phrase_alternative(word)])
        else:
            term = Term(word, [(Token(word, prefix=kind == "prefix"),)])
        for other in lexicon.synonyms.get(word, ()):
            alternative = phrase_alternative(other)
            if alternative and alternative not in term.alternatives:
                term.alternatives.append(alternative)
                term.also.append(other)
        terms.append(term)
        if len(terms) >= MAX_TERMS:
            break
    _phrase_synonyms(terms, lexicon)
    return Query(raw=raw, normalised=normalised[:MAX_QUERY_CHARS], terms=terms)


def _merge_single_characters(words: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Consecutive single Chinese characters that are not stop words are usually a word
    jieba does not know (到账 → 到 / 账): they become one word, matched through its bigrams,
    instead of several one-character prefixes that match almost anything."""
    out: list[tuple[str, str]] = []
    for kind, word in words:
        single = kind == "han" and len(word) == 1 and word not in STOPWORDS
        if single and out and out[-1][0] == "han1":
            out[-1] = ("han1", out[-1][1] + word)
        else:
            out.append(("han1", word) if single else (kind, word))
    return [("han", w) if k == "han1" else (k, w) for k, w in out]


def _phrase_synonyms(terms: list[Term], lexicon) -> None:
    """Two consecutive English words that are a synonym term ("money back" ≈ 退款): the
    pair's synonyms become alternatives of the pair, matched as one term."""
    i = 0
    while i < len(terms) - 1:
        pair = f"{terms[i].word} {terms[i + 1].word}"
        others = lexicon.synonyms.get(pair)
        if others:
            merged = Term(pair, [tuple(a[0] for a in (terms[i].alternatives[0],
                                                      terms[i + 1].alternatives[0]))])
            for other in others:
                merged.alternatives.append(phrase_alternative(other))
                merged.also.append(other)
            terms[i:i + 2] = [merged]
        i += 1


# --- rendering ------------------------------------------------------------------------------

def _fts5_token(token: Token) -> str:
    return '"' + token.text.replace('"', '""') + '"' + (" *" if token.prefix else "")


def _pg_token(token: Token) -> str:
    return "'" + token.text.replace("\\", "\\\\").replace("'", "''") + "'" + (
        ":*" if token.prefix else "")


def _render(query: Query, token, and_, or_, *, any_match: bool) -> str:
    if any_match:
        return f" {or_} ".join(token(t) for t in query.any_tokens())
    rendered_terms = []
    for term in query.terms:
        alternatives = [f" {and_} ".join(token(t) for t in alt) for alt in term.alternatives if alt]
        rendered_terms.append("(" + f" {or_} ".join(f"({a})" for a in alternatives) + ")")
    return f" {and_} ".join(rendered_terms)


def fts5(query: Query, *, any_match: bool = False) -> str:
    """The MATCH expression for SQLite FTS5 (every token quoted)."""
    return _render(query, _fts5_token, "AND", "OR", any_match=any_match)


def tsquery(query: Query, *, any_match: bool = False) -> str:
    """A ``tsquery`` literal for PostgreSQL (every lexeme quoted; cast, not parsed by
    to_tsquery, so the lexemes are exactly the tokens)."""
    return _render(query, _pg_token, "&", "|", any_match=any_match)
