"""How the demo company's customers and managers answer its surveys (pure: a seeded
``random.Random`` in, answers out, in the shape ``response_submit`` and the API take).

The story the figures tell (7-point scales):

- customers expect most of **reliability** and **responsiveness**; FreshHome delivers worst
  on **responsiveness** (slow answers, nobody says when things will be done): the largest
  negative gap, which improves a little in the second wave after the hotline was staffed up;
- Beijing Chaoyang is slower than the other branches, Hangzhou Xihu a little better; VIP
  customers expect more (larger gaps);
- the managers *underestimate* how much customers expect of responsiveness (gap 1, the
  listening gap) and overrate tangibles;
- CSAT after a resolved ticket is mostly 4–5, with a few 1–2 scores and comments in
  Chinese and English; the complaints desk scores lowest.
"""

from __future__ import annotations

import random

from kefu.surveys.instruments_data import CSAT_REASONS, SERVQUAL_ITEMS

DIMENSIONS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")

#: Customers' mean expectation per dimension (before rounding and the ceiling at 7).
EXPECTATION = {"tangibles": 5.5, "reliability": 6.5, "responsiveness": 6.4, "assurance": 6.1,
               "empathy": 5.8}
#: Mean perception per dimension in the first and the second wave.
PERCEPTION = {
    1: {"tangibles": 5.4, "reliability": 5.7, "responsiveness": 4.95, "assurance": 5.8,
        "empathy": 5.3},
    2: {"tangibles": 5.5, "reliability": 5.8, "responsiveness": 5.3, "assurance": 5.85,
        "empathy": 5.35},
}
#: Items that fare worse (or better) than their dimension.
ITEM_SHIFT = {"res2": -0.35, "res4": -0.25, "rel1": -0.2, "tan4": -0.15, "ass3": 0.15,
              "emp2": 0.2}
#: Branch effects on perception (per dimension; missing: 0).
BRANCH_SHIFT = {"bj-chaoyang": {"responsiveness": -0.4, "reliability": -0.15},
                "hz-xihu": {"responsiveness": 0.2, "empathy": 0.15},
                "sh-pudong": {"tangibles": -0.2}}
#: Tier effects on expectation.
TIER_EXPECTATION = {"vip": 0.35, "gold": 0.15}
#: What the managers believe customers expect: responsiveness well below what customers say.
MANAGERS_BELIEVE = {"tangibles": 6.0, "reliability": 6.3, "responsiveness": 5.2,
                    "assurance": 6.0, "empathy": 5.6}
#: Mean share of the 100 points (customers, managers' guess of the customers').
IMPORTANCE = {"tangibles": 10, "reliability": 31, "responsiveness": 26, "assurance": 18,
              "empathy": 15}
MANAGERS_IMPORTANCE = {"tangibles": 22, "reliability": 30, "responsiveness": 14,
                       "assurance": 20, "empathy": 14}

ITEMS = [(code, dimension) for code, dimension, _zh, _en in SERVQUAL_ITEMS]

#: Mean CSAT (1–5) by team code of a good experience, before noise; ticket types shift it.
CSAT_TEAM = {"hotline": 4.55, "complaints": 4.2, "backoffice": 4.4, "sh-xuhui-desk": 4.7,
             "sh-pudong-desk": 4.6, "bj-chaoyang-desk": 4.3, "hz-xihu-desk": 4.75}
TYPE_SHIFT = {"complaint": -0.3, "praise": 0.4, "inquiry": 0.1}
#: The share of bad experiences (scored around 1–2), by team; complaints more often.
CSAT_BAD = {"complaints": 0.12, "bj-chaoyang-desk": 0.09}

LOW_COMMENTS = {
    "zh": ["送货又晚了一个多小时，也没人提前通知。", "客服电话等了二十分钟才接通。",
           "问题拖了三天才解决，希望能快一点。", "退款到现在还没到账，说好的三个工作日呢？",
           "每次打电话都要把问题重新讲一遍，太累了。", "说会回电话，结果一直没人联系我。"],
    "en": ["I waited twenty minutes on hold before anyone answered.",
           "Nobody told me the delivery would be late.",
           "The refund took far too long, and I had to chase it twice.",
           "I had to explain the problem three times to three different people."],
}
MID_COMMENTS = {
    "zh": ["解决了，但是过程有点慢。", "还行，希望下次能主动告诉我进度。"],
    "en": ["Sorted in the end, but it took a while.", "Fine, but please keep me posted next time."],
}
HIGH_COMMENTS = {
    "zh": ["客服很耐心，问题很快就解决了。", "送货师傅很热情，谢谢！", "处理得很专业，非常满意。",
           "补送很及时，点赞。"],
    "en": ["Quick and friendly, thank you!", "Sorted out in one call. Great service.",
           "Very helpful agent, she followed up the next day."],
}
NPS_WHY = {
    "zh": {"low": ["投诉处理太慢了。", "经常送错东西，不敢推荐。"],
           "mid": ["东西不错，就是配送时间不太准。"],
           "high": ["菜很新鲜，有问题也处理得快。", "服务好，已经推荐给邻居了。"]},
    "en": {"low": ["Complaints take far too long to sort out."],
           "mid": ["Good food, but delivery times are hit and miss."],
           "high": ["Fresh food and they fix problems quickly."]},
}
CES_COMMENTS = {
    "zh": ["要打好几次电话才办好。", "开发票的流程太复杂了。", "网上改地址找不到入口。"],
    "en": ["It took several calls to get it done.", "Changing the address online is hard to find."],
}


def _point(rng: random.Random, mean: float, sd: float, lo: int = 1, hi: int = 7) -> int:
    return min(hi, max(lo, round(rng.gauss(mean, sd))))


