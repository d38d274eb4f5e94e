"""The reporting cycle on the web: a plan's periods, the period page (who has reported, money,
催报), a department's report form, and the office's confirm / return / close."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from wtforms import BooleanField

from tracker import progress
from tracker.auth.permissions import requires
from tracker.extensions import db
from tracker.models import ImportBatch, Plan, ReportingPeriod, ReportSubmission
from tracker.parse import ParseError, parse_amount, parse_date
from tracker.services import ServiceError, reporting
from tracker.services.records import EditConflict, MissingVersion
from tracker.vocab import ImportOutcome, MilestoneStatus, SubmissionStatus
from tracker.web import page_cache
from tracker.web.arguments import form_version, number
from tracker.web.downloads import download
from tracker.web.forms import ChineseForm
from tracker.web.history import submission_history

bp = Blueprint("reports", __name__)


def _run(action, success, back: str):
    """One action, one transaction: commit and say so, or roll back and say why (nothing half-applied)."""
    try:
        result = action()
        db.session.commit()
    except MissingVersion as exc:
        return _refused(400, "请求无效", exc.message, back)
    except EditConflict:
        return _refused(
            409,
            "数据已被他人修改",
            "操作未完成：在您打开页面后，这条记录已被他人修改。请返回查看最新内容后重试。",
            back,
        )
    except ServiceError as exc:
        return _refused(422, "操作未完成", exc.message, back)
    flash(success(result) if callable(success) else success, "success")
    return redirect(back)


def _refused(code: int, title: str, message: str, back: str):
    db.session.rollback()
    return render_template("errors/error.html", code=code, title=title, message=message, back=back), code


# -- Periods ---------------------------------------------------------------------------------------


@bp.get("/plans/<int:plan_id>/periods")
@requires("period.view", Plan, "plan_id")
def periods(plan: Plan):
    rows = db.session.scalars(
        select(ReportingPeriod).where(ReportingPeriod.plan_id == plan.id).order_by(ReportingPeriod.ends_on.desc())
    ).all()
    next_label = reporting.period_label(*reporting.next_period(db.session, plan))
    counts: dict[int, dict[str, int]] = {}
    for period_id, status, n in db.session.execute(
        select(ReportSubmission.period_id, ReportSubmission.status, func.count())
        .join(ReportingPeriod, ReportingPeriod.id == ReportSubmission.period_id)
        .where(ReportingPeriod.plan_id == plan.id)
        .group_by(ReportSubmission.period_id, ReportSubmission.status)
    ):
        counts.setdefault(period_id, {})[status.value] = n
    return render_template(
        "reports/periods.html",
        plan=plan,
        periods=rows,
        next_label=next_label,
        counts=counts,
        open_period=next((p for p in rows if p.is_open), None),
    )


@bp.post("/plans/<int:plan_id>/periods/open")
@requires("period.manage", Plan, "plan_id")
def period_open(plan: Plan):
    try:
        period = reporting.open_next_period(db.session, plan)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("reports.periods", plan_id=plan.id))
    flash(f"已开启 {period}：{len(period.submissions)} 个单位应报，截止 {period.due_on}", "success")
    return redirect(url_for("reports.period_show", period_id=period.id))


@bp.get("/periods/<int:period_id>")
@requires("period.view", ReportingPeriod, "period_id")
def period_show(reporting_period: ReportingPeriod):
    money = (  # the page's largest sum, kept until the data changes
        page_cache.kept(
            ("period_money", reporting_period.id), lambda: progress.money_by_department(db.session, reporting_period)
        )
        if reporting_period.is_open
        else None
    )
    overview = reporting.period_overview(db.session, reporting_period, money=money)
    return render_template(
        "reports/period.html",
        period=reporting_period,
        plan=reporting_period.plan,
        overview=overview,
        statuses=SubmissionStatus,
    )


@bp.get("/periods/<int:period_id>/reminders")
@requires("period.view", ReportingPeriod, "period_id")
def period_reminders(reporting_period: ReportingPeriod):
    lacking = reporting.lacking_progress(db.session, reporting_period)
    overview = reporting.period_overview(db.session, reporting_period, lacking=lacking)
    return render_template(
        "reports/reminders.html",
        period=reporting_period,
        plan=reporting_period.plan,
        overview=overview,
        text=reporting.reminder_text(overview),
    )


@bp.post("/periods/<int:period_id>/due")
@requires("period.manage", ReportingPeriod, "period_id")
def period_due(reporting_period: ReportingPeriod):
    back = url_for("reports.period_show", period_id=reporting_period.id)
    try:
        due_on = parse_date(request.form.get("due_on"))
    except ParseError as exc:
        return _refused(422, "操作未完成", f"截止日期：{exc}", back)
    if due_on is None:
        return _refused(422, "操作未完成", "请填写截止日期", back)
    return _run(
        lambda: reporting.set_due_date(db.session, reporting_period, due_on, form_version()),
        f"截止日期已改为 {due_on}",
        back,
    )


@bp.post("/periods/<int:period_id>/close")
@requires("period.manage", ReportingPeriod, "period_id")
def period_close(reporting_period: ReportingPeriod):
    back = url_for("reports.period_show", period_id=reporting_period.id)
    return _run(
        lambda: reporting.close_period(db.session, reporting_period, current_user, form_version()),
        f"{reporting_period} 已关闭，数据已冻结",
        back,
    )


# -- A submission ----------------------------------------------------------------------------------


@bp.get("/submissions/<int:submission_id>")
@requires("report.view", ReportSubmission, "submission_id")
def submission_show(report_submission: ReportSubmission):
    """The report as submitted, beside the previous period's; the office confirms or returns it here."""
    lines = reporting.submission_projects(db.session, report_submission)
    history = submission_history(db.session, report_submission.id, [line.entry.id for line in lines if line.entry])
    return render_template(
        "reports/submission.html",
        submission=report_submission,
        period=report_submission.period,
        lines=lines,
        history=history,
        previous=reporting.previous_submission(db.session, report_submission),
    )


