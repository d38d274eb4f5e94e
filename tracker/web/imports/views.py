"""Workbooks: export a plan (or a department's part of it), upload one back, preview, confirm, history."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import SelectField

from tracker.auth.permissions import requires, visible_plans
from tracker.extensions import db
from tracker.models import Department, ImportBatch, Plan, Project
from tracker.services import ServiceError
from tracker.vocab import ChangeSource, ImportOutcome, ImportStatus, Role
from tracker.web import downloads
from tracker.web.arguments import int_arg, page_arg, page_count
from tracker.web.downloads import download
from tracker.web.forms import ChineseForm, choices

bp = Blueprint("imports", __name__)

# Workbook reading and writing (openpyxl, calamine) is imported inside the views that use it, so
# that starting the app — each gunicorn worker, each `flask` command — does not pay for it.
OUTCOME_LABELS = {o.value: o.label for o in ImportOutcome}


class UploadForm(ChineseForm):
    file = FileField("工作簿（.xlsx / .xls / .ods）", validators=[FileRequired(message="请选择文件")])
    plan = SelectField("所属规划", default="", description="仅当工作簿不是从 tracker 导出时需要选择")


class ConfirmForm(ChineseForm):
    pass


@bp.get("/plans/<int:plan_id>/export.xlsx")
@requires("plan.export", Plan, "plan_id")
def export(plan: Plan):
    from tracker.excel.export import ExportScope, export_workbook

    department = None
    if current_user.role is Role.DEPARTMENT:
        department = current_user.department  # a department always gets its own workbook
    elif int_arg("department") is not None:
        department = db.session.get(Department, int_arg("department")) or abort(404)
    scope = ExportScope(plan, department)
    projects = db.session.scalar(
        select(func.count(Project.id)).where(
            Project.plan_id == plan.id, *([Project.lead_department_id == department.id] if department else [])
        )
    )
    if projects > current_app.config["EXPORT_OWN_PROCESS_PROJECTS"]:
        workbook = downloads.workbook_from_own_process(plan.id, department.id if department else None)
    else:
        buffer = io.BytesIO()
        export_workbook(db.session, scope, buffer)
        workbook = buffer.getvalue()
    return downloads.download(workbook, scope.file_name(date.today()))


@bp.route("/imports/new", methods=["GET", "POST"])
@requires("import.use")
def upload():
    from tracker.excel.reader import MAX_UPLOAD_BYTES
    from tracker.services.imports import stage_import

    form = UploadForm()
    plans = db.session.scalars(select(Plan).where(visible_plans(current_user)).order_by(Plan.code)).all()
    form.plan.choices = choices(((p.code, p.name) for p in plans), "（由工作簿决定）")
    status = 200
    if form.validate_on_submit():
        data = form.file.data.read(MAX_UPLOAD_BYTES + 1)
        try:
            batch, _preview = stage_import(
                db.session, data, form.file.data.filename or "", current_user, ChangeSource.WEB, form.plan.data or None
            )
        except ServiceError as exc:
            db.session.rollback()
            form.file.errors = [*form.file.errors, exc.message]
            status = 422
        else:
            db.session.commit()
            return redirect(url_for("imports.show", import_batch_id=batch.id))
    elif request.method == "POST":
        status = 422
    return render_template("imports/upload.html", form=form, limit_mb=MAX_UPLOAD_BYTES // 1024 // 1024), status


IMPORTS_PER_PAGE = 50


@bp.get("/imports")
@requires("import.use")
def index():
    """Newest first, 50 a page; a preview nobody confirmed within 7 days has left the list."""
    from tracker.services.imports import abandoned_before

    where = [~((ImportBatch.status == ImportStatus.PREVIEWED) & (ImportBatch.created_at < abandoned_before()))]
    if current_user.role is Role.DEPARTMENT:
        where.append(ImportBatch.user_id == current_user.id)
    page = page_arg()
    total = db.session.scalar(select(func.count(ImportBatch.id)).where(*where))
    batches = db.session.scalars(
        select(ImportBatch)
        .where(*where)
        .options(selectinload(ImportBatch.user), selectinload(ImportBatch.plan))
        .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
        .limit(IMPORTS_PER_PAGE)
        .offset((page - 1) * IMPORTS_PER_PAGE)
    ).all()
    return render_template(
        "imports/index.html",
        batches=batches,
        labels=OUTCOME_LABELS,
        page=page,
        pages=page_count(total, IMPORTS_PER_PAGE),
    )


PAGE_ROWS = 500


@bp.get("/imports/<int:import_batch_id>")
@requires("import.use", ImportBatch, "import_batch_id")
def show(import_batch: ImportBatch):
    """The preview kept with the batch (the file is not read again); after 确认导入, what was applied."""
    from tracker.services.imports import preview_page
    from tracker.web.imports.background import release_if_stale

    if import_batch.period_id is not None:  # a 月报/季报: its own page
        return redirect(url_for("reports.import_show", import_batch_id=import_batch.id))
    release_if_stale(import_batch)
    preview = None
    problem = None
    total = 0
    applied = import_batch.status is ImportStatus.APPLIED
    show = request.args.get("show", "")
    page = page_arg()
    try:
        preview, total = preview_page(
            db.session,
            import_batch,
            show=show if show in ("all", "skipped") else "applied" if applied else "",
            page=page,
            per_page=PAGE_ROWS,
            user=current_user,
        )
    except ServiceError as exc:
        problem = exc.message
    pages = page_count(total, PAGE_ROWS)
    return render_template(
        "imports/show.html",
        batch=import_batch,
        preview=preview,
        rows=preview.rows if preview else [],
        problem=problem,
        labels=OUTCOME_LABELS,
        form=ConfirmForm(),
        show=show,
        applied=applied,
        page=page,
        pages=pages,
        total=total,
    )


@bp.post("/imports/<int:import_batch_id>/apply")
@requires("import.use", ImportBatch, "import_batch_id")
def apply(import_batch: ImportBatch):
    from tracker.services.imports import check_committable, commit_import
    from tracker.web.imports import background

    if import_batch.period_id is not None:
        abort(404)  # a 月报/季报 is applied through its period (reports.import_apply)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    valid_only = request.form.get("valid_only") == "1"
    try:
        preview = check_committable(
            db.session, import_batch, valid_only=valid_only, expected_sha256=request.form.get("sha256")
        )
        total = preview.applicable_count
        if total > current_app.config["IMPORT_INLINE_LIMIT"]:
            background.start(
                current_app._get_current_object(), import_batch, current_user._get_current_object(), total, valid_only
            )
            flash(f"正在导入 {total} 行：本页会自动刷新，完成后列出写入的内容。", "info")
        else:
            applied = commit_import(
                db.session,
                import_batch,
                current_user,
                valid_only=valid_only,
                expected_sha256=request.form.get("sha256"),
            )
            db.session.commit()
            flash(f"已导入 {applied} 行：下表是写入的内容。", "success")
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return redirect(url_for("imports.show", import_batch_id=import_batch.id))


@bp.get("/imports/<int:import_batch_id>/rejected.xlsx")
@requires("import.use", ImportBatch, "import_batch_id")
def rejected(import_batch: ImportBatch):
    from tracker.excel.rejects import rejected_rows_workbook
    from tracker.services.imports import PROBLEMS, load_preview

    rows = load_preview(db.session, import_batch, current_user, outcomes=PROBLEMS).rows
    if not rows:
        abort(404)
    data = rejected_rows_workbook(import_batch.content, rows)
    name = import_batch.filename.rsplit(".", 1)[0] + "-待修正.xlsx"
    return download(data, name)


@bp.get("/imports/<int:import_batch_id>/file")
@requires("import.use", ImportBatch, "import_batch_id")
def original(import_batch: ImportBatch):
    return send_file(
        io.BytesIO(import_batch.content),
        as_attachment=True,
        download_name=import_batch.filename,
        mimetype="application/octet-stream",
    )
