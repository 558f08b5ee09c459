"""Articles written from one template per family with real figures per item: delivery in
each city, keeping each kind of fresh food, refund timing per payment method, and
installation of each appliance."""

from __future__ import annotations

# --- delivery areas and fees per city ------------------------------------------------------
# (key, 城市, City, 覆盖区域, areas in English, 半日达区域 or "", express zone English,
#  free-delivery threshold (yuan), fee below it, latest slot)
CITIES = [
    ("shanghai", "上海", "Shanghai", "中心城区及闵行、宝山、嘉定、浦东新区（含临港）、松江、青浦", "the central districts and Minhang, Baoshan, Jiading, Pudong (including Lingang), Songjiang and Qingpu", "内环以内", "inside the Inner Ring Road", 59, 6, "21:00-22:00"),
    ("beijing", "北京", "Beijing", "东城、西城、朝阳、海淀、丰台、石景山、通州、昌平和大兴", "Dongcheng, Xicheng, Chaoyang, Haidian, Fengtai, Shijingshan, Tongzhou, Changping and Daxing", "四环以内", "inside the 4th Ring Road", 69, 8, "21:00-22:00"),
    ("hangzhou", "杭州", "Hangzhou", "上城、拱墅、西湖、滨江、萧山、余杭和临平", "Shangcheng, Gongshu, Xihu, Binjiang, Xiaoshan, Yuhang and Linping", "西湖区和滨江区", "in Xihu and Binjiang", 49, 5, "20:00-21:00"),
    ("suzhou", "苏州", "Suzhou", "姑苏、工业园区、高新区、吴中和相城", "Gusu, the Industrial Park, the New District, Wuzhong and Xiangcheng", "工业园区", "in the Industrial Park", 49, 5, "20:00-21:00"),
    ("nanjing", "南京", "Nanjing", "玄武、秦淮、建邺、鼓楼、栖霞、雨花台和江宁", "Xuanwu, Qinhuai, Jianye, Gulou, Qixia, Yuhuatai and Jiangning", "", "", 49, 6, "20:00-21:00"),
    ("shenzhen", "深圳", "Shenzhen", "福田、罗湖、南山、宝安、龙华和龙岗", "Futian, Luohu, Nanshan, Bao'an, Longhua and Longgang", "福田区和南山区", "in Futian and Nanshan", 59, 6, "21:00-22:00"),
    ("guangzhou", "广州", "Guangzhou", "越秀、海珠、荔湾、天河、白云和番禺", "Yuexiu, Haizhu, Liwan, Tianhe, Baiyun and Panyu", "天河区", "in Tianhe", 59, 6, "21:00-22:00"),
    ("chengdu", "成都", "Chengdu", "锦江、青羊、金牛、武侯、成华和高新区", "Jinjiang, Qingyang, Jinniu, Wuhou, Chenghua and the High-tech Zone", "", "", 49, 5, "20:00-21:00"),
    ("wuhan", "武汉", "Wuhan", "江岸、江汉、硚口、汉阳、武昌、洪山和光谷", "Jiang'an, Jianghan, Qiaokou, Hanyang, Wuchang, Hongshan and Optics Valley", "", "", 49, 5, "20:00-21:00"),
    ("xian", "西安", "Xi'an", "新城、碑林、莲湖、雁塔、未央和高新区", "Xincheng, Beilin, Lianhu, Yanta, Weiyang and the High-tech Zone", "", "", 49, 5, "19:00-20:00"),
    ("chongqing", "重庆", "Chongqing", "渝中、江北、南岸、九龙坡、沙坪坝和渝北", "Yuzhong, Jiangbei, Nan'an, Jiulongpo, Shapingba and Yubei", "", "", 49, 6, "20:00-21:00"),
    ("tianjin", "天津", "Tianjin", "和平、河西、南开、河东、河北和滨海新区（部分）", "Heping, Hexi, Nankai, Hedong, Hebei and parts of Binhai", "", "", 49, 6, "20:00-21:00"),
]


