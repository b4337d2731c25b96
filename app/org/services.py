"""Org tree and employee maintenance (用户组织维护, 用户维护, 升降级, 离职)."""

from __future__ import annotations

from sqlalchemy import func, select, update

from app import clock, signals
from app.audit import services as audit
from app.auth import services as auth_services
from app.auth.models import Role, User, UserLevelChange, UserStatus
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.org.models import Org, OrgKind


def get_org(session: DbSession, org_id: int) -> Org:
    org = session.get(Org, org_id)
    if org is None:
        raise NotFound("组织不存在")
    return org


def _check_parent(kind: OrgKind, parent: Org | None) -> None:
    if parent is None:
        if kind != OrgKind.COMPANY:
            raise ValidationFailed("只有公司可以作为顶级组织")
        return
    if kind == OrgKind.COMPANY:
        raise ValidationFailed("公司只能是顶级组织")
    if kind.rank < parent.kind.rank or (kind == parent.kind and kind != OrgKind.DEPARTMENT):
        raise ValidationFailed(f"{kind.label}不能放在{parent.kind.label}之下")
    if not parent.active:
        raise ValidationFailed("上级组织已停用")


def create_org(session: DbSession, name: str, code: str, kind: OrgKind, parent_id: int | None,
               sort: int = 0) -> Org:
    """Create an org node under a parent, keeping the company → branch → department → group order."""
    name, code = name.strip(), code.strip()
    if not name or not code:
        raise ValidationFailed("请填写组织名称和编码")
    parent = get_org(session, parent_id) if parent_id else None
    _check_parent(kind, parent)
    if session.scalar(select(Org.id).where(Org.code == code)):
        raise Conflict(f"组织编码 {code} 已存在")
    org = Org(name=name, code=code, kind=kind, parent=parent, sort=sort)
    session.add(org)
    session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    session.flush()
    return org


def rename_org(session: DbSession, org: Org, name: str) -> None:
    name = name.strip()
    if not name:
        raise ValidationFailed("请填写组织名称")
    org.name = name


def move_org(session: DbSession, org: Org, new_parent_id: int) -> None:
    """Move a subtree under another parent; every descendant path is rewritten in one UPDATE."""
    parent = get_org(session, new_parent_id)
    if parent.path.startswith(org.path):
        raise ValidationFailed("不能把组织移动到它自己或它的下级之下")
    _check_parent(org.kind, parent)
    old_path = org.path
    new_path = f"{parent.path}{org.id}/"
    org.parent = parent
    session.flush()
    session.execute(
        update(Org).where(Org.path.startswith(old_path))
        .values(path=new_path + func.substr(Org.path, len(old_path) + 1)),
        execution_options={"synchronize_session": False},
    )
    session.expire_all()
    audit.record(session, "org.move", org, summary=f"移动组织 {org.name}",
                 before={"path": old_path}, after={"path": new_path})


def set_org_active(session: DbSession, org: Org, active: bool) -> None:
    """Disable or re-enable an org; disabling needs no active users or active children below it."""
    if not active:
        busy_users = session.scalar(
            select(func.count(User.id)).join(Org, Org.id == User.org_id)
            .where(Org.path.startswith(org.path), User.status == UserStatus.ACTIVE)
        )
        if busy_users:
            raise Conflict(f"该组织及其下级还有 {busy_users} 名在职员工，请先调整后再停用")
        session.execute(update(Org).where(Org.path.startswith(org.path)).values(active=False),
                        execution_options={"synchronize_session": False})
        session.expire_all()
    else:
        if org.parent is not None and not org.parent.active:
            raise ValidationFailed("请先启用上级组织")
        org.active = True


def org_tree(session: DbSession, root_path: str = "/") -> list[Org]:
    """Return the orgs under ``root_path`` ordered depth-first for rendering as a tree."""
    orgs = list(session.scalars(select(Org).where(Org.path.startswith(root_path))))
    by_parent: dict[int | None, list[Org]] = {}
    for org in orgs:
        by_parent.setdefault(org.parent_id, []).append(org)
    ids = {org.id for org in orgs}
    roots = [org for org in orgs if org.parent_id not in ids]
    ordered: list[Org] = []

    def walk(nodes: list[Org]) -> None:
        for node in sorted(nodes, key=lambda o: (o.sort, o.id)):
            ordered.append(node)
            walk(by_parent.get(node.id, []))

    walk(roots)
    return ordered


def create_user(session: DbSession, *, username: str, work_no: str, name: str, org_id: int, password: str,
                level: str = "", tier: str = "", weight: int = 1, role_codes: list[str] | None = None,
                superior_id: int | None = None, phone: str = "", email: str = "") -> User:
    """Create an employee account with an initial password and roles."""
    username, work_no, name = username.strip(), work_no.strip(), name.strip()
    if not username or not work_no or not name:
        raise ValidationFailed("用户名、工号、姓名均不能为空")
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise Conflict(f"用户名 {username} 已存在")
    if session.scalar(select(User.id).where(User.work_no == work_no)):
        raise Conflict(f"工号 {work_no} 已存在")
    org = get_org(session, org_id)
    if not org.active:
        raise ValidationFailed("所选组织已停用")
    if weight < 0:
        raise ValidationFailed("分配权重不能为负数")
    auth_services.check_password_policy(password, username)
    user = User(username=username, work_no=work_no, name=name, org=org, level=level, tier=tier, weight=weight,
                superior_id=superior_id, phone=phone, email=email,
                password_hash=auth_services.hash_password(password), password_changed_at=clock.now())
    if role_codes:
        user.roles = list(session.scalars(select(Role).where(Role.code.in_(role_codes))))
    session.add(user)
    session.flush()
    return user


def change_level(session: DbSession, user: User, level: str, tier: str, remark: str, actor: User | None) -> None:
    """Promote or demote (升降级) an employee, keeping the remark in the level history."""
    remark = remark.strip()
    if not remark:
        raise ValidationFailed("请填写升降级备注")
    if level == user.level and tier == user.tier:
        raise ValidationFailed("层级与级别没有变化")
    session.add(UserLevelChange(user_id=user.id, from_level=user.level, from_tier=user.tier,
                                to_level=level, to_tier=tier, remark=remark,
                                changed_by_id=actor.id if actor else None))
    user.level, user.tier = level, tier


def mark_left(session: DbSession, user: User) -> None:
    """Disable a leaving employee (离职) in one action: sessions end, tokens stop, receivers hand over work."""
    if user.status == UserStatus.LEFT:
        raise Conflict("该员工已是离职状态")
    user.status = UserStatus.LEFT
    user.left_at = clock.now()
    auth_services.revoke_user_sessions(session, user.id, reason="left")
    session.flush()
    signals.user_left.send(session, user=user)
    audit.record(session, "user.left", user, summary=f"{user.name}（{user.work_no}）离职")
