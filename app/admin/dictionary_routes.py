"""Base data screens (基础数据维护): dictionaries and their items (add, rename, reorder, disable)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from app.admin import dictionaries as services
from app.admin.access import BASEDATA_MANAGE
from app.admin.models import BaseDataItem, BaseDictionary
from app.auth.permissions import require
from app.errors import DomainError, ValidationFailed, refused
from app.extensions import db
from forms.admin import DictionaryForm, DictionaryItemForm, ItemLabelForm
from forms.base import first_error

bp = Blueprint("basedata", __name__, url_prefix="/admin/base-data")


def _index_page(form: DictionaryForm, status: int = 200) -> Any:
    rows = db.session.execute(
        select(BaseDictionary, func.count(BaseDataItem.id))
        .outerjoin(BaseDataItem, BaseDataItem.dict_code == BaseDictionary.code)
        .group_by(BaseDictionary.code).order_by(BaseDictionary.builtin.desc(), BaseDictionary.code)
    ).all()
    return render_template("admin/base_data.html", rows=rows, form=form), status


def _dictionary_page(dictionary: BaseDictionary, form: DictionaryItemForm, status: int = 200) -> Any:
    return render_template("admin/dictionary.html", dictionary=dictionary, form=form,
                           items=services.items(db.session, dictionary.code, include_inactive=True)), status


@bp.get("/")
@require(BASEDATA_MANAGE)
def index() -> Any:
    return _index_page(DictionaryForm(formdata=None))


@bp.post("/")
@require(BASEDATA_MANAGE)
def create_dictionary() -> Any:
    form = DictionaryForm()
    if not form.validate():
        flash(first_error(form), "danger")
        return _index_page(form, 422)
    try:
        dictionary = services.create_dictionary(db.session, form.code.data or "", form.name.data or "",
                                                form.description.data or "")
    except DomainError as exc:
        return refused(exc, lambda: _index_page(form))
    db.session.commit()
    flash(f"已新增字典“{dictionary.name}”，请添加数据项", "success")
    return redirect(url_for("basedata.dictionary", code=dictionary.code))


@bp.get("/<code>")
@require(BASEDATA_MANAGE)
def dictionary(code: str) -> Any:
    return _dictionary_page(services.get_dictionary(db.session, code), DictionaryItemForm(formdata=None))


@bp.post("/<code>/items")
@require(BASEDATA_MANAGE)
def add_item(code: str) -> Any:
    dictionary_ = services.get_dictionary(db.session, code)
    form = DictionaryItemForm()
    if not form.validate():
        flash(first_error(form), "danger")
        return _dictionary_page(dictionary_, form, 422)
    try:
        item = services.add_item(db.session, dictionary_, form.code.data or "", form.label.data or "")
    except DomainError as exc:
        return refused(exc, lambda: _dictionary_page(services.get_dictionary(db.session, code), form))
    db.session.commit()
    flash(f"已添加“{item.label}”", "success")
    return redirect(url_for("basedata.dictionary", code=code))


def _item(code: str, item_id: int) -> BaseDataItem:
    return services.get_item(db.session, services.get_dictionary(db.session, code), item_id)


@bp.post("/<code>/items/<int:item_id>")
@require(BASEDATA_MANAGE)
def update_item(code: str, item_id: int) -> Any:
    item = _item(code, item_id)
    form = ItemLabelForm()
    if not form.validate():
        raise ValidationFailed(first_error(form))
    services.update_item(db.session, item, form.label.data or "")
    db.session.commit()
    flash(f"已保存“{item.label}”", "success")
    return redirect(url_for("basedata.dictionary", code=code))


@bp.post("/<code>/items/<int:item_id>/move")
@require(BASEDATA_MANAGE)
def move_item(code: str, item_id: int) -> Any:
    direction = request.form.get("direction", "")
    if direction not in ("up", "down"):
        raise ValidationFailed("请选择上移或下移")
    services.move_item(db.session, _item(code, item_id), -1 if direction == "up" else 1)
    db.session.commit()
    return redirect(url_for("basedata.dictionary", code=code))


@bp.post("/<code>/items/<int:item_id>/disable")
@require(BASEDATA_MANAGE)
def disable_item(code: str, item_id: int) -> Any:
    item = _item(code, item_id)
    services.set_item_active(db.session, item, False)
    db.session.commit()
    flash(f"已停用“{item.label}”：下拉框中不再出现，已保存的数据不受影响", "success")
    return redirect(url_for("basedata.dictionary", code=code))


@bp.post("/<code>/items/<int:item_id>/enable")
@require(BASEDATA_MANAGE)
def enable_item(code: str, item_id: int) -> Any:
    item = _item(code, item_id)
    services.set_item_active(db.session, item, True)
    db.session.commit()
    flash(f"已启用“{item.label}”", "success")
    return redirect(url_for("basedata.dictionary", code=code))
