"""Permission and menu entry of rankings (业绩排名): the board is public inside the company, so one permission
held by every seller and their managers opens it (and the home page's 金榜 / 银榜)."""

from app import menu
from app.auth.permissions import define, grant

RANKINGS_VIEW = define("performance.rankings",
                       "业绩排名（全公司或分公司/部门的成单量、邀约量、交易金额排名，首页金榜/银榜）", kind="menu",
                       section="业绩")

grant("city_manager", RANKINGS_VIEW)
grant("dept_head", RANKINGS_VIEW)
grant("seat", RANKINGS_VIEW)

menu.add("performance", "业绩排名", "rankings.index", RANKINGS_VIEW, order=20)