def city_article(key, zh, en, areas_zh, areas_en, express_zh, express_en, free, fee, last):
    express_zh_text = (f"\n\n## 半日达\n{express_zh}的地址可以选择“半日达”：上午 11 点前下单，当天下午送达；下午 4 点前下单，当晚送达。"
                       if express_zh else "\n\n> 本市暂未开通半日达，开通后会在首页通知。")
    express_en_text = (f"\n\n## Same-half-day delivery\nAddresses {express_en} can choose same-half-day delivery: order before 11:00 for the afternoon, before 16:00 for the evening."
                       if express_en else "\n\n> Same-half-day delivery is not available in this city yet; we will announce it on the home page.")
    return {
        "key": f"city-{key}", "cat": "delivery-areas",
        "zh": {"t": f"{zh}的配送范围和运费", "s": f"{zh}哪些区域可以送、运费多少、最晚时段是几点。",
               "k": f"{zh} 配送范围 运费 送货 地址",
               "b": f"## 配送范围\n鲜到家在{zh}配送到{areas_zh}。在下单页输入收货地址后，系统会自动判断是否可以配送；不在范围内的地址会提示“暂不支持配送”。\n\n"
                    f"## 运费\n- 订单实付满 {free} 元免运费\n- 不满 {free} 元收取运费 {fee} 元\n- 黑金卡会员每月有 4 次免运费机会\n\n"
                    f"## 配送时段\n每天 8:00 起按一小时一个时段配送，最晚时段为 {last}。"
                    f"{express_zh_text}\n\n如果您的地址刚好在边界附近无法下单，可以联系客服，我们会帮您确认。"},
        "en": {"t": f"Delivery areas and fees in {en}", "s": f"Where we deliver in {en}, what delivery costs and the latest slot.",
               "k": f"{en} delivery area fee address",
               "b": f"## Where we deliver\nFreshHome delivers to {areas_en} in {en}. When you enter your address at checkout we check it automatically; addresses outside the area show \"Delivery not available yet\".\n\n"
                    f"## Delivery fee\n- Free delivery on orders of ¥{free} or more (after discounts)\n- A fee of ¥{fee} below that\n- Black Gold members get 4 free deliveries a month\n\n"
                    f"## Delivery slots\nOne-hour slots every day from 08:00; the last slot is {last}."
                    f"{express_en_text}\n\nIf your address is right on the edge of the area and cannot be selected, contact us and we will check it for you."},
    }


