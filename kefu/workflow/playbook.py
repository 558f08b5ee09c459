"""The default playbook of the seven-step complaint flow (投诉处理七步法), as data.

Admins edit the ``PlaybookStep`` rows; ``playbook_ensure_defaults()`` creates the rows that
are missing from ``DEFAULTS`` (idempotent: it never overwrites an edited row). Readers call
``playbook_steps(language)``, which falls back to ``DEFAULTS`` for a row not created yet, so
the checklist works on a fresh database too.

Questions are plain strings (open questions) or ``{"text": …, "kind": "closed"}`` for a
closed question answered yes / partly / no (step 6 uses both kinds, as the training asks).
"""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LANGUAGES = ("zh-hans", "en")

#: The four expressions of an apology (道歉的四种表达方式), mildest first: a stable code
#: (stored in ``ComplaintStep.data["apology"]``), the expression, and when it fits.
APOLOGIES = (
    {"code": "buhaoyisi", "expression": "不好意思", "gloss": "Excuse me / I'm sorry to trouble you",
     "when": "小的不便：让客户稍等、请客户重复一遍、打断客户说话。语气轻，不等于认错。",
     "when_en": "A small inconvenience: asking the customer to wait a moment or repeat "
                "something, interrupting. Light in tone; it admits no fault."},
    {"code": "baoqian", "expression": "抱歉 / 非常抱歉", "gloss": "We're sorry / very sorry",
     "when": "我们的服务让客户受到了影响（等待、延误、往返奔波），影响较大时说“非常抱歉”。",
     "when_en": "Our service affected the customer (a wait, a delay, a wasted trip); say "
                "“very sorry” when the impact was larger."},
    {"code": "duibuqi", "expression": "对不起", "gloss": "I apologise — it was our mistake",
     "when": "明确是我方的差错：送错货、算错账、员工失误。真诚认错，不找借口，不指责同事或规章制度。",
     "when_en": "A clear mistake on our side: the wrong goods, a wrong bill, a staff error. "
                "Own it sincerely, without excuses and without blaming colleagues or the rules."},
    {"code": "qingyuanliang", "expression": "请您原谅", "gloss": "Please forgive us",
     "when": "严重或反复的失误、给客户造成了损失：请求谅解，通常由主管出面，并同时提出补救。",
     "when_en": "A serious or repeated failure that cost the customer something: ask for "
                "forgiveness, usually with a supervisor present, together with a remedy."},
)
APOLOGY_CODES = tuple(a["code"] for a in APOLOGIES)

#: Answers a closed question accepts.
CLOSED_ANSWERS = (("yes", _("Yes")), ("partly", _("Partly")), ("no", _("No")))

