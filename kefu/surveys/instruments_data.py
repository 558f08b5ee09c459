"""The instruments kefu ships, as data: CSAT, NPS, CES, and the 22 SERVQUAL items over the
five dimensions — worded for kefu in Simplified Chinese and English (service businesses in
general: branches, counters, delivery, hotlines), in the sense of each dimension, not the
published wording. ``defaults.ensure_defaults`` creates them once; admins edit copies.

Item counts per dimension: tangibles 4, reliability 5, responsiveness 4, assurance 4,
empathy 5 (22).
"""

from __future__ import annotations

#: (code, dimension, zh-Hans, en)
SERVQUAL_ITEMS: tuple[tuple[str, str, str, str], ...] = (
    # 有形性 tangibles: what the customer can see and touch
    ("tan1", "tangibles", "服务网点、网站和手机应用整洁现代，容易找到所需内容。",
     "Service points, the website and the app are clean, modern and easy to find one's way "
     "around."),
    ("tan2", "tangibles", "员工为您服务时使用的工具和设备运转良好、维护得当。",
     "The tools and equipment staff use to serve you work well and are well maintained."),
    ("tan3", "tangibles", "员工仪容整洁、着装得体。",
     "Staff are tidy and professionally dressed."),
    ("tan4", "tangibles", "账单、表格、通知和消息清楚整洁、通俗易懂。",
     "Bills, forms, notices and messages are clear, tidy and easy to understand."),
    # 可靠性 reliability: doing what was promised, dependably and accurately
    ("rel1", "reliability", "公司承诺了日期或时间，就会按时做到。",
     "When the company commits to a date or a time, it keeps to it."),
    ("rel2", "reliability", "您遇到问题时，公司会真心实意地设法解决。",
     "When you have a problem, the company makes a genuine effort to fix it."),
    ("rel3", "reliability", "事情第一次就做对，不需要返工。",
     "Things are done right the first time, without having to be redone."),
    ("rel4", "reliability", "无论在哪个网点、由哪位员工接待，服务水准始终如一。",
     "The service is equally good every time, whichever branch or member of staff you deal "
     "with."),
    ("rel5", "reliability", "您的资料、订单和账目记录准确无误。",
     "Your details, orders and account records are kept accurate and free of mistakes."),
    # 响应性 responsiveness: willingness to help, promptness
    ("res1", "responsiveness", "员工会明确告诉您事情什么时候办好。",
     "Staff tell you clearly when things will be done."),
    ("res2", "responsiveness", "您能得到及时的服务，不必无谓地等待。",
     "You are served promptly, without pointless waiting."),
    ("res3", "responsiveness", "员工总是乐于帮助您。",
     "Staff are always glad to help you."),
    ("res4", "responsiveness", "即使在繁忙时段，员工也会迅速回应您的请求。",
     "Even at busy times, staff answer your requests quickly."),
    # 保证性 assurance: knowledge, courtesy, trust
    ("ass1", "assurance", "员工的言行举止让您对公司有信心。",
     "The way staff conduct themselves gives you confidence in the company."),
    ("ass2", "assurance", "与公司打交道时您感到安心：资金、信息和隐私都安全可靠。",
     "Dealing with the company feels safe: your money, your data and your privacy are "
     "protected."),
    ("ass3", "assurance", "员工始终礼貌待人、尊重客户。",
     "Staff are polite and respectful at all times."),
    ("ass4", "assurance", "员工具备足够的专业知识，能准确回答您的问题。",
     "Staff know enough to answer your questions correctly."),
    # 移情性 empathy: caring, individual attention
    ("emp1", "empathy", "公司把您当作一个独特的个人来关注，而不只是一个账号。",
     "The company pays attention to you as a person, not just as an account number."),
    ("emp2", "empathy", "营业时间和联系渠道方便您安排。",
     "Opening hours and ways to get in touch fit in with your day."),
    ("emp3", "empathy", "员工给予您贴心、周到的个人关照。",
     "Staff look after you personally and thoughtfully."),
    ("emp4", "empathy", "公司真正把您的利益放在心上。",
     "The company genuinely has your interests at heart."),
    ("emp5", "empathy", "员工了解您的具体需求。",
     "Staff understand what you in particular need."),
)

