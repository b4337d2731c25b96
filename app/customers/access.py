"""Permission codes, menu entries and base-data dictionaries of the customers domain."""

from app import menu
from app.admin import dictionaries
from app.auth.permissions import define, grant

CUSTOMERS_VIEW = define("customers.view", "客户信息管理（查询、客户 360）", kind="menu", section="客户管理")
CUSTOMERS_EDIT = define("customers.edit", "客户新增、修改、移动分类", section="客户管理")
CUSTOMERS_EXPORT = define("customers.export", "客户导出", section="客户管理")
CUSTOMERS_IMPORT = define("customers.import", "客户信息导入", kind="menu", section="客户管理")
CUSTOMERS_MERGE = define("customers.merge", "合并客户信息（含批量合并）", kind="menu", section="客户管理")
CUSTOMERS_DELETE = define("customers.delete", "删除客户（无交易、无未结束流程的）", section="客户管理")
CUSTOMERS_RESTORE = define("customers.restore", "已删除客户（查看、恢复）", kind="menu", section="客户管理")
CATEGORIES_MANAGE = define("customers.categories", "客户分类维护", kind="menu", section="客户管理")
BLACKLIST_MARK = define("blacklist.mark", "标记黑名单电话", section="客户管理")
BLACKLIST_MANAGE = define("blacklist.manage", "电话黑名单维护（解除）", kind="menu", section="客户管理")
WORKBENCH = define("workbench.customers", "工作平台：当前客户、意向客户、有效客户", kind="menu", section="工作平台")

grant("seat", CUSTOMERS_VIEW, CUSTOMERS_EDIT, CUSTOMERS_EXPORT, BLACKLIST_MARK, WORKBENCH)
grant("dept_head", CUSTOMERS_VIEW, CUSTOMERS_EDIT, CUSTOMERS_EXPORT, CUSTOMERS_IMPORT, CUSTOMERS_MERGE,
      CUSTOMERS_DELETE, BLACKLIST_MARK, BLACKLIST_MANAGE, WORKBENCH)
grant("city_manager", CUSTOMERS_VIEW, CUSTOMERS_EDIT, CUSTOMERS_EXPORT, CUSTOMERS_IMPORT, CUSTOMERS_MERGE,
      CUSTOMERS_DELETE, CATEGORIES_MANAGE, BLACKLIST_MANAGE)
# 已删除客户 (restore) is the administrator's alone: no built-in role is granted it.
grant("finance", CUSTOMERS_VIEW)
grant("investor_service", CUSTOMERS_VIEW)

CUSTOMER_SOURCE = dictionaries.define("customer_source", "客户来源", [
    ("phone", "电话营销"), ("web", "网络推广"), ("referral", "客户转介绍"), ("salon", "活动沙龙"),
    ("import", "数据导入"), ("walk_in", "自行来访"), ("other", "其他"),
])
CUSTOMER_GRADE = dictionaries.define("customer_grade", "客户等级", [("A", "A 类"), ("B", "B 类"), ("C", "C 类")],
                                     "按订单规模与发展潜力评分分级（A 最高）")

menu.add("workbench", "当前客户", "customers.current", WORKBENCH, order=10)
menu.add("workbench", "意向客户", "customers.intent", WORKBENCH, order=20)
menu.add("workbench", "有效客户", "customers.valid", WORKBENCH, order=30)
menu.add("customers", "客户信息管理", "customers.index", CUSTOMERS_VIEW, order=10)
menu.add("customers", "客户信息导入", "customer_imports.index", CUSTOMERS_IMPORT, order=20)
menu.add("customers", "合并客户信息", "customer_merge.index", CUSTOMERS_MERGE, order=30)
menu.add("customers", "客户分类维护", "customer_categories.index", CATEGORIES_MANAGE, order=40)
menu.add("customers", "电话黑名单", "customers.blacklist_page", BLACKLIST_MANAGE, order=50)
menu.add("customers", "已删除客户", "customer_lifecycle.deleted", CUSTOMERS_RESTORE, order=60)