DEFAULTS: dict[int, dict] = {
    1: {
        "help": "当众投诉传播快，也会影响其他客户的情绪。请客户移步到安静的独立空间（接待室、"
                "单独的柜台）；电话或在线渠道里，转到专线或约好时间回电，避免在公开场合争执。",
        "help_en": "A complaint made in public spreads fast and unsettles other customers. Invite "
                   "the customer to a quiet, separate space (a meeting room, a side counter); on "
                   "the phone or online, move to a direct line or agree a time to call back "
                   "rather than arguing in a public thread.",
        "phrases": {
            "zh-hans": ["这边比较吵，我们到接待室坐下来慢慢说，好吗？",
                        "为了把您的问题了解清楚，我换一部专线电话马上打给您，可以吗？"],
            "en": ["It's rather noisy here — shall we sit down in the meeting room and go "
                   "through it properly?",
                   "So that I can look into this properly, may I call you straight back on a "
                   "direct line?"],
        },
        "questions": {},
    },
    2: {
        "help": "先处理心情，再处理事情。对客户的心情表示理解；认真倾听，不打断、不辩解；"
                "关键经过适时复述，确认自己理解得对；边听边记，让客户感到被重视。",
        "help_en": "Feelings first, then facts. Show that you understand how the customer feels; "
                   "listen without interrupting or arguing; repeat the key points back to check "
                   "you have understood; take notes as you listen so the customer feels heard.",
        "phrases": {
            "zh-hans": ["请您先消消气，我非常理解您的心情。",
                        "遇到这种情况，换作是我也会着急。",
                        "您的意思是……，我理解得对吗？"],
            "en": ["I completely understand why you are upset.",
                   "If this had happened to me, I would be just as worried.",
                   "So what you're saying is …, have I got that right?"],
        },
        "questions": {},
    },
    3: {
        "help": "在需要的时候道歉，让客户知道你已经了解他的问题。道歉有四种表达方式，轻重不同："
                "“不好意思”用于小的不便；“抱歉/非常抱歉”用于服务给客户带来了影响；"
                "“对不起”用于明确是我方的差错；“请您原谅”用于严重或反复的失误，通常同时提出补救。"
                "对外口径一致：不指责出错的同事，也不把责任推给规章制度。",
        "help_en": "Apologise where it is due, and let the customer know you understand the "
                   "problem. There are four expressions of different weight: “不好意思” for a "
                   "small inconvenience; “抱歉 / 非常抱歉” when our service affected the customer; "
                   "“对不起” for a clear mistake on our side; “请您原谅” for a serious or "
                   "repeated failure, usually together with a remedy. Speak with one voice: never "
                   "blame the colleague who made the mistake or hide behind the rules.",
        "phrases": {
            "zh-hans": ["不好意思，让您久等了。",
                        "非常抱歉，给您添麻烦了。",
                        "对不起，这是我们的失误。",
                        "请您原谅，我们一定把这件事处理好。"],
            "en": ["Sorry to have kept you waiting.",
                   "I'm very sorry for the trouble this has caused you.",
                   "I apologise — this was our mistake.",
                   "Please forgive us; we will put this right."],
        },
        "questions": {},
    },
    4: {
        "help": "搜集足够的信息再给方案：弄清客户到底要什么；马上调出客户资料（等级、历史工单、偏好）；"
                "判断问题的根本；尽快找出形成解决方案的要素。多问有价值的问题——事件描述性问题、"
                "了解需求的问题；封闭式问题确认事实，开放式问题补充细节。",
        "help_en": "Gather enough to decide before proposing anything: find out what the customer "
                   "really wants; pull up their profile at once (tier, past tickets, "
                   "preferences); work out the root of the problem; pin down what a solution "
                   "needs. Ask questions that move things on — questions that describe what "
                   "happened and questions about needs; closed questions to confirm facts, open "
                   "ones to fill in the detail.",
        "phrases": {
            "zh-hans": ["您能具体说说当时的经过吗？",
                        "您希望我们怎样帮您解决？"],
            "en": ["Could you tell me exactly what happened?",
                   "How would you like us to put this right?"],
        },
        "questions": {
            "zh-hans": ["客户到底想要什么？",
                        "客户资料（等级、历史工单、偏好）里有哪些相关信息？",
                        "问题的根本原因是什么？",
                        "这是谁的问题？我们能否解决？不能解决怎么办，有无替代方案？",
                        "形成解决方案还需要哪些信息或资源？"],
            "en": ["What does the customer really want?",
                   "What in the customer's profile (tier, past tickets, preferences) matters here?",
                   "What is the root of the problem?",
                   "Whose problem is it, and can we solve it? If not, what then — is there an "
                   "alternative?",
                   "What else do we need to put a solution together?"],
        },
    },
    5: {
        "help": "给出方案并承诺时限。先想清楚：这是谁的问题、能否解决、有无替代方案。"
                "如实降低客户的期望，只承诺做得到的时限（宁可提前兑现）。需要后台处理时可转后台作为"
                "缓冲，但你仍是首问负责人，不要踢皮球。承诺的时限会被跟踪，到期前会提醒。",
        "help_en": "Propose a solution with a committed deadline. Be clear whose problem it is, "
                   "whether we can solve it and what the alternatives are. Lower expectations "
                   "honestly and promise only a deadline you can keep — better to deliver early. "
                   "Handing the work to a back-office team buys time, but you stay the owner: "
                   "never pass the ball. The promised deadline is tracked and you are warned "
                   "before it falls due.",
        "phrases": {
            "zh-hans": ["我们的处理方案是……，最迟在……之前给您结果。",
                        "这件事需要后台同事核实，我会一直跟进，在……之前给您回电。"],
            "en": ["Here is what we will do: …, and you will have the result by … at the latest.",
                   "A colleague in the back office needs to check this; I will stay on it and "
                   "call you back by …."],
        },
        "questions": {},
    },
    6: {
        "help": "征求客户对方案的意见：先用封闭式问题确认客户是否接受（有答案可选），"
                "再用开放式问题补充客户的其他想法。客户不接受时回到第4、5步调整方案。",
        "help_en": "Ask the customer's opinion of the solution: closed questions first to confirm "
                   "whether they accept it (a choice of answers), then open questions for "
                   "anything else on their mind. If they do not accept, go back to steps 4 and 5 "
                   "and adjust the solution.",
        "phrases": {
            "zh-hans": ["这样处理您看可以吗？",
                        "您还有什么其他的要求吗？"],
            "en": ["Would that work for you?",
                   "Is there anything else you would like us to do?"],
        },
        "questions": {
            "zh-hans": [{"text": "您接受这个处理方案吗？", "kind": "closed"},
                        {"text": "这个时间安排您可以接受吗？", "kind": "closed"},
                        "您还有什么其他的要求或建议？"],
            "en": [{"text": "Do you accept this solution?", "kind": "closed"},
                   {"text": "Does the timing work for you?", "kind": "closed"},
                   "Is there anything else you would like, or would suggest?"],
        },
    },
    7: {
        "help": "跟踪服务分两段：处理过程中主动告知进展（在承诺时限之前），处理结束之后回访，"
                "确认客户满意。安排一次回访（默认由首问负责人执行），回访后记录结果；"
                "回访核实或客户确认之前，首问负责人始终对结果负责。",
        "help_en": "Follow up in two stages: while the work is under way, tell the customer how "
                   "it is going (before the promised deadline); once it is done, call back to "
                   "check they are satisfied. Schedule a follow-up (the owner by default) and "
                   "record its outcome; until a call-back verifies it or the customer confirms, "
                   "the owner stays accountable for the result.",
        "phrases": {
            "zh-hans": ["您好，我是……，给您回个电话，上次的问题现在处理得怎么样了？",
                        "跟您说一下进展：……，预计……可以完成。"],
            "en": ["Hello, this is … calling back about your recent problem — how are things "
                   "now?",
                   "A quick update: …, and we expect it to be done by …."],
        },
        "questions": {},
    },
}