DIMENSION_TEXT = {
    "tangibles": ("有形性：设施、设备、人员和资料的外观",
                  "Tangibles: how facilities, equipment, staff and materials look"),
    "reliability": ("可靠性：可靠、准确地兑现服务承诺的能力",
                    "Reliability: delivering what was promised, dependably and accurately"),
    "responsiveness": ("响应性：主动帮助客户、及时提供服务的意愿",
                       "Responsiveness: being willing to help and serving promptly"),
    "assurance": ("保证性：员工的知识和礼貌，以及让客户信任的能力",
                  "Assurance: staff knowledge and courtesy, and the trust they inspire"),
    "empathy": ("移情性：设身处地为客户着想，给予个别关注",
                "Empathy: caring, individual attention to each customer"),
}

AGREE = {"low_label": "非常不同意", "low_label_en": "Strongly disagree",
         "high_label": "非常同意", "high_label_en": "Strongly agree"}

WEIGHTS_QUESTION = {
    "code": "weights", "kind": "weights", "required": False,
    "text": "请按各方面对您的重要程度，把 100 分分配给以下五个方面（分数越高表示越重要，合计 100 分）。",
    "text_en": "Please share 100 points among the five aspects below according to how "
               "important each one is to you (more points: more important; 100 in total).",
}
WEIGHTS_QUESTION_STAFF = {
    **WEIGHTS_QUESTION,
    "text": "您认为客户会如何分配这 100 分？请按您估计的客户看重程度，把 100 分分配给以下五个方面。",
    "text_en": "How do you think our customers would share these 100 points? Share them among "
               "the five aspects as you believe customers would.",
}


def servqual_questions(columns: tuple[str, ...], *, weights: dict | None = WEIGHTS_QUESTION
                       ) -> list[dict]:
    out = [{"code": code, "kind": "servqual", "dimension": dimension, "text": zh, "text_en": en,
            "columns": list(columns), "scale_min": 1, "scale_max": 7, **AGREE}
           for code, dimension, zh, en in SERVQUAL_ITEMS]
    if weights:
        out.append(dict(weights))
    return out


CSAT_REASONS = [
    {"code": "speed", "label": "响应速度", "label_en": "Speed"},
    {"code": "attitude", "label": "服务态度", "label_en": "Attitude"},
    {"code": "knowledge", "label": "专业能力", "label_en": "Knowledge"},
    {"code": "resolution", "label": "问题是否解决", "label_en": "Whether it was solved"},
    {"code": "communication", "label": "沟通是否清楚", "label_en": "Clear communication"},
    {"code": "follow_up", "label": "后续跟进", "label_en": "Follow-up"},
]