# --- keeping fresh food ---------------------------------------------------------------------
# (key, 产品, product, 保存方法, how to store, 保存天数, days, 质量问题说明, what a problem looks like,
#  申请时限 (hours))
PRODUCE = [
    ("strawberry", "草莓", "strawberries", "不要清洗，连盒放入冰箱冷藏（0-4℃），吃之前再用流水冲洗", "do not wash them; keep them in their box in the fridge at 0-4 °C and rinse just before eating", "2 天", "2 days", "出现发霉、大面积压伤或渗水", "mould, large bruises or leaking juice", 24),
    ("cherry", "车厘子", "cherries", "带梗放入保鲜盒冷藏，避免挤压，不要提前清洗", "keep them with their stems in a closed box in the fridge, without pressure; do not wash them in advance", "5 天", "5 days", "果实软烂、裂口发霉或果梗大面积发黑", "soft or split fruit, mould or mostly black stems", 24),
    ("mango", "芒果", "mangoes", "未熟的芒果常温避光放置 2-3 天，熟透后再放冰箱冷藏", "leave unripe mangoes at room temperature out of the sun for 2-3 days, then refrigerate once ripe", "熟后 3 天", "3 days once ripe", "果肉发黑、有异味或明显腐烂", "black flesh, an odd smell or rot", 48),
    ("banana", "香蕉", "bananas", "常温悬挂保存，不要放冰箱，出现黑斑说明已经熟透", "keep them hanging at room temperature, not in the fridge; dark spots mean they are fully ripe", "3-5 天", "3-5 days", "到货时果皮大面积发黑或果肉变质", "mostly black skin or spoiled flesh on arrival", 24),
    ("avocado", "牛油果", "avocados", "常温放置催熟，按压微软即可食用；切开后抹柠檬汁并冷藏", "let them ripen at room temperature until slightly soft; once cut, brush with lemon juice and refrigerate", "熟后 2 天", "2 days once ripe", "果肉大面积褐变或有异味", "mostly brown flesh or a bad smell", 48),
    ("greens", "叶菜", "leafy greens", "用厨房纸包好装入保鲜袋，竖放在冰箱蔬果格", "wrap them in kitchen paper, put them in a bag and stand them upright in the vegetable drawer", "2-3 天", "2-3 days", "叶片发黄、腐烂或出水发粘", "yellow, rotten or slimy leaves", 24),
    ("tomato", "番茄", "tomatoes", "常温存放，蒂朝下，避免与苹果等放在一起", "keep them at room temperature, stem side down, away from apples", "5 天", "5 days", "破裂、发霉或软烂", "splits, mould or soft spots", 24),
    ("potato", "土豆", "potatoes", "阴凉干燥处避光保存，不要和洋葱放在一起", "keep them somewhere cool, dry and dark, away from onions", "2 周", "2 weeks", "发芽、发绿或腐烂（发芽发绿请勿食用）", "sprouts, green skin or rot (do not eat sprouted or green potatoes)", 48),
    ("salmon", "三文鱼", "salmon", "收到后立即冷藏（0-4℃）并在当天食用；生食请确认包装标注“可生食”", "refrigerate at once (0-4 °C) and eat it the same day; eat it raw only if the label says it is sashimi grade", "当天", "the same day", "有异味、颜色发暗或包装胀袋", "an off smell, dull colour or a swollen pack", 6),
    ("shrimp", "活虾", "live shrimp", "收到后尽快烹饪；暂时不吃可放冰箱冷藏，不要放入清水中", "cook them as soon as you can; if not, keep them in the fridge, not in water", "当天", "the same day", "到货时大量死亡、有氨味", "many dead on arrival or a smell of ammonia", 6),
    ("crab", "大闸蟹", "hairy crabs", "用湿毛巾盖好放在冰箱冷藏室最下层，不要绑绳拆开、不要泡水", "cover them with a damp towel on the lowest fridge shelf; keep the ties on and do not put them in water", "3 天", "3 days", "到货死蟹（不动、无反应）或有异味", "dead crabs (no movement) or a bad smell on arrival", 6),
    ("steak", "牛排", "steaks", "冷冻保存（-18℃ 以下）；食用前放冷藏室解冻 12 小时，解冻后不要再冷冻", "keep them frozen below -18 °C; thaw in the fridge for 12 hours and do not refreeze", "冷冻 6 个月", "6 months frozen", "到货时已解冻、包装漏气", "thawed on arrival or a leaking vacuum pack", 6),
    ("eggs", "鸡蛋", "eggs", "大头朝上放入冰箱冷藏，不要清洗", "keep them in the fridge, round end up, unwashed", "2 周", "2 weeks", "破损、散黄或有异味", "cracked shells, broken yolks or a bad smell", 24),
    ("milk", "鲜牛奶", "fresh milk", "全程冷藏（2-6℃），开封后 24 小时内喝完", "keep it refrigerated at 2-6 °C and finish it within 24 hours of opening", "保质期内", "until the use-by date", "胀包、结块或酸味", "a swollen carton, lumps or a sour taste", 24),
    ("yogurt", "酸奶", "yogurt", "冷藏保存，不要冷冻", "keep it refrigerated, never frozen", "保质期内", "until the use-by date", "胀盖、漏液或有异味", "a swollen lid, leaks or an odd smell", 24),
    ("dumplings", "冷冻水饺", "frozen dumplings", "收到后立即放入冷冻室（-18℃ 以下），不要解冻后再冻", "put them in the freezer (below -18 °C) at once; do not refreeze after thawing", "冷冻 3 个月", "3 months frozen", "到货时已经软化、粘连成团", "soft or stuck together on arrival", 6),
]


