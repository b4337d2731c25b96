"""Org tree and employee maintenance (用户组织维护, 用户维护, 升降级, 离职)."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import selectinload

from app import clock, signals
from app.admin import dictionaries
from app.audit import services as audit
from app.auth import services as auth_services
from app.auth.models import Role, User, UserLevelChange, UserStatus, user_roles
from app.auth.permissions import ADMIN_ROLE
from app.database import DbSession
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.org import scope as data_scope
from app.org.models import Org, OrgKind
from app.org.scope import Scope


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


# --- employees (用户维护) ------------------------------------------------------------------------------

USERNAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{1,49}$")
PHONE_PATTERN = re.compile(r"^[0-9+\-() ]{5,30}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_WEIGHT = 1000


def user_query(session: DbSession, scope: Scope, *, text: str = "", org_id: int | None = None,
               status: UserStatus | None = None, role_id: int | None = None) -> Select[Any]:
    """Build the user list query: inside the data scope, filtered by name/工号/username, org subtree, status, role."""
    stmt = data_scope.apply(select(User), scope, User.org_id, User.id)
    if text := text.strip():
        stmt = stmt.where(or_(User.name.icontains(text, autoescape=True),
                              User.work_no.icontains(text, autoescape=True),
                              User.username.icontains(text, autoescape=True)))
    if org_id:
        org = get_org(session, org_id)
        stmt = stmt.where(User.org_id.in_(select(Org.id).where(Org.path.startswith(org.path))))
    if status is not None:
        stmt = stmt.where(User.status == status)
    if role_id:
        stmt = stmt.where(User.id.in_(select(user_roles.c.user_id).where(user_roles.c.role_id == role_id)))
    return stmt.options(selectinload(User.org), selectinload(User.roles)).order_by(User.work_no)


def _require_active(user: User) -> None:
    if user.status != UserStatus.ACTIVE:
        raise Conflict(f"{user.name} 已离职，不能再修改")


def _active_org(session: DbSession, org_id: int) -> Org:
    org = get_org(session, org_id)
    if not org.active:
        raise ValidationFailed("所选组织已停用")
    return org


def _check_contact(phone: str, email: str) -> None:
    if phone and not PHONE_PATTERN.match(phone):
        raise ValidationFailed("手机号格式不正确")
    if email and (len(email) > 120 or not EMAIL_PATTERN.match(email)):
        raise ValidationFailed("邮箱格式不正确")


EXTENSION_PATTERN = re.compile(r"^\d{2,10}$")


def _clean_extension(session: DbSession, user: User | None, extension: str) -> str | None:
    """分机号: 2–10 digits, one user each; empty is none (the CTI screen-pop finds a seat by it)."""
    extension = extension.strip()
    if not extension:
        return None
    if not EXTENSION_PATTERN.match(extension):
        raise ValidationFailed("分机号应为 2–10 位数字")
    holder = session.scalar(select(User).where(User.extension == extension))
    if holder is not None and holder is not user:
        raise Conflict(f"分机号 {extension} 已分配给 {holder.name}（{holder.work_no}）")
    return extension


def _check_weight(weight: int) -> None:
    if not 0 <= weight <= MAX_WEIGHT:
        raise ValidationFailed(f"分配权重应在 0 到 {MAX_WEIGHT} 之间")


def _check_level(session: DbSession, level: str, tier: str) -> None:
    if level and level not in {code for code, _ in dictionaries.choices(session, dictionaries.USER_LEVEL)}:
        raise ValidationFailed(f"层级“{level}”不在基础数据“员工层级”中")
    if tier and tier not in {code for code, _ in dictionaries.choices(session, dictionaries.USER_TIER)}:
        raise ValidationFailed(f"级别“{tier}”不在基础数据“员工级别”中")


def _check_superior(session: DbSession, user: User | None, superior_id: int) -> None:
    superior = session.get(User, superior_id)
    if superior is None:
        raise ValidationFailed("所选上级不存在")
    if superior.status != UserStatus.ACTIVE:
        raise ValidationFailed("所选上级已离职")
    # Walking up from the new superior must never reach the user: no reporting loops.
    seen: set[int] = set()
    current: User | None = superior
    while current is not None and current.id not in seen:
        if user is not None and current.id == user.id:
            raise ValidationFailed("上级不能是本人或本人的下属")
        seen.add(current.id)
        current = current.superior


def create_user(session: DbSession, *, username: str, work_no: str, name: str, org_id: int, password: str,
                level: str = "", tier: str = "", weight: int = 1, role_codes: list[str] | None = None,
                superior_id: int | None = None, phone: str = "", email: str = "", extension: str = "") -> User:
    """Create an employee account with an initial password and roles."""
    username, work_no, name = username.strip(), work_no.strip(), name.strip()
    phone, email = phone.strip(), email.strip()
    if not username or not work_no or not name:
        raise ValidationFailed("用户名、工号、姓名均不能为空")
    if not USERNAME_PATTERN.match(username):
        raise ValidationFailed("用户名只能包含字母、数字、下划线、点和减号，且以字母开头")
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise Conflict(f"用户名 {username} 已存在")
    if session.scalar(select(User.id).where(User.work_no == work_no)):
        raise Conflict(f"工号 {work_no} 已存在")
    org = _active_org(session, org_id)
    _check_weight(weight)
    _check_contact(phone, email)
    extension_value = _clean_extension(session, None, extension)
    _check_level(session, level, tier)
    if superior_id:
        _check_superior(session, None, superior_id)
    auth_services.check_password_policy(password, username, name)
    user = User(username=username, work_no=work_no, name=name, org=org, level=level, tier=tier, weight=weight,
                superior_id=superior_id or None, phone=phone, email=email, extension=extension_value,
                password_hash=auth_services.hash_password(password), password_changed_at=clock.now())
    if role_codes:
        user.roles = list(session.scalars(select(Role).where(Role.code.in_(role_codes))))
    session.add(user)
    session.flush()
    if role_codes:
        audit.record(session, "user.roles", user, summary=f"{user.name} 初始角色",
                     before={"roles": []}, after={"roles": sorted(user.role_codes)})
    return user


def update_user(session: DbSession, user: User, *, name: str, org_id: int, superior_id: int | None,
                phone: str, email: str, weight: int, extension: str | None = None) -> None:
    """Change an employee's name, org, superior, contact details, distribution weight and (given) 分机号."""
    _require_active(user)
    name, phone, email = name.strip(), phone.strip(), email.strip()
    if not name:
        raise ValidationFailed("姓名不能为空")
    _check_weight(weight)
    _check_contact(phone, email)
    extension_value = user.extension if extension is None else _clean_extension(session, user, extension)
    # Check everything before changing anything: a check's query would autoflush half an edit.
    org = _active_org(session, org_id) if org_id != user.org_id else user.org
    if superior_id and superior_id != user.superior_id:
        _check_superior(session, user, superior_id)
    # Columns, not relationships, so the audit diff (column history) sees the change.
    user.org_id, user.superior_id = org.id, superior_id or None
    user.name, user.phone, user.email, user.weight = name, phone, email, weight
    user.extension = extension_value
    session.flush()
    session.expire(user, ["org", "superior"])