@dataclass
class FormState:
    """What a department typed, as typed, with the errors to show beside each field."""

    raw: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


@bp.route("/submissions/<int:submission_id>/fill", methods=["GET", "POST"])
@requires("report.fill", ReportSubmission, "submission_id")
def submission_fill(report_submission: ReportSubmission):
    submission = report_submission
    back = (
        url_for("main.my_work")
        if current_user.department_id == submission.department_id
        else url_for("reports.submission_show", submission_id=submission.id)
    )
    state, status = FormState(), 200
    if request.method == "POST":
        lines = reporting.submission_projects(db.session, submission)
        entries, milestones, state = read_form(request.form, lines)
        if not state.errors:
            submit = request.form.get("action") == "submit"
            try:
                reporting.save_submission(
                    db.session, submission, entries, milestones, current_user, form_version(), submit=submit
                )
                db.session.commit()
                flash(f"已提交 {submission.period}，等待信息办确认" if submit else "草稿已保存（尚未提交）", "success")
                return redirect(back)
            except MissingVersion as exc:
                db.session.rollback()
                state.errors["_form"], status = exc.message, 400
            except EditConflict:
                db.session.rollback()
                state.errors["_form"], status = (
                    "保存失败：此报送在您打开后已被修改（可能在另一个窗口）。下面是您填写的内容，请核对后重新保存。",
                    409,
                )
                db.session.refresh(submission)
            except ServiceError as exc:
                db.session.rollback()
                state.errors["_form"], status = exc.message, 422
        else:
            status = 422
    return render_template(
        "reports/fill.html",
        submission=submission,
        period=submission.period,
        lines=reporting.submission_projects(db.session, submission),
        form=state,
        schedule=progress.schedule_share(submission.period),
    ), status


def read_form(form, lines: list[reporting.ProjectLine]):
    """The form's fields by project and milestone; every value parsed by the one rule for amounts and dates."""
    state = FormState(raw=form.to_dict())
    entries: dict[int, reporting.EntryInput] = {}
    milestones: dict[int, reporting.MilestoneInput] = {}
    for line in lines:
        pid = line.project.id
        if f"progress-{pid}" not in form and f"amount-{pid}" not in form and f"issues-{pid}" not in form:
            continue  # not on the page that was posted
        try:
            amount = parse_amount(form.get(f"amount-{pid}"))
        except ParseError as exc:
            state.errors[f"amount-{pid}"], amount = f"本期完成投资：{exc}", None
        entries[pid] = reporting.EntryInput(
            _text(form.get(f"progress-{pid}")), amount, _text(form.get(f"issues-{pid}"))
        )
        for milestone in line.milestones:
            mid = milestone.id
            if f"ms-{mid}" not in form:
                continue
            status = MilestoneStatus.from_text(form.get(f"ms-{mid}", ""))
            if status is None:
                state.errors[f"ms-{mid}"] = "请选择状态"
                continue
            try:
                actual_on = parse_date(form.get(f"ms-actual-{mid}"))
            except ParseError as exc:
                state.errors[f"ms-actual-{mid}"] = f"实际完成日期：{exc}"
                continue
            version = number(form.get(f"ms-version-{mid}"))  # missing: never matches, nothing is overwritten
            milestones[mid] = reporting.MilestoneInput(status, actual_on, -1 if version is None else version)
    return entries, milestones, state


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


@bp.post("/submissions/<int:submission_id>/confirm")
@requires("report.review", ReportSubmission, "submission_id")
def submission_confirm(report_submission: ReportSubmission):
    back = url_for("reports.period_show", period_id=report_submission.period_id)

    def said(result: reporting.Confirmation) -> str:
        text = f"已确认 {report_submission.department.name} 的报送"
        if result.milestones_applied:
            text += f"；{result.milestones_applied} 个里程碑状态已更新"
        if result.milestones_kept:
            text += f"；{len(result.milestones_kept)} 个里程碑在填报后已被修改，保留了修改后的状态（{'、'.join(result.milestones_kept[:5])}）"
        return text

    return _run(
        lambda: reporting.confirm_submission(db.session, report_submission, current_user, form_version()), said, back
    )