def produce_article(key, zh, en, store_zh, store_en, days_zh, days_en, bad_zh, bad_en, hours):
    return {
        "key": f"fresh-{key}", "cat": "fresh",
        "zh": {"t": f"{zh}收到后怎么保存？", "s": f"{zh}的保存方法、能放多久，以及出现质量问题怎么申请售后。",
               "k": f"{zh} 保存 保鲜 冷藏 坏了",
               "b": f"## 怎么保存\n{store_zh}。\n\n## 能放多久\n按上面的方法保存，建议在 {days_zh} 内食用。\n\n"
                    f"## 收到时有质量问题\n如果{zh}{bad_zh}，请在签收后 {hours} 小时内申请售后：\n1. 打开“我的订单”，找到这笔订单\n2. 点击“申请售后”，选择“商品质量问题”\n3. 上传能看清问题的照片（整体一张、细节一张）\n\n"
                    f"审核通过后，我们会为有问题的部分退款或补发，无需退回商品。\n\n> 生鲜商品不适用七天无理由退货，但质量问题始终可以申请售后。"},
        "en": {"t": f"How should I store {en}?", "s": f"How to keep {en}, how long they last, and what to do if they arrive in poor condition.",
               "k": f"{en} storage keep fresh fridge spoiled",
               "b": f"## How to store them\n{store_en[0].upper() + store_en[1:]}.\n\n## How long they keep\nStored this way, enjoy them within {days_en}.\n\n"
                    f"## If they arrive in poor condition\nIf your {en} show {bad_en}, ask for after-sales help within {hours} hours of delivery:\n1. Open My orders and find the order\n2. Tap After-sales and choose Quality problem\n3. Add photos that show the problem (one of the whole item, one close-up)\n\n"
                    f"Once approved we refund or resend the affected part; you do not need to return anything.\n\n> Fresh food is not covered by the 7-day no-reason return, but quality problems are always covered."},
    }


# --- refund timing per payment method -------------------------------------------------------
PAYMENTS = [
    ("wechat", "微信支付", "WeChat Pay", "1-3 个工作日", "1-3 working days", "原路退回微信零钱或支付时使用的银行卡", "to your WeChat balance or the bank card you paid with", "微信 > 我 > 服务 > 钱包 > 账单", "WeChat > Me > Services > Wallet > Transactions"),
    ("alipay", "支付宝", "Alipay", "1-3 个工作日", "1-3 working days", "原路退回支付宝余额、余额宝或银行卡", "to your Alipay balance, Yu'e Bao or bank card", "支付宝 > 我的 > 账单", "Alipay > Me > Bills"),
    ("unionpay", "云闪付", "UnionPay QuickPass", "3-5 个工作日", "3-5 working days", "原路退回支付时的银行卡", "to the bank card you paid with", "云闪付 App > 我的 > 交易记录", "QuickPass app > Me > Transactions"),
    ("creditcard", "信用卡", "credit card", "3-7 个工作日（以发卡行入账为准）", "3-7 working days (depending on your bank)", "退回信用卡，显示为一笔退款或冲正", "to your credit card as a refund or reversal", "发卡行 App 或信用卡账单", "your bank's app or card statement"),
    ("balance", "鲜到家余额", "FreshHome balance", "即时", "at once", "立即退回鲜到家余额", "straight back to your FreshHome balance", "我的 > 余额 > 明细", "Me > Balance > History"),
    ("giftcard", "礼品卡", "gift card", "即时", "at once", "退回原礼品卡；礼品卡已过期的，退到鲜到家余额", "to the same gift card, or to your FreshHome balance if the card has expired", "我的 > 礼品卡 > 使用记录", "Me > Gift cards > History"),
    ("cod", "货到付款", "cash on delivery", "3-5 个工作日", "3-5 working days", "退到您在申请售后时填写的银行卡或支付宝账户", "to the bank card or Alipay account you give when asking for the refund", "我的订单 > 售后详情", "My orders > After-sales details"),
]


