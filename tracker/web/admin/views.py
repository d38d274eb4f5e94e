"""User accounts (admin only)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import exists, select
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import Optional

from tracker.auth.permissions import requires
from tracker.extensions import db
from tracker.models import ChangeRecord, Department, User
from tracker.services import ServiceError
from tracker.services.auth import locked_accounts, unlock_user
from tracker.services.records import update_record
from tracker.services.users import MIN_PASSWORD_LENGTH, create_user
from tracker.vocab import Role
from tracker.web.editing import confirm_delete, save_edit, save_new
from tracker.web.forms import ChineseForm, DepartmentField, RecordForm, VocabField, length, required

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserForm(RecordForm):
    model_fields = ("display_name", "role", "department_id", "active")
    username = StringField("用户名", validators=[required(), length(50)])
    display_name = StringField("显示名称", validators=[required(), length(100)])
    role = VocabField("角色", Role, blank=None)
    department_id = DepartmentField("所属单位", description="部门用户必填")
    active = BooleanField("启用", default=True)
    password = PasswordField("新密码", validators=[Optional()],
                             description=f"至少 {MIN_PASSWORD_LENGTH} 位；编辑时留空表示不修改")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.role.data is Role.DEPARTMENT and not self.department_id.data:
            self.department_id.errors = [*self.department_id.errors, "部门用户必须指定所属单位"]
            ok = False
        if self.password.data and len(self.password.data) < MIN_PASSWORD_LENGTH:
            self.password.errors = [*self.password.errors, f"密码至少 {MIN_PASSWORD_LENGTH} 位"]
            ok = False
        return ok


@bp.get("/users")
@requires("user.manage")
def users():
    rows = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", users=rows, locked=locked_accounts(db.session), form=UnlockForm())


class UnlockForm(ChineseForm):
    pass


@bp.post("/users/<int:user_id>/unlock")
@requires("user.manage", User, "user_id")
def user_unlock(user: User):
    """Let a user whose sign-ins are paused (after wrong passwords) try again at once, from anywhere."""
    if UnlockForm().validate_on_submit():
        unlock_user(db.session, user)
        db.session.commit()
        flash(f"已解除 {user.username} 的登录限制", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/new", methods=["GET", "POST"])
@requires("user.manage")
def user_create():
    form = UserForm()

    def build(values):
        if not form.password.data:
            raise ServiceError("新建用户必须设置密码", "password")
        department = db.session.get(Department, values["department_id"]) if values["department_id"] else None
        user = create_user(db.session, username=form.username.data.strip(), role=values["role"].value,
                           password=form.password.data, display_name=values["display_name"],
                           department=department)
        user.active = values["active"]
        return user

    return save_new(form, build, title="新建用户", success_url=lambda _: url_for("admin.users"),
                    cancel_url=url_for("admin.users"))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires("user.manage", User, "user_id")
def user_edit(user: User):
    form = UserForm()
    form.username.data = user.username  # not editable: it is how the history names people
    form.username.render_kw = {"readonly": True}

    def apply(values, version):
        was_active = user.active
        update_record(db.session, user, values, version)
        if form.password.data:
            user.set_password(form.password.data)  # rotates the session token: old sessions end
        elif was_active and not user.active:
            user.end_sessions()
        db.session.flush()

    return save_edit(user, form, title=f"编辑用户：{user.username}", success_url=url_for("admin.users"),
                     cancel_url=url_for("admin.users"), apply=apply)


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
@requires("user.manage", User, "user_id")
def user_delete(user: User):
    if db.session.scalar(select(exists().where(ChangeRecord.user_id == user.id))):
        flash("该用户已有修改记录，删除会让历史失去署名；请改为停用。", "warning")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    return confirm_delete(user, title=f"用户：{user.username}", success_url=url_for("admin.users"),
                          cancel_url=url_for("admin.users"))
