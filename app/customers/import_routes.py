"""客户信息导入 screens: template download, upload, progress (htmx polling), confirm or cancel, error report."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import background
from app.auth.permissions import ADMIN_ROLE, require
from app.customers import import_publish, import_rows, imports
from app.customers.access import CUSTOMERS_IMPORT
from app.customers.models import ImportJob
from app.database import separate_write
from app.errors import ValidationFailed
from app.exports import xlsx_download
from app.extensions import db
from forms.customers import ImportForm

bp = Blueprint("customer_imports", __name__, url_prefix="/customers/imports")


def _job(job_id: int) -> ImportJob:
    _settle_dead_jobs()
    return imports.get_job(db.session, current_user, job_id, see_all=ADMIN_ROLE in current_user.role_codes)


def _settle_dead_jobs() -> None:
    """Settle jobs whose worker died, so the screen tells what the database holds (a short separate write)."""
    if imports.needs_recovery(db.session):
        db.session.rollback()  # a GET reads in a snapshot; see the settled jobs afterwards
        with separate_write() as conn:
            imports.recover(Session(bind=conn), imports.upload_folder())


@bp.get("/")
@require(CUSTOMERS_IMPORT)
def index() -> Any:
    _settle_dead_jobs()
    jobs = db.session.scalars(select(ImportJob).where(ImportJob.user_id == current_user.id)
                              .order_by(ImportJob.id.desc()).limit(30)).all()
    return render_template("customers/imports.html", form=ImportForm(), jobs=jobs,
                           orgs=import_rows.importable_orgs(db.session, current_user), max_rows=import_rows.MAX_ROWS)


@bp.get("/template")
@require(CUSTOMERS_IMPORT)
def template() -> Any:
    return xlsx_download("客户导入模板", import_rows.template_bytes(db.session, current_user), stamp=False)


@bp.post("/")
@require(CUSTOMERS_IMPORT)
def upload() -> Any:
    form = ImportForm()
    if not form.validate_on_submit():
        raise ValidationFailed("提交的数据有误，请刷新页面后重试")
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        raise ValidationFailed("请选择要导入的 .xlsx 文件")
    job = imports.start(db.session, current_user, upload_file.stream, upload_file.filename, form.number.data or "",
                        imports.upload_folder())
    db.session.commit()
    background.submit(imports.run_validation, job.id)
    return redirect(url_for("customer_imports.job", job_id=job.id))


@bp.get("/<int:job_id>")
@require(CUSTOMERS_IMPORT)
def job(job_id: int) -> Any:
    record = _job(job_id)
    return render_template("customers/import_job.html", job=record, stalled=imports.is_stalled(record),
                           errors=imports.error_sample(db.session, record))


@bp.get("/<int:job_id>/progress")
@require(CUSTOMERS_IMPORT)
def progress(job_id: int) -> Any:
    """The progress fragment htmx polls every second while the job runs; a finished job reloads the page."""
    record = _job(job_id)
    if not record.status.running and request.args.get("running") == "1":
        response = Response("")
        response.headers["HX-Refresh"] = "true"
        return response
    return render_template("customers/_import_progress.html", job=record, stalled=imports.is_stalled(record))


@bp.post("/<int:job_id>/confirm")
@require(CUSTOMERS_IMPORT)
def confirm(job_id: int) -> Any:
    record = _job(job_id)
    import_publish.confirm(db.session, record)
    db.session.commit()
    background.submit(import_publish.run_import, record.id)
    return redirect(url_for("customer_imports.job", job_id=record.id))


@bp.post("/<int:job_id>/cancel")
@require(CUSTOMERS_IMPORT)
def cancel(job_id: int) -> Any:
    record = _job(job_id)
    import_publish.cancel(db.session, record)
    db.session.commit()
    flash(import_publish.CANCELLED_MESSAGE, "info")
    return redirect(url_for("customer_imports.index"))


@bp.get("/<int:job_id>/errors")
@require(CUSTOMERS_IMPORT)
def error_report(job_id: int) -> Any:
    record = _job(job_id)
    return xlsx_download(f"导入错误报告_{record.number}", imports.error_report(db.session, record))