def payment_article(key, zh, en, days_zh, days_en, where_zh, where_en, check_zh, check_en):
    return {
        "key": f"refund-{key}", "cat": "refunds-money",
        "zh": {"t": f"用{zh}付款的订单，退款多久到账？", "s": f"{zh}订单退款的到账时间、退到哪里、怎么查询。",
               "k": f"{zh} 退款 到账 多久 退钱",
               "b": f"售后审核通过后，退款会{where_zh}。\n\n## 到账时间\n{zh}一般 {days_zh} 到账。周末和节假日可能顺延。\n\n"
                    f"## 怎么查询\n- 在鲜到家：我的订单 > 售后详情，可以看到退款状态和退款流水号\n- 在{zh}：{check_zh}\n\n"
                    f"如果超过上面的时间还没有到账，请把售后详情页的退款流水号发给客服，我们会帮您向支付机构查询。"},
        "en": {"t": f"When does a refund arrive if I paid by {en}?", "s": f"How long refunds to {en} take, where the money goes and how to check.",
               "k": f"{en} refund how long money back arrive",
               "b": f"Once your after-sales request is approved, the refund goes back {where_en}.\n\n## How long it takes\nRefunds to {en} usually arrive within {days_en}. Weekends and public holidays can add a little time.\n\n"
                    f"## How to check\n- In FreshHome: My orders > After-sales details shows the refund status and its reference number\n- In {en}: {check_en}\n\n"
                    f"If it has not arrived after that time, send us the refund reference from the after-sales page and we will trace it with the payment provider."},
    }


# --- appliance installation ---------------------------------------------------------------
# (key, 家电, appliance, 预约时间, booking time EN, 免费内容, included EN, 收费项目, extra fees EN)
APPLIANCES = [
    ("aircon", "空调", "air conditioner", "送达后 48 小时内", "within 48 hours of delivery", "标准安装、3 米铜管、打孔一个", "standard installation, 3 m of copper pipe and one wall hole", "加长铜管 80 元/米，空调支架 120 元，高空作业费 100 元起", "extra pipe ¥80 per metre, a bracket ¥120, work at height from ¥100"),
    ("fridge", "冰箱", "fridge", "送货同时", "at delivery", "搬运到位、调平、通电试机", "placing it, levelling it and a power-on test", "拆除旧冰箱搬下楼 50 元", "¥50 to take the old fridge downstairs"),
    ("washer", "洗衣机", "washing machine", "送达后 24 小时内", "within 24 hours of delivery", "进出水管连接、拆除运输螺栓、试机", "connecting the water pipes, removing the transit bolts and a test run", "加长进水管 30 元，水龙头更换 40 元", "a longer inlet hose ¥30, a new tap ¥40"),
    ("heater", "热水器", "water heater", "送达后 48 小时内", "within 48 hours of delivery", "挂架安装、进出水连接、试机", "mounting, water connections and a test", "混水阀 60 元，打孔（瓷砖）30 元/个", "a mixing valve ¥60, drilling tiles ¥30 a hole"),
    ("tv", "电视挂装", "TV wall mounting", "送达后 72 小时内", "within 72 hours of delivery", "标准挂架安装和开机调试", "mounting on a standard bracket and setting up", "伸缩挂架 150 元，走线槽 20 元/米", "a swivel bracket ¥150, cable trunking ¥20 a metre"),
    ("dishwasher", "洗碗机", "dishwasher", "送达后 72 小时内", "within 72 hours of delivery", "进排水连接、试机", "water and drain connections and a test", "嵌入式改柜 200 元起，三通阀 35 元", "cabinet changes for built-in models from ¥200, a tee valve ¥35"),
    ("hood", "油烟机", "range hood", "送达后 72 小时内", "within 72 hours of delivery", "安装主机、1.5 米排烟管、止逆阀", "mounting, 1.5 m of duct and a non-return valve", "加长烟管 40 元/米，墙面打孔 80 元", "extra duct ¥40 a metre, a wall hole ¥80"),
    ("purifier", "净水器", "water purifier", "送达后 48 小时内", "within 48 hours of delivery", "厨下安装、接管和试水", "under-sink installation, plumbing and a test", "前置过滤器 120 元，水龙头打孔 50 元", "a pre-filter ¥120, a tap hole ¥50"),
    ("stove", "燃气灶", "gas hob", "送达后 48 小时内", "within 48 hours of delivery", "安装、接气管、检漏", "installation, gas hose and a leak test", "更换燃气软管 60 元（必须使用合格软管）", "a new gas hose ¥60 (only approved hoses are used)"),
    ("dryer", "干衣机", "tumble dryer", "送达后 72 小时内", "within 72 hours of delivery", "安装调平、叠放架（与洗衣机叠放时）、试机", "levelling, a stacking kit when stacked on a washer, and a test", "排气管改装 50 元", "changing the exhaust hose ¥50"),
]


