"""Permission codes, menu entries and base-data dictionaries of products and projects."""

from app import menu
from app.admin import dictionaries
from app.auth.permissions import define, grant

CATEGORIES = define("products.categories", "项目分类维护", kind="menu", section="产品管理")
PROJECT_VIEW = define("products.view", "理财项目查询", kind="menu", section="产品管理")
PROJECT_MANAGE = define("products.manage", "理财项目维护（新建、修改、删除、发布、募集结果、收益、完成）",
                        section="产品管理")

grant("investor_service", CATEGORIES, PROJECT_VIEW, PROJECT_MANAGE)
grant("finance", PROJECT_VIEW)
grant("dept_head", PROJECT_VIEW)
grant("city_manager", PROJECT_VIEW)

menu.add("products", "项目分类维护", "categories.index", CATEGORIES, order=10)
menu.add("products", "理财项目维护", "projects.index", PROJECT_VIEW, order=20)

RISK_LEVEL = dictionaries.define("risk_level", "产品风险等级", [
    ("R1", "R1 低风险"), ("R2", "R2 中低风险"), ("R3", "R3 中风险"), ("R4", "R4 中高风险"), ("R5", "R5 高风险"),
])
INTEREST_SCHEDULE = dictionaries.define("interest_schedule", "付息方式", [
    ("monthly", "按月付息"), ("quarterly", "按季付息"), ("semiannual", "按半年付息"), ("annual", "按年付息"),
    ("maturity", "到期一次还本付息"),
])
