"""The demo company's fixed facts: 鲜到家 FreshHome, a home-delivery grocer (the rice-shop
story of the seeds, at city scale). Bilingual names and ticket texts."""

COMPANY = ("鲜到家", "FreshHome")

BRANCHES = [
    ("sh-xuhui", "上海徐汇店", "Shanghai Xuhui"),
    ("sh-pudong", "上海浦东店", "Shanghai Pudong"),
    ("bj-chaoyang", "北京朝阳店", "Beijing Chaoyang"),
    ("hz-xihu", "杭州西湖店", "Hangzhou Xihu"),
]

# (code, zh, en, branch code or None)
TEAMS = [
    ("hotline", "客服热线", "Customer hotline", None),
    ("complaints", "投诉处理组", "Complaints desk", None),
    ("backoffice", "配送后台", "Delivery back office", None),
    ("sh-xuhui-desk", "徐汇门店服务台", "Xuhui service desk", "sh-xuhui"),
    ("sh-pudong-desk", "浦东门店服务台", "Pudong service desk", "sh-pudong"),
    ("bj-chaoyang-desk", "朝阳门店服务台", "Chaoyang service desk", "bj-chaoyang"),
    ("hz-xihu-desk", "西湖门店服务台", "Xihu service desk", "hz-xihu"),
]

# (username, display name, role, language, branch, teams)
STAFF = [
    ("admin", "系统管理员 Admin", "admin", "zh-hans", None, []),
    ("auditor", "审计 Auditor", "auditor", "en", None, []),
    ("manager", "王经理 Wang Li", "supervisor", "zh-hans", None, ["hotline", "complaints"]),
    ("sup.xuhui", "陈主管 Chen Jing", "supervisor", "zh-hans", "sh-xuhui", ["sh-xuhui-desk"]),
    ("sup.beijing", "赵主管 Zhao Min", "supervisor", "zh-hans", "bj-chaoyang", ["bj-chaoyang-desk"]),
    # branch managers without a queue of their own (they answer the management survey)
    ("sup.pudong", "钱主管 Qian Hong", "supervisor", "zh-hans", "sh-pudong", []),
    ("sup.hangzhou", "冯主管 Feng Yu", "supervisor", "zh-hans", "hz-xihu", []),
    ("agent", "李娜 Li Na", "agent", "zh-hans", None, ["hotline"]),
    ("agent.en", "Emily Zhou", "agent", "en", None, ["hotline", "complaints"]),
    ("liu.yang", "刘洋 Liu Yang", "agent", "zh-hans", None, ["hotline"]),
    ("sun.hui", "孙慧 Sun Hui", "agent", "zh-hans", None, ["complaints"]),
    ("zhou.qiang", "周强 Zhou Qiang", "agent", "zh-hans", None, ["backoffice"]),
    ("wu.fang", "吴芳 Wu Fang", "agent", "zh-hans", "sh-xuhui", ["sh-xuhui-desk"]),
    ("zheng.lei", "郑磊 Zheng Lei", "agent", "zh-hans", "sh-pudong", ["sh-pudong-desk"]),
    ("he.jun", "何军 He Jun", "agent", "zh-hans", "bj-chaoyang", ["bj-chaoyang-desk"]),
    ("lin.xue", "林雪 Lin Xue", "agent", "en", "hz-xihu", ["hz-xihu-desk"]),
]

TIERS = [
    ("vip", "VIP", "VIP", 10, "#b7791f"),
    ("gold", "金卡", "Gold", 20, "#c59d0f"),
    ("regular", "普通", "Regular", 100, "#61707e"),
]