def appliance_articles(key, zh, en, when_zh, when_en, free_zh, free_en, extra_zh, extra_en):
    book = {
        "key": f"install-{key}", "cat": "appliances",
        "zh": {"t": f"{zh}怎么预约安装？", "s": f"购买{zh}后如何预约上门安装，师傅什么时候联系您。",
               "k": f"{zh} 安装 预约 上门 师傅",
               "b": f"在鲜到家购买的{zh}包含免费标准安装。\n\n## 预约\n1. 商品签收后，打开“我的订单”\n2. 点击“预约安装”，选择方便的日期和时段\n3. 安装师傅会在{when_zh}电话联系您确认\n\n"
                    f"## 安装前请准备\n- 确认安装位置的电源、水源或气源\n- 保留商品包装，师傅到场后当面开箱验机\n\n> 开箱时如发现外观损坏，请不要签字安装，直接联系客服换货。"},
        "en": {"t": f"How do I book installation for a {en}?", "s": f"Booking a technician for your {en} and when they will call.",
               "k": f"{en} installation book technician install",
               "b": f"A {en} bought from FreshHome comes with free standard installation.\n\n## Booking\n1. After delivery, open My orders\n2. Tap Book installation and choose a date and time\n3. The technician calls you {when_en} to confirm\n\n"
                    f"## Before the visit\n- Make sure the place has the power, water or gas connection it needs\n- Keep the box: the technician opens it with you and checks the unit\n\n> If the unit is damaged when unpacked, do not let it be installed; contact us for an exchange."},
    }
    fees = {
        "key": f"install-fees-{key}", "cat": "appliances",
        "zh": {"t": f"{zh}安装收费标准", "s": f"{zh}免费安装包含什么，哪些项目另外收费。",
               "k": f"{zh} 安装费 收费 材料费",
               "b": f"## 免费包含\n{free_zh}。\n\n## 另外收费的项目\n{extra_zh}。\n\n师傅收费前会先告诉您项目和金额，并在鲜到家 App 里生成收费单，请通过 App 付款，不要私下转账。"
                    "对收费有疑问，可以在订单里“安装服务”页面点击“收费有疑问”。"},
        "en": {"t": f"{en[0].upper() + en[1:]} installation fees", "s": f"What free installation of a {en} includes and what costs extra.",
               "k": f"{en} installation fee cost extra charge",
               "b": f"## Included for free\n{free_en[0].upper() + free_en[1:]}.\n\n## Extra items\n{extra_en[0].upper() + extra_en[1:]}.\n\nThe technician tells you what is needed and what it costs before starting, and issues the bill in the FreshHome app; please pay there, never by private transfer. "
                    "If a charge looks wrong, tap Question a charge on the Installation page of the order."},
    }
    return [book, fees]


def family_articles() -> list[dict]:
    out = [city_article(*row) for row in CITIES]
    out += [produce_article(*row) for row in PRODUCE]
    out += [payment_article(*row) for row in PAYMENTS]
    for row in APPLIANCES:
        out += appliance_articles(*row)
    return out