def change_level(session: DbSession, user: User, level: str, tier: str, remark: str, actor: User | None) -> None:
    """Promote or demote (升降级) an employee, keeping the remark in the level history."""
    _require_active(user)
    remark = remark.strip()
    if not level or not tier:
        raise ValidationFailed("请选择层级和级别")
    if not remark:
        raise ValidationFailed("请填写升降级备注")
    if level == user.level and tier == user.tier:
        raise ValidationFailed("层级与级别没有变化")
    _check_level(session, level, tier)
    before = {"level": user.level, "tier": user.tier}
    session.add(UserLevelChange(user_id=user.id, from_level=user.level, from_tier=user.tier,
                                to_level=level, to_tier=tier, remark=remark,
                                changed_by_id=actor.id if actor else None))
    user.level, user.tier = level, tier
    session.flush()
    audit.record(session, "user.level", user, before=before, after={"level": level, "tier": tier},
                 summary=f"{user.name} 升降级：{before['level'] or '—'}/{before['tier'] or '—'} → {level}/{tier}；"
                         f"备注：{remark}")


def level_history(session: DbSession, user: User) -> list[UserLevelChange]:
    """Return a user's promotions and demotions, newest first."""
    return list(session.scalars(
        select(UserLevelChange).where(UserLevelChange.user_id == user.id)
        .options(selectinload(UserLevelChange.changed_by))
        .order_by(UserLevelChange.changed_at.desc(), UserLevelChange.id.desc())
    ))


def _ensure_another_admin(session: DbSession, user: User) -> None:
    others = session.scalar(
        select(func.count(User.id)).join(user_roles, user_roles.c.user_id == User.id)
        .join(Role, Role.id == user_roles.c.role_id)
        .where(Role.code == ADMIN_ROLE, User.status == UserStatus.ACTIVE, User.id != user.id)
    )
    if not others:
        raise Conflict("至少需要保留一名在职的系统管理员")


def mark_left(session: DbSession, user: User) -> None:
    """Disable a leaving employee (离职) in one action: sessions end, tokens stop, receivers hand over work."""
    if user.status == UserStatus.LEFT:
        raise Conflict("该员工已是离职状态")
    if ADMIN_ROLE in user.role_codes:
        _ensure_another_admin(session, user)
    user.status = UserStatus.LEFT
    user.left_at = clock.now()
    auth_services.revoke_user_sessions(session, user.id, reason="left")
    session.flush()
    signals.user_left.send(session, user=user)
    audit.record(session, "user.left", user, summary=f"{user.name}（{user.work_no}）离职")


def assign_roles(session: DbSession, user: User, role_ids: Collection[int], *, by_admin: bool) -> bool:
    """Set the roles a user holds (用户角色维护); audited with before/after role codes. Returns whether it changed."""
    _require_active(user)
    wanted = set(role_ids)
    roles = list(session.scalars(select(Role).where(Role.id.in_(wanted)).order_by(Role.id)))
    if len(roles) != len(wanted):
        raise ValidationFailed("所选角色不存在")
    before = sorted(user.role_codes)
    after = sorted(role.code for role in roles)
    if before == after:
        return False
    if (ADMIN_ROLE in before) != (ADMIN_ROLE in after) and not by_admin:
        raise Forbidden("只有系统管理员可以授予或撤销系统管理员角色")
    if ADMIN_ROLE in before and ADMIN_ROLE not in after:
        _ensure_another_admin(session, user)
    user.roles = roles
    session.flush()
    audit.record(session, "user.roles", user, before={"roles": before}, after={"roles": after},
                 summary=f"{user.name} 角色：{'、'.join(before) or '无'} → {'、'.join(after) or '无'}")
    return True


def reset_password(session: DbSession, user: User, password: str) -> None:
    """Set a new password for an employee (admin reset): policy checked, their sessions end, lockout cleared."""
    _require_active(user)
    auth_services.set_password(session, user, password)
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, "user.reset_password", user, summary=f"重置 {user.name}（{user.username}）的密码")


def unlock_user(session: DbSession, user: User) -> None:
    """Clear an account lockout before it expires (解锁)."""
    if auth_services.locked_until(session, user) is None:
        raise Conflict("该账户未被锁定")
    auth_services.unlock(session, user)