# (code, parent code, zh, en)
CATEGORIES = [
    ("delivery", None, "配送", "Delivery"),
    ("delivery-late", "delivery", "配送延误", "Late delivery"),
    ("delivery-missing", "delivery", "漏送少送", "Missing items"),
    ("delivery-damaged", "delivery", "商品破损", "Damaged goods"),
    ("quality", None, "商品质量", "Product quality"),
    ("quality-fresh", "quality", "不新鲜", "Not fresh"),
    ("quality-expired", "quality", "临期过期", "Expired or near expiry"),
    ("billing", None, "账单与支付", "Billing and payment"),
    ("billing-refund", "billing", "退款", "Refund"),
    ("billing-invoice", "billing", "发票", "Invoice"),
    ("billing-double", "billing", "重复扣款", "Double charge"),
    ("membership", None, "会员", "Membership"),
    ("membership-points", "membership", "积分", "Points"),
    ("orders", None, "订单", "Orders"),
    ("orders-change", "orders", "修改订单", "Change an order"),
    ("orders-subscription", "orders", "定期配送", "Regular delivery plan"),
    ("staff", None, "服务态度", "Staff attitude"),
    ("praise", None, "表扬", "Praise"),
]

SURNAMES = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
            ("杨", "Yang"), ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"),
            ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"),
            ("郭", "Guo"), ("何", "He"), ("林", "Lin"), ("高", "Gao"), ("罗", "Luo")]
GIVEN = [("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"),
         ("丽", "Li"), ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"),
         ("勇", "Yong"), ("艳", "Yan"), ("杰", "Jie"), ("娟", "Juan"), ("涛", "Tao"),
         ("明", "Ming"), ("超", "Chao"), ("秀英", "Xiuying"), ("桂英", "Guiying"), ("建华", "Jianhua"),
         ("晓东", "Xiaodong"), ("海燕", "Haiyan"), ("志强", "Zhiqiang"), ("雪梅", "Xuemei")]
ENGLISH_FIRST = ["Emma", "Oliver", "Sophie", "James", "Anna", "Lucas", "Mia", "Daniel", "Laura",
                 "Thomas", "Hannah", "David"]
ENGLISH_LAST = ["Smith", "Müller", "Brown", "Martin", "Rossi", "Johnson", "Dubois", "Taylor"]

ORGANISATIONS = [("华东科技有限公司", "East China Tech Ltd."), ("悦来酒店", "Yuelai Hotel"),
                 ("阳光幼儿园", "Sunshine Kindergarten"), ("西湖律师事务所", "West Lake Law Firm")]

PREFERENCES = [
    ("household", "米桶可装 25 公斤大米", "Rice bin holds 25 kg"),
    ("household", "每月大约用 10 公斤米", "Uses about 10 kg of rice a month"),
    ("food", "对花生过敏", "Allergic to peanuts"),
    ("food", "只买有机蔬菜", "Buys organic vegetables only"),
    ("food", "不吃香菜", "Does not eat coriander"),
    ("delivery", "工作日晚上 6 点后送货", "Deliver on weekdays after 6 pm"),
    ("delivery", "放门口，不要按门铃（家有婴儿）", "Leave at the door, don't ring (baby at home)"),
    ("delivery", "需要送上楼，老人独居", "Carry upstairs; elderly customer lives alone"),
    ("contact", "喜欢微信联系，不接陌生电话", "Prefers WeChat; does not answer unknown numbers"),
    ("contact", "只用英文沟通", "Communicate in English only"),
    ("contact", "请称呼她王阿姨", "Likes to be called Auntie Wang"),
    ("health", "糖尿病，需要低糖商品", "Diabetic: prefers low-sugar products"),
    ("room", "到店时喜欢安静的洽谈室", "Likes a quiet room when visiting the shop"),
    ("other", "生日在 5 月，喜欢鲜花", "Birthday in May; likes fresh flowers"),
]

