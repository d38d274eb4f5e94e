"""User accounts (admin only)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import exists, func, select
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import Optional
from wtforms.widgets import PasswordInput

from tracker.auth import reauth
from tracker.auth.permissions import requires
from tracker.extensions import db
from tracker.models import ChangeRecord, Department, SecurityLogEntry, User
from tracker.services import ServiceError, security_log
from tracker.services.auth import locked_accounts, unlock_user
from tracker.services.records import update_record
from tracker.services.users import MIN_PASSWORD_LENGTH, create_user, password_problem
from tracker.vocab import Role, SecurityEvent
from tracker.web.arguments import page_arg, page_count
from tracker.web.editing import confirm_delete, save_edit, save_new
from tracker.web.forms import ChineseForm, DepartmentField, RecordForm, VocabField, length, required

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserForm(RecordForm):
    model_fields = ("display_name", "role", "department_id", "active")
    username = StringField("用户名", validators=[required(), length(50)])
    display_name = StringField("显示名称", validators=[required(), length(100)])
    role = VocabField("角色", Role, blank=None, default=Role.DEPARTMENT)  # the most common, the least power
    department_id = DepartmentField("所属单位", description="部门用户必填")
    active = BooleanField("启用", default=True)
    password = PasswordField(
        "新密码",
        validators=[Optional()],
        # The admin typing a new account's password keeps it when another field needs fixing.
        widget=PasswordInput(hide_value=False),
        description=f"至少 {MIN_PASSWORD_LENGTH} 位，不能是常见密码；编辑时留空表示不修改",
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.role.data is Role.DEPARTMENT and not self.department_id.data:
            self.department_id.errors = [*self.department_id.errors, "部门用户必须指定所属单位"]
            ok = False
        problem = self.password.data and password_problem(
            self.password.data, self.username.data, self.display_name.data
        )
        if problem:
            self.password.errors = [*self.password.errors, problem]
            ok = False
        return ok


@bp.get("/users")
@requires("user.manage")
@reauth.required
def users():
    rows = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", users=rows, locked=locked_accounts(db.session), form=UnlockForm())


class UnlockForm(ChineseForm):
    pass


@bp.post("/users/<int:user_id>/unlock")
@requires("user.manage", User, "user_id")
@reauth.required
def user_unlock(user: User):
    """Let a user whose sign-ins are paused (after wrong passwords) try again at once, from anywhere."""
    if UnlockForm().validate_on_submit():
        unlock_user(db.session, user)
        security_log.record(
            db.session,
            SecurityEvent.USER_UNLOCKED,
            user=current_user,
            username=user.username,
            address=request.remote_addr,
        )
        db.session.commit()
        flash(f"已解除 {user.username} 的登录限制", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/new", methods=["GET", "POST"])
@requires("user.manage")
@reauth.required
def user_create():
    form = UserForm()

    def build(values):
        if not form.password.data:
            raise ServiceError("新建用户必须设置密码", "password")
        department = db.session.get(Department, values["department_id"]) if values["department_id"] else None
        user = create_user(
            db.session,
            username=form.username.data.strip(),
            role=values["role"].value,
            password=form.password.data,
            display_name=values["display_name"],
            department=department,
        )
        user.active = values["active"]
        security_log.record(
            db.session,
            SecurityEvent.USER_CREATED,
            user=current_user,
            username=user.username,
            address=request.remote_addr,
            detail=f"角色：{user.role.label}" + ("" if user.active else "（停用）"),
        )
        return user

    return save_new(
        form, build, title="新建用户", success_url=lambda _: url_for("admin.users"), cancel_url=url_for("admin.users")
    )


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires("user.manage", User, "user_id")
@reauth.required
def user_edit(user: User):
    form = UserForm()
    form.username.data = user.username  # not editable: it is how the history names people
    form.username.render_kw = {"readonly": True}

    def apply(values, version):
        was_active, old_role = user.active, user.role
        update_record(db.session, user, values, version)
        events = []
        if user.role is not old_role:
            events.append((SecurityEvent.ROLE_CHANGED, f"{old_role.label} → {user.role.label}"))
        if was_active != user.active:
            events.append((SecurityEvent.USER_REACTIVATED if user.active else SecurityEvent.USER_DEACTIVATED, None))
        if form.password.data:
            user.set_password(form.password.data)  # rotates the session token: old sessions end
            events.append((SecurityEvent.PASSWORD_RESET, None))
        elif was_active and not user.active:
            user.end_sessions()
        for event, detail in events:
            security_log.record(
                db.session, event, user=current_user, username=user.username, address=request.remote_addr, detail=detail
            )
        db.session.flush()

    return save_edit(
        user,
        form,
        title=f"编辑用户：{user.username}",
        success_url=url_for("admin.users"),
        cancel_url=url_for("admin.users"),
        apply=apply,
    )


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
@requires("user.manage", User, "user_id")
@reauth.required
def user_delete(user: User):
    if db.session.scalar(select(exists().where(ChangeRecord.user_id == user.id))):
        flash("该用户已有修改记录，删除会让历史失去署名；请改为停用。", "warning")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    return confirm_delete(
        user, title=f"用户：{user.username}", success_url=url_for("admin.users"), cancel_url=url_for("admin.users")
    )


SECURITY_PER_PAGE = 50


@bp.get("/security")
@requires("user.manage")
@reauth.required
def security():
    """安全日志: newest first, filtered by event, account and day."""
    event = SecurityEvent.from_text(request.args.get("event", "")) if request.args.get("event") else None
    who = (request.args.get("who") or "").strip()[:60]
    since, until = (_day(request.args.get(name)) for name in ("since", "until"))
    where = []
    if event is not None:
        where.append(SecurityLogEntry.event == event)
    if who:
        where.append(SecurityLogEntry.username.contains(who, autoescape=True))
    if since is not None:
        where.append(SecurityLogEntry.occurred_at >= dt.datetime.combine(since.first, dt.time()).astimezone())
    if until is not None:
        where.append(
            SecurityLogEntry.occurred_at
            < dt.datetime.combine(until.last + dt.timedelta(days=1), dt.time()).astimezone()
        )
    page = page_arg()
    total = db.session.scalar(select(func.count(SecurityLogEntry.id)).where(*where))
    entries = db.session.scalars(
        select(SecurityLogEntry)
        .where(*where)
        .order_by(SecurityLogEntry.id.desc())
        .limit(SECURITY_PER_PAGE)
        .offset((page - 1) * SECURITY_PER_PAGE)
    ).all()
    actors = dict(
        db.session.execute(
            select(User.id, User.username).where(User.id.in_({e.user_id for e in entries if e.user_id is not None}))
        ).all()
    )
    return render_template(
        "admin/security.html",
        entries=entries,
        total=total,
        page=page,
        actors=actors,
        pages=page_count(total, SECURITY_PER_PAGE),
        events=list(SecurityEvent),
        event=event,
        who=who,
        since=request.args.get("since", ""),
        until=request.args.get("until", ""),
    )


def _day(text: str | None):
    """A day (or month, or year) typed into a filter; None when empty or not a date."""
    from tracker.parse import parse_date_value

    try:
        return parse_date_value(text) if text else None
    except ValueError:
        return None