def points(rng: random.Random, shares: dict[str, float], concentration: float = 30
           ) -> dict[str, int]:
    """100 points over the dimensions around ``shares`` (a Dirichlet draw), whole numbers
    adding up to exactly 100 (largest remainders)."""
    draws = {d: rng.gammavariate(max(shares[d], 0.5) * concentration / 100, 1) for d in DIMENSIONS}
    total = sum(draws.values())
    raw = {d: 100 * v / total for d, v in draws.items()}
    out = {d: int(v) for d, v in raw.items()}
    short = 100 - sum(out.values())
    for d in sorted(DIMENSIONS, key=lambda d: raw[d] - out[d], reverse=True)[:short]:
        out[d] += 1
    return out


def servqual(rng: random.Random, *, wave: int, branch: str = "", tier: str = "",
             weights: bool = True) -> dict:
    """One customer's expectation and perception of the 22 items (and, usually, weights)."""
    lift = TIER_EXPECTATION.get(tier, 0.0)
    person_e, person_p = rng.gauss(0, 0.3), rng.gauss(0, 0.45)
    own_e = {d: rng.gauss(0, 0.3) for d in DIMENSIONS}
    own_p = {d: rng.gauss(0, 0.45) for d in DIMENSIONS}
    shift = BRANCH_SHIFT.get(branch, {})
    answers: dict = {}
    for code, d in ITEMS:
        e = _point(rng, EXPECTATION[d] + lift + person_e + own_e[d], 0.55)
        p = _point(rng, PERCEPTION[wave][d] + shift.get(d, 0.0) + ITEM_SHIFT.get(code, 0.0)
                   + person_p + own_p[d], 0.6)
        answers[code] = {"expectation": e, "perception": p}
    if weights:
        answers["weights"] = points(rng, IMPORTANCE)
    return answers


def servqual3(rng: random.Random, *, branch: str = "", tier: str = "") -> dict:
    """The three-column form (second wave): desired, adequate (the lowest acceptable) and
    perceived service — the zone of tolerance is adequate … desired."""
    base = servqual(rng, wave=2, branch=branch, tier=tier, weights=False)
    answers: dict = {}
    for code, d in ITEMS:
        desired = base[code]["expectation"]
        # a narrower zone where customers care most (reliability, responsiveness)
        width = 1.2 if d in ("reliability", "responsiveness") else 1.9
        adequate = min(desired, _point(rng, desired - width, 0.6))
        answers[code] = {"desired": desired, "adequate": adequate,
                         "perception": base[code]["perception"]}
    if rng.random() < 0.85:
        answers["weights"] = points(rng, IMPORTANCE)
    return answers


def management(rng: random.Random) -> dict:
    """A manager's estimate of what customers expect (and how they would weight it)."""
    answers: dict = {code: {"expectation": _point(rng, MANAGERS_BELIEVE[d], 0.5)}
                     for code, d in ITEMS}
    answers["weights"] = points(rng, MANAGERS_IMPORTANCE, concentration=60)
    return answers


def _language(english: bool) -> str:
    return "en" if english else "zh"


def csat(rng: random.Random, *, team: str, ticket_type: str, english: bool) -> dict:
    """CSAT after a resolved ticket: the rating, often reasons, sometimes a comment."""
    bad = CSAT_BAD.get(team, 0.05) + (0.04 if ticket_type == "complaint" else 0.0)
    if rng.random() < bad:
        rating = _point(rng, 1.8, 0.8, 1, 5)
    else:
        rating = _point(rng, CSAT_TEAM.get(team, 4.5) + TYPE_SHIFT.get(ticket_type, 0.0), 0.75,
                        1, 5)
    answers: dict = {"rating": rating}
    codes = [o["code"] for o in CSAT_REASONS]
    if rating <= 3:
        pool = ["speed", "follow_up", "resolution", "communication"]
        answers["reasons"] = sorted(rng.sample(pool, rng.choice([1, 1, 2])), key=codes.index)
    elif rng.random() < 0.55:
        pool = ["attitude", "knowledge", "speed", "resolution"]
        answers["reasons"] = sorted(rng.sample(pool, rng.choice([1, 1, 2])), key=codes.index)
    lang = _language(english)
    if rating <= 2 and rng.random() < 0.7:
        answers["comment"] = rng.choice(LOW_COMMENTS[lang])
    elif rating == 3 and rng.random() < 0.35:
        answers["comment"] = rng.choice(MID_COMMENTS[lang])
    elif rating >= 4 and rng.random() < 0.12:
        answers["comment"] = rng.choice(HIGH_COMMENTS[lang])
    return answers


def nps(rng: random.Random, *, team: str = "", english: bool = False,
        after_complaint: bool = False) -> dict:
    """How likely to recommend FreshHome (0–10), sometimes why."""
    mean = 7.6 + 1.6 * (CSAT_TEAM.get(team, 4.5) - 4.5) - (0.6 if after_complaint else 0.0)
    score = _point(rng, mean, 2.0, 0, 10)
    answers: dict = {"score": score}
    if rng.random() < 0.22:
        group = "low" if score <= 6 else "mid" if score <= 8 else "high"
        answers["why"] = rng.choice(NPS_WHY[_language(english)][group])
    return answers


def ces(rng: random.Random, *, team: str = "", english: bool = False) -> dict:
    """'The company made it easy for me to get this done' (1–7), a comment when it was not."""
    effort = _point(rng, 5.3 + 0.8 * (CSAT_TEAM.get(team, 4.5) - 4.5), 1.2)
    answers: dict = {"effort": effort}
    if effort <= 3 and rng.random() < 0.5:
        answers["comment"] = rng.choice(CES_COMMENTS[_language(english)])
    return answers