@bp.post("/submissions/<int:submission_id>/return")
@requires("report.review", ReportSubmission, "submission_id")
def submission_return(report_submission: ReportSubmission):
    back = url_for("reports.submission_show", submission_id=report_submission.id)
    return _run(
        lambda: reporting.return_submission(
            db.session, report_submission, current_user, request.form.get("reason", ""), form_version()
        ),
        f"已退回 {report_submission.department.name} 的报送",
        back,
    )


# -- Workbooks -------------------------------------------------------------------------------------


@bp.get("/submissions/<int:submission_id>/report.xlsx")
@requires("report.view", ReportSubmission, "submission_id")
def submission_export(report_submission: ReportSubmission):
    from tracker.services.report_workbooks import export_department_report

    buffer = io.BytesIO()
    name = export_department_report(db.session, report_submission, buffer)
    return download(buffer, name)


@bp.get("/periods/<int:period_id>/reports.zip")
@requires("period.view", ReportingPeriod, "period_id")
def period_export(reporting_period: ReportingPeriod):
    from tracker.services.report_workbooks import export_period_reports

    buffer = io.BytesIO()
    export_period_reports(db.session, reporting_period, buffer)
    return download(buffer, _period_file(reporting_period, "各单位.zip"))


@bp.get("/periods/<int:period_id>/summary.xlsx")
@requires("period.view", ReportingPeriod, "period_id")
def period_summary(reporting_period: ReportingPeriod):
    from tracker.services.report_workbooks import export_summary

    buffer = io.BytesIO()
    export_summary(db.session, reporting_period, buffer)
    return download(buffer, _period_file(reporting_period, "汇总表.xlsx"))


def _period_file(period: ReportingPeriod, what: str) -> str:
    return f"{period.plan.code}-{period.name}{period.kind.label}-{what}"


class ReportUploadForm(ChineseForm):
    file = FileField("填好的月报/季报（.xlsx / .xls / .ods）", validators=[FileRequired(message="请选择文件")])


class ReportConfirmForm(ChineseForm):
    valid_only = BooleanField("只导入无误的行（有错误或冲突的行不导入）")


@bp.route("/periods/<int:period_id>/import", methods=["GET", "POST"])
@requires("report.import", ReportingPeriod, "period_id")
def period_import(reporting_period: ReportingPeriod):
    from tracker.services.imports import ImportRefused
    from tracker.services.report_workbooks import stage_report_import

    form, refusal, status = ReportUploadForm(), None, 200
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            batch, _preview = stage_report_import(
                db.session, data, upload.filename or "", reporting_period, current_user
            )
            db.session.commit()
            return redirect(url_for("reports.import_show", import_batch_id=batch.id))
        except ImportRefused as exc:
            db.session.rollback()
            refusal, status = exc.message, 422
    elif request.method == "POST":
        status = 422
    return render_template("reports/import_upload.html", period=reporting_period, form=form, refusal=refusal), status


@bp.get("/report-imports/<int:import_batch_id>")
@requires("import.use", ImportBatch, "import_batch_id")
def import_show(import_batch: ImportBatch):
    from tracker.services.report_workbooks import ReportPreview

    if import_batch.period_id is None:
        return redirect(url_for("imports.show", import_batch_id=import_batch.id))
    preview = ReportPreview.from_json(import_batch.preview)
    period = db.session.get(ReportingPeriod, import_batch.period_id)
    show_all = request.args.get("show") == "all"
    rows = preview.rows if show_all else [r for r in preview.rows if r.outcome not in ("unchanged", "skipped")]
    return render_template(
        "reports/import_show.html",
        batch=import_batch,
        preview=preview,
        period=period,
        rows=rows[:1000],
        total=len(rows),
        show_all=show_all,
        form=ReportConfirmForm(),
        labels={o.value: o.label for o in ImportOutcome},
    )


@bp.post("/report-imports/<int:import_batch_id>/apply")
@requires("import.use", ImportBatch, "import_batch_id")
def import_apply(import_batch: ImportBatch):
    from tracker.services.report_workbooks import commit_report_import

    back = url_for("reports.import_show", import_batch_id=import_batch.id)
    if import_batch.period_id is None:
        return _refused(404, "页面不存在", "这不是月报/季报的导入", url_for("imports.index"))
    form = ReportConfirmForm()
    if not form.validate_on_submit():
        return _refused(400, "请求无效", "表单已过期，请刷新页面后重试", back)
    return _run(
        lambda: commit_report_import(db.session, import_batch, current_user, valid_only=form.valid_only.data),
        lambda applied: f"已导入 {applied} 行",
        back,
    )
