"""What a task form's 客户 / 理财项目 / 角色 / 附件 fields may hold for the user filling it in.

The browser posts ids; these rules decide, on the server, whether the user may name the object:

- a customer: in the user's customer data scope (app.org.scope with 客户信息管理's permission) and in an
  information pool they see (app.customers.visibility) — the rule of every customer screen;
- a project: one offered to the user's org (managed by it or an org above it, as trades offer them) or inside
  their 理财项目查询 data scope;
- a role: an existing role;
- a file: uploaded by this user into this form, uploaded into this task (a delegate's), or already in the
  process (a previous step's file).

The searches behind the pickers use the same rules and return a bounded page (the customer search is the
indexed 客户信息管理 search, fit for a million customers).
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

from flask import current_app
from sqlalchemy import Select, or_, select
from werkzeug.datastructures import FileStorage

from app.auth.models import Role, User
from app.customers import services as customers
from app.customers.models import Customer
from app.database import DbSession
from app.designer.models import TaskFormFile
from app.errors import ValidationFailed
from app.oa.attachments import file_kind, safe_filename
from app.org import scope as data_scope
from app.products.access import PROJECT_VIEW
from app.products.models import Project

SEARCH_LIMIT = 20


class UserLookups:
    """forms.task_forms.Lookups for one user filling in one form."""

    def __init__(self, session: DbSession, user: User | None, form_key: str, accepted_files: set[int] | None = None,
                 task_id: int | None = None) -> None:
        self.session, self.user, self.form_key, self.task_id = session, user, form_key, task_id
        self.accepted_files = accepted_files or set()

    def customer(self, ident: int) -> str | None:
        if self.user is None:
            return None
        return customer_name(self.session, self.user, ident)

    def project(self, ident: int) -> str | None:
        if self.user is None:
            return None
        row = self.session.execute(_projects(self.session, self.user).where(Project.id == ident)).first()
        return f"{row.name}（{row.code}）" if row else None

    def file(self, ident: int) -> str | None:
        row = self.session.get(TaskFormFile, ident)
        if row is None or self.user is None:
            return None
        if ident in self.accepted_files or (row.uploaded_by_id == self.user.id and row.form_key == self.form_key):
            return row.filename
        if self.task_id is not None and row.task_id == self.task_id and row.form_key == self.form_key:
            return row.filename  # uploaded into this very task (by a delegate who handed it back)
        return None

    def roles(self) -> list[tuple[str, str]]:
        return [(code, name) for code, name in self.session.execute(select(Role.code, Role.name).order_by(Role.id))]


def customer_name(session: DbSession, user: User, ident: int) -> str | None:
    scope = customers.customer_scope(session, user)
    stmt = cast(Select[Any], select(Customer.name, Customer.number))
    row = session.execute(customers.scoped(stmt, scope).where(Customer.id == ident)).first()
    return f"{row.name}（{row.number}）" if row else None


def search_customers(session: DbSession, user: User, text: str) -> list[dict[str, Any]]:
    """Customers in the user's scope matching every word (name, number, phone …), at most a page."""
    if not text.strip():
        return []
    scope = customers.customer_scope(session, user)
    columns = cast(Select[Any], select(Customer.id, Customer.name, Customer.number))
    stmt = customers.filter_customers(customers.scoped(columns, scope), customers.CustomerFilter(q=text[:100]))
    return [{"id": row.id, "label": f"{row.name}（{row.number}）"}
            for row in session.execute(stmt.order_by(Customer.id.desc()).limit(SEARCH_LIMIT))]


def _projects(session: DbSession, user: User) -> Any:
    scope = data_scope.scope_of(session, user, PROJECT_VIEW)
    offered = Project.org_id.in_(user.org.ancestor_ids) if user.org is not None else Project.id.is_(None)
    return select(Project.id, Project.name, Project.code).where(or_(offered, data_scope.org_condition(scope,
                                                                                                      Project.org_id)))


def search_projects(session: DbSession, user: User, text: str) -> list[dict[str, Any]]:
    """Projects the user may pick whose name or code contains the text, at most a page."""
    text = text.strip()[:100]
    if not text:
        return []
    stmt = _projects(session, user).where(or_(Project.name.icontains(text, autoescape=True),
                                              Project.code.icontains(text, autoescape=True)))
    return [{"id": row.id, "label": f"{row.name}（{row.code}）"}
            for row in session.execute(stmt.order_by(Project.id.desc()).limit(SEARCH_LIMIT))]


def store_upload(session: DbSession, user: User, form_key: str, task_id: int | None, upload: FileStorage
                 ) -> TaskFormFile:
    """Keep a file posted into a 附件 field after checking its size and type (by its bytes, as OA attachments)."""
    filename = safe_filename(upload.filename or "")
    data = upload.read()
    limit = int(current_app.config.get("MAX_CONTENT_LENGTH") or 20 * 1024 * 1024)
    if not data:
        raise ValidationFailed(f"附件“{filename}”是空文件")
    if len(data) > limit:
        raise ValidationFailed(f"附件“{filename}”超过 {limit // (1024 * 1024)} MB 的大小上限")
    kind = file_kind(filename, data)
    row = TaskFormFile(form_key=form_key, task_id=task_id, filename=filename, content_type=kind.content_type,
                       size=len(data), sha256=hashlib.sha256(data).hexdigest(), content=data,
                       uploaded_by_id=user.id)
    session.add(row)
    session.flush()
    return row