#: code → (kind, name, name_en, anonymous allowed, intro, intro_en, questions)
INSTRUMENTS: dict[str, dict] = {
    "csat": {
        "kind": "csat", "name": "客户满意度", "name_en": "Customer satisfaction",
        "anonymous_allowed": False,
        "intro": "感谢您联系我们。请花一分钟告诉我们这次服务的感受。",
        "intro_en": "Thank you for contacting us. Please take a minute to tell us how we did.",
        "questions": [
            {"code": "rating", "kind": "rating", "scale_min": 1, "scale_max": 5,
             "text": "总体来说，您对这次服务满意吗？",
             "text_en": "Overall, how satisfied are you with the service you received?",
             "low_label": "非常不满意", "low_label_en": "Very dissatisfied",
             "high_label": "非常满意", "high_label_en": "Very satisfied"},
            {"code": "reasons", "kind": "multiple", "required": False, "options": CSAT_REASONS,
             "text": "哪些方面影响了您的评分？（可多选）",
             "text_en": "What influenced your rating? (choose any)"},
            {"code": "comment", "kind": "text", "required": False,
             "text": "还有什么想告诉我们的吗？",
             "text_en": "Anything else you would like to tell us?"},
        ],
    },
    "nps": {
        "kind": "nps", "name": "净推荐值", "name_en": "Net Promoter Score",
        "anonymous_allowed": False, "intro": "", "intro_en": "",
        "questions": [
            {"code": "score", "kind": "rating", "scale_min": 0, "scale_max": 10,
             "text": "您有多大可能把我们推荐给朋友或同事？",
             "text_en": "How likely are you to recommend us to a friend or colleague?",
             "low_label": "完全不可能", "low_label_en": "Not at all likely",
             "high_label": "非常可能", "high_label_en": "Extremely likely"},
            {"code": "why", "kind": "text", "required": False,
             "text": "您给出这个分数的主要原因是什么？",
             "text_en": "What is the main reason for your score?"},
        ],
    },
    "ces": {
        "kind": "ces", "name": "客户费力度", "name_en": "Customer effort",
        "anonymous_allowed": False, "intro": "", "intro_en": "",
        "questions": [
            {"code": "effort", "kind": "likert", "scale_min": 1, "scale_max": 7,
             "text": "公司让我很容易就办好了这件事。",
             "text_en": "The company made it easy for me to get this done.", **AGREE},
            {"code": "comment", "kind": "text", "required": False,
             "text": "哪里让您觉得费力？", "text_en": "What took you more effort than it should?"},
        ],
    },
    "servqual": {
        "kind": "servqual", "name": "服务质量（期望与感知）",
        "name_en": "Service quality (expectation and perception)", "anonymous_allowed": True,
        "intro": "下面每一项请打两个分：左边是您认为一家卓越的服务企业应当做到的程度（期望），"
                 "右边是我们实际做到的程度（感知）。1 表示非常不同意，7 表示非常同意。",
        "intro_en": "Please give each statement two marks: how far an excellent service "
                    "company should live up to it (expectation), and how far we actually do "
                    "(perception). 1 means strongly disagree, 7 strongly agree.",
        "questions": servqual_questions(("expectation", "perception")),
    },
    "servqual3": {
        "kind": "servqual3", "name": "服务质量（容忍区域）",
        "name_en": "Service quality (zone of tolerance)", "anonymous_allowed": True,
        "intro": "下面每一项请打三个分：您期望的服务水平、您可以接受的最低服务水平，以及我们实际的"
                 "服务水平。1 表示很低，7 表示很高。",
        "intro_en": "Please give each statement three marks: the level of service you desire, "
                    "the lowest level you would find adequate, and the level we actually "
                    "provide. 1 means low, 7 high.",
        "questions": servqual_questions(("desired", "adequate", "perception")),
    },
    "servperf": {
        "kind": "servperf", "name": "服务绩效（仅感知）",
        "name_en": "Service performance (perception only)", "anonymous_allowed": True,
        "intro": "请就我们的服务，对下面每一项打分。1 表示非常不同意，7 表示非常同意。",
        "intro_en": "Please rate our service on each statement. 1 means strongly disagree, "
                    "7 strongly agree.",
        "questions": servqual_questions(("perception",)),
    },
    "management": {
        "kind": "management", "name": "管理层认知调查",
        "name_en": "Management perception survey", "anonymous_allowed": False,
        "intro": "这份问卷请管理人员填写：对下面每一项，请估计我们的客户期望一家卓越的服务企业做到"
                 "什么程度。结果将与客户自己的期望比较（差距一：倾听差距）。1 表示非常不同意，7 表示"
                 "非常同意。",
        "intro_en": "For managers: for each statement, estimate how far our customers expect "
                    "an excellent service company to live up to it. The answers are compared "
                    "with what customers say they expect (gap 1, the listening gap). 1 means "
                    "strongly disagree, 7 strongly agree.",
        "questions": servqual_questions(("expectation",), weights=WEIGHTS_QUESTION_STAFF),
    },
}
