"""The lexicon scorer: sums lexicon weights with negation, degree, contrast, question and
irony rules. Pure and deterministic; every knob is in ``Params`` (tuned on the dev set).

* negation: a negator flips the next feeling within a few tokens; a negated positive turns
  clearly negative ("不满意", "not happy"), a negated negative only mildly positive ("不差");
  expected events have their own negated weight ("没收到", "never arrived"). A Chinese
  negator after a positive word in its clause negates it ("一点礼貌都没有"); one with
  nothing to negate counts a little negative ("余额没变", "还没打扫"). Insults, threats and
  the like are not softened by negation ("别再发垃圾短信", "这不是明抢吗").
* degree: "很/非常/very/so" multiply the next feeling; they are ignored under negation.
* contrast: in a sentence with "但是/but", what comes before counts ``but_before`` and what
  follows ``but_after``; a "虽然/although" clause counts ``though``.
* questions: feelings in an asked sentence ("请问怎么投诉？") count ``question``.
* irony: "太好了/great/thanks a lot" count negative in a message that also complains
  ("太好了，又晚了两个小时"), unless they follow a "but" ("worried at first, but great").
"""

from __future__ import annotations

from dataclasses import dataclass

from .lexicon import Entry, Lexicon
from .tokens import CLAUSE, GAP, HIT, STOP, Token, tokenise


@dataclass(frozen=True, slots=True)
class Params:
    positive: float = 0.5  # raw score at or above which a message is positive
    negative: float = -0.3  # raw score at or below which it is negative
    but_before: float = 0.5
    but_after: float = 1.5
    though: float = 0.5
    question: float = 0.2
    window_han: int = 4  # tokens a negator reaches (a Han token is about a character)
    window_latin: int = 4  # … (a Latin token is a word)
    negate_positive: float = -0.9
    negate_negative: float = -0.5
    dangle_han: float = -0.3
    dangle_latin: float = -0.4
    irony_trigger: float = -0.3  # complaint total that turns irony words negative
    irony_flip: float = 0.8


DEFAULT = Params()


@dataclass(frozen=True, slots=True)
class Scored:
    raw: float  # unbounded sum of weighted feelings
    anger_terms: bool  # an insult, profanity, threat or rage term was used (not negated)


def _sentences(tokens: list[Token]) -> list[tuple[list[Token], bool]]:
    out: list[tuple[list[Token], bool]] = []
    current: list[Token] = []
    for tok in tokens:
        if tok.kind == STOP:
            if current:
                out.append((current, tok.ask))
            current = []
        else:
            current.append(tok)
    if current:
        out.append((current, False))
    return out


def _is_question(sentence: list[Token], ask: bool) -> bool:
    if not ask:
        return False
    for tok in sentence:
        if tok.kind == HIT and tok.entry.question and (tok.first or not tok.latin):
            return True
    return False


def _next_is_feeling(sentence: list[Token], i: int) -> bool:
    nxt = sentence[i + 1] if i + 1 < len(sentence) else None
    return nxt is not None and nxt.kind == HIT and nxt.entry.sentiment


class _Sentence:
    """Walks one sentence, collecting weighted feelings."""

    def __init__(self, p: Params, sentence: list[Token], ask: bool) -> None:
        self.p = p
        self.tokens = sentence
        self.question = _is_question(sentence, ask)
        buts = [i for i, t in enumerate(sentence) if t.kind == HIT and t.entry.contrast == "but"]
        self.last_but = buts[-1] if buts else -1
        self.plain: list[float] = []
        self.irony: list[float] = []
        self.anger = False
        self.neg = 0
        self.neg_dangle = 0.0
        self.neg_han = False
        self.last_positive = -1  # index in self.plain of this clause's last plain positive
        self.degree = 1.0
        self.in_though = False

    def zone(self, i: int) -> float:
        mult = 1.0
        if self.last_but >= 0:
            mult = self.p.but_before if i < self.last_but else self.p.but_after
        if self.in_though:
            mult *= self.p.though
        return mult

    def dangle(self, i: int) -> None:
        if self.neg:
            self.neg = 1
            self.step(i)

    def step(self, i: int) -> None:
        if self.neg:
            self.neg -= 1
            if self.neg:
                return
            if self.neg_han and self.last_positive >= 0:  # "一点礼貌都没有"
                k = self.last_positive
                self.plain[k] *= self.p.negate_positive
                self.last_positive = -1
            else:
                damp = self.p.question if self.question else 1.0
                self.plain.append(self.neg_dangle * self.zone(i) * damp)

    def feel(self, i: int, e: Entry) -> None:
        negated = self.neg > 0 and e.anger is None
        if self.neg and not negated:
            self.neg = 0
        if negated:
            if e.ifnot is not None:
                value = e.ifnot
            elif e.weight > 0:
                value = self.p.negate_positive * e.weight
            else:
                value = self.p.negate_negative * e.weight
            self.neg = 0
        else:
            value = e.weight * self.degree
            self.anger = self.anger or e.anger is not None
        self.degree = 1.0
        value *= self.zone(i)
        if self.question and e.anger is None:
            value *= self.p.question
        if e.irony and not negated and not 0 <= self.last_but < i:  # "…, but great" is meant
            self.irony.append(value)
            return
        self.plain.append(value)
        if value > 0 and not negated:
            self.last_positive = len(self.plain) - 1

    def run(self) -> _Sentence:
        p = self.p
        for i, tok in enumerate(self.tokens):
            if tok.kind == GAP:
                self.step(i)
                continue
            if tok.kind == CLAUSE:
                self.dangle(i)
                self.degree, self.in_though, self.last_positive = 1.0, False, -1
                continue
            e = tok.entry
            if e.contrast == "but":
                self.dangle(i)
                self.degree, self.in_though, self.last_positive = 1.0, False, -1
            elif e.contrast == "though":
                self.in_though = True
            if e.negator:
                self.dangle(i)
                self.neg = p.window_latin if tok.latin else p.window_han
                self.neg_han = not tok.latin
                default = p.dangle_latin if tok.latin else p.dangle_han
                self.neg_dangle = e.dangle if e.dangle is not None else default
            elif e.degree is not None and (not e.sentiment or _next_is_feeling(self.tokens, i)):
                self.degree *= e.degree
            elif e.sentiment:
                self.feel(i, e)
            else:
                self.step(i)
        self.dangle(len(self.tokens))
        return self


def score(text: str, lex: Lexicon, p: Params = DEFAULT) -> Scored:
    """Raw lexicon score of normalised text (see the module docstring for the rules)."""
    plain: list[float] = []
    irony: list[float] = []
    anger = False
    for sentence, ask in _sentences(tokenise(text, lex)):
        s = _Sentence(p, sentence, ask).run()
        plain.extend(s.plain)
        irony.extend(s.irony)
        anger = anger or s.anger
    complaint = sum(v for v in plain if v < 0)
    if irony and complaint <= p.irony_trigger:
        irony = [-abs(v) * p.irony_flip for v in irony]
    return Scored(raw=sum(plain) + sum(irony), anger_terms=anger)


def label_of(raw: float, p: Params = DEFAULT) -> str:
    """positive / negative / neutral from a raw score and the thresholds."""
    if raw >= p.positive:
        return "positive"
    if raw <= p.negative:
        return "negative"
    return "neutral"
