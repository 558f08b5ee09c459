"""The help centre's categories for 鲜到家 FreshHome: (slug, 中文, English, parent slug,
中文说明, English description)."""

CATEGORIES = [
    ("orders", "订单与支付", "Orders and payment", None, "下单、修改、取消和付款", "Placing, changing, cancelling and paying"),
    ("orders-placing", "下单与修改订单", "Placing and changing orders", "orders", "", ""),
    ("payment", "支付", "Payment", "orders", "", ""),
    ("delivery", "配送", "Delivery", None, "配送范围、时段和运费", "Areas, slots and fees"),
    ("delivery-areas", "配送范围与运费", "Delivery areas and fees", "delivery", "", ""),
    ("delivery-slots", "配送时段与收货", "Delivery slots and receiving", "delivery", "", ""),
    ("refunds", "退款与售后", "Refunds and after-sales", None, "退款到账、退换货、商品质量", "Refund timing, returns, product quality"),
    ("refunds-money", "退款到账", "When refunds arrive", "refunds", "", ""),
    ("returns", "退换货", "Returns and exchanges", "refunds", "", ""),
    ("quality", "商品质量问题", "Product quality", "refunds", "", ""),
    ("fresh", "生鲜保存", "Keeping fresh food", None, "收到生鲜后如何保存", "How to store what you receive"),
    ("appliances", "家电安装", "Appliance installation", None, "预约安装和收费标准", "Booking installation and fees"),
    ("membership", "会员与积分", "Membership and points", None, "会员等级、积分、优惠券", "Tiers, points, coupons"),
    ("coupons", "优惠券与活动", "Coupons and promotions", "membership", "", ""),
    ("invoices", "发票", "Invoices", None, "电子发票、专用发票和抬头", "E-invoices, VAT invoices and titles"),
    ("account", "账号与隐私", "Account and privacy", None, "注册登录、地址、隐私", "Sign-in, addresses, privacy"),
    ("gift", "礼品卡与企业采购", "Gift cards and business orders", None, "", ""),
    ("green", "包装与环保", "Packaging and the environment", None, "", ""),
    ("internal", "内部手册", "Agent handbook", None, "仅客服可见", "For agents only"),
]

#: Product names and jargon the segmenter must keep whole.
DICTIONARY = ["鲜到家", "鲜豆", "黑金卡", "半日达", "次日达", "冷链箱", "保温箱", "云闪付", "鲜到家会员"]

#: Words customers use for the same thing.
SYNONYMS = [
    "退钱, 退款, 退费, refund, money back",
    "发票, 开票, 票据, invoice",
    "配送, 送货, 快递, delivery",
    "积分, 鲜豆, points",
    "优惠券, 券, 红包, coupon, voucher",
    "安装, 装机, 上门安装, installation, install",
    "坏了, 变质, 腐烂, 烂了, spoiled, rotten",
    "取消订单, 撤单, cancel order",
]