def playbook_ensure_defaults() -> int:
    """Create the PlaybookStep rows 1–7 that are missing (never touches existing ones);
    returns how many were created."""
    from .models import PlaybookStep

    existing = set(PlaybookStep.objects.values_list("step", flat=True))
    missing = [PlaybookStep(step=step, help=d["help"], help_en=d["help_en"], phrases=d["phrases"],
                            questions=d["questions"])
               for step, d in DEFAULTS.items() if step not in existing]
    PlaybookStep.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def language_key(language: str | None = None) -> str:
    lang = (language or get_language() or "zh-hans").lower()
    return "en" if lang.startswith("en") else "zh-hans"


def questions_of(questions: dict, language: str | None = None) -> list[dict]:
    """The step's questions in a language as ``[{"text", "kind"}]`` (kind "open"/"closed")."""
    key = language_key(language)
    found = (questions or {}).get(key) or (questions or {}).get("zh-hans") or []
    out = []
    for q in found if isinstance(found, list) else []:
        if isinstance(q, str) and q.strip():
            out.append({"text": q.strip(), "kind": "open"})
        elif isinstance(q, dict) and isinstance(q.get("text"), str) and q["text"].strip():
            out.append({"text": q["text"].strip(),
                        "kind": "closed" if q.get("kind") == "closed" else "open"})
    return out


def playbook_steps(language: str | None = None) -> dict[int, dict]:
    """Help, phrases and questions of every step in one language (one query); steps without
    a row use the defaults."""
    from .models import PlaybookStep

    key = language_key(language)
    rows = {p.step: {"help": p.help, "help_en": p.help_en, "phrases": p.phrases,
                     "questions": p.questions} for p in PlaybookStep.objects.all()}
    out = {}
    for step in DEFAULTS:
        data = rows.get(step) or DEFAULTS[step]
        help_text = data["help_en"] if key == "en" else data["help"]
        phrases = (data["phrases"] or {}).get(key) or []
        out[step] = {
            "help": help_text or data["help"] or data["help_en"],
            "phrases": [p for p in phrases if isinstance(p, str)] if isinstance(phrases, list) else [],
            "questions": questions_of(data["questions"], key),
        }
    return out


def apologies(language: str | None = None) -> list[dict]:
    """The four apology expressions with when each fits, in the reader's language."""
    key = language_key(language)
    return [{"code": a["code"], "expression": a["expression"],
             "gloss": a["gloss"] if key == "en" else "",
             "when": a["when_en"] if key == "en" else a["when"]} for a in APOLOGIES]


def apology_expression(code: str | None) -> str:
    for a in APOLOGIES:
        if a["code"] == code:
            return a["expression"]
    return code or ""
