"""Demo data for ``flask seed demo``: an org tree, one user per role, and each domain's living examples.

Domains add their demo data with :func:`loader`; loaders run once, inside the same transaction, in the
order of :data:`ORDER` — not in the order their modules happened to be imported, which differs between
``flask seed demo`` and a test process that imported one domain's demo first. The README lists the demo users.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from app.admin.models import SystemParameter
from app.auth.models import User
from app.database import DbSession
from app.org import services as org_services
from app.org.models import Org, OrgKind

DEMO_PASSWORD = "Licai@demo2026"  # noqa: S105  (documented demo password)
MARKER_KEY = "demo.loaded"


@dataclass
class DemoContext:
    """What demo loaders share: orgs and users by code, and how much data to make."""

    orgs: dict[str, Org] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    size: str = "full"  # "full" for make run, "small" for tests


LOADERS: list[tuple[str, Callable[[DbSession, DemoContext], None]]] = []
# Later loaders build on earlier ones (trades on customers, care and grading on trades, …).
ORDER = ("customers", "callcentre", "oa", "notices", "chat", "trades", "mining_conditions", "mining_tasks",
         "mining_rules", "hr_days", "staff", "quotas", "plans", "process_history", "surveys", "qa", "kb", "care",
         "complaints", "grading", "members")


def loader(name: str) -> Callable[[Callable[[DbSession, DemoContext], None]], Callable[[DbSession, DemoContext], None]]:
    """Register a domain's demo-data function."""

    def decorator(func: Callable[[DbSession, DemoContext], None]) -> Callable[[DbSession, DemoContext], None]:
        LOADERS.append((name, func))
        return func

    return decorator


DEMO_ORGS = [
    # code, name, kind, parent code
    ("HQ", "联宇财富", OrgKind.COMPANY, None),
    ("SH", "上海分公司", OrgKind.BRANCH, "HQ"),
    ("SH-BO", "上海后台运营部", OrgKind.DEPARTMENT, "SH"),
    ("SH-LC1", "理财一部", OrgKind.DEPARTMENT, "SH"),
    ("SH-LC1-A", "理财一部A组", OrgKind.GROUP, "SH-LC1"),
    ("SH-LC2", "理财二部", OrgKind.DEPARTMENT, "SH"),
]

DEMO_USERS = [
    # username, 工号, name, org code, roles, level, tier, superior
    ("admin", "A0001", "系统管理员", "HQ", ["admin"], "", "", None),
    ("manager01", "M0001", "王城经", "SH", ["city_manager"], "管理", "M2", None),
    ("head01", "H0001", "李主管", "SH-LC1", ["dept_head"], "管理", "M1", "manager01"),
    ("head11", "H0011", "赵主管", "SH-LC2", ["dept_head"], "管理", "M1", "manager01"),
    ("seat01", "S0001", "张坐席", "SH-LC1-A", ["seat"], "初级", "P1", "head01"),
    ("seat02", "S0002", "陈坐席", "SH-LC1-A", ["seat"], "初级", "P1", "head01"),
    ("seat11", "S0011", "刘坐席", "SH-LC2", ["seat"], "中级", "P2", "head11"),
    ("finance01", "F0001", "周财务", "SH-LC1", ["finance"], "", "", None),
    ("finance02", "F0002", "冯财务", "SH-LC1", ["finance"], "", "", None),  # reviews finance01's payouts (四眼)
    ("finance11", "F0011", "吴财务", "SH-LC2", ["finance"], "", "", None),
    ("service01", "T0001", "孙投服", "SH", ["investor_service"], "", "", None),
    ("designer01", "D0001", "郑设计", "HQ", ["process_designer"], "", "", None),
    ("hr01", "R0001", "钱人事", "SH", ["hr"], "", "", None),
    ("kb01", "K0001", "林审核", "HQ", ["kb_reviewer"], "", "", None),  # 知识审核员 (知识库审核)
]


def _core(session: DbSession, ctx: DemoContext) -> None:
    for code, name, kind, parent in DEMO_ORGS:
        parent_id = ctx.orgs[parent].id if parent else None
        ctx.orgs[code] = org_services.create_org(session, name, code, kind, parent_id)
    for username, work_no, name, org_code, roles, level, tier, superior in DEMO_USERS:
        ctx.users[username] = org_services.create_user(
            session, username=username, work_no=work_no, name=name, org_id=ctx.orgs[org_code].id,
            password=DEMO_PASSWORD, role_codes=roles, level=level, tier=tier,
            superior_id=ctx.users[superior].id if superior else None,
        )


def is_loaded(session: DbSession) -> bool:
    return session.get(SystemParameter, MARKER_KEY) is not None or bool(
        session.scalar(select(User.id).where(User.username == "admin"))
    )


def load(session: DbSession, size: str = "full") -> DemoContext:
    """Create the demo data; callers check :func:`is_loaded` first and commit afterwards."""
    ctx = DemoContext(size=size)
    _core(session, ctx)
    unknown = sorted({name for name, _func in LOADERS} - set(ORDER))
    if unknown:
        raise RuntimeError(f"demo loaders missing from app.demo.ORDER: {', '.join(unknown)}")
    for _name, func in sorted(LOADERS, key=lambda entry: ORDER.index(entry[0])):
        func(session, ctx)
        session.flush()
    session.add(SystemParameter(key=MARKER_KEY, value="true", value_type="bool", label="演示数据已载入",
                                description="载入演示数据时写入；为“是”时不再重复载入", section="系统"))
    session.flush()
    return ctx