# (category, type, zh subject, en subject, zh description, en description)
TICKET_TEXTS = [
    ("delivery-late", "complaint", "配送迟到两个小时", "Delivery two hours late",
     "说好上午 10 点前送到，到 12 点才到，孩子的午饭都耽误了。",
     "The order was promised before 10 am but arrived at noon; lunch was late."),
    ("delivery-late", "inquiry", "今天的订单什么时候能到？", "When will today's order arrive?",
     "下单显示下午送达，想确认一下具体时间。", "The app says afternoon; could you confirm the time?"),
    ("delivery-missing", "complaint", "少送了一袋大米", "A bag of rice is missing",
     "订了两袋 10 公斤的大米，只收到一袋。", "I ordered two 10 kg bags of rice and got only one."),
    ("delivery-damaged", "complaint", "鸡蛋碎了一半", "Half of the eggs were broken",
     "送来的鸡蛋碎了一半，包装也湿了。", "Half the eggs arrived broken and the box was wet."),
    ("quality-fresh", "complaint", "青菜不新鲜，叶子发黄", "Vegetables not fresh, leaves yellow",
     "昨天收到的青菜叶子都黄了，希望退换。", "The greens I received yesterday were yellow; please replace."),
    ("quality-expired", "complaint", "牛奶快过期了", "Milk close to its expiry date",
     "收到的牛奶明天就过期，这怎么喝得完？", "The milk expires tomorrow; we can't finish it in time."),
    ("billing-refund", "request", "申请退款", "Refund request",
     "取消的订单还没有退款，已经三天了。", "A cancelled order has not been refunded after three days."),
    ("billing-invoice", "request", "需要开具增值税发票", "Need a VAT invoice",
     "公司报销需要上个月订单的增值税专用发票。", "Our company needs a VAT invoice for last month's orders."),
    ("billing-double", "complaint", "同一笔订单扣了两次钱", "Charged twice for one order",
     "银行卡显示同一笔订单扣款两次，请尽快处理。", "My card shows two charges for the same order."),
    ("membership-points", "inquiry", "积分怎么兑换？", "How do I redeem points?",
     "我有 3000 积分，想知道能换什么。", "I have 3,000 points; what can I redeem them for?"),
    ("orders-change", "request", "修改明天的送货地址", "Change tomorrow's delivery address",
     "明天请送到公司，地址是……", "Please deliver tomorrow's order to my office instead."),
    ("orders-subscription", "request", "每两周送一次大米", "Rice every two weeks",
     "想办一个定期配送，每两周送 10 公斤大米。", "I'd like a regular plan: 10 kg of rice every two weeks."),
    ("staff", "complaint", "送货员态度不好", "Courier was rude",
     "送货员把东西扔在门口就走了，还很不耐烦。", "The courier dropped the bags and left, very impatient."),
    ("praise", "praise", "感谢送货师傅帮忙搬米上楼", "Thanks to the courier who carried the rice upstairs",
     "师傅主动帮我母亲把米搬上六楼，非常感谢！", "He carried the rice up six floors for my mother. Thank you!"),
    (None, "inquiry", "营业时间是几点到几点？", "What are your opening hours?",
     "门店周末开门吗？", "Is the shop open at weekends?"),
    (None, "internal", "冷链车温度记录缺失", "Cold-chain truck temperature log missing",
     "浦东线路昨天的温度记录没有上传。", "Yesterday's temperature log for the Pudong route is missing."),
]

AGENT_REPLIES = [
    ("非常抱歉给您带来不便，我们马上为您处理。", "We're very sorry for the trouble; we're on it now."),
    ("已为您安排补送，预计今天下午 5 点前送达。", "A replacement is on its way and should arrive by 5 pm today."),
    ("退款已提交，预计 1–3 个工作日到账。", "The refund is submitted and should arrive in 1–3 working days."),
    ("感谢您的耐心，问题已经解决，请您确认。", "Thank you for your patience; it's resolved — could you confirm?"),
    ("感谢您的表扬，我们会转达给送货师傅！", "Thank you! We'll pass your praise on to the courier."),
]
INTERNAL_NOTES = [
    ("已联系配送后台核实线路。", "Checked the route with the delivery back office."),
    ("老客户，上月也有类似问题，注意跟进。", "Long-standing customer, similar issue last month: follow up."),
    ("补偿 20 元优惠券已申请。", "Requested a 20 yuan voucher as compensation."),
]
CUSTOMER_REPLIES = [
    ("好的，谢谢。", "OK, thanks."),
    ("还没有收到，请再查一下。", "Still nothing here, please check again."),
    ("收到了，问题解决了。", "Received, all sorted."),
]
