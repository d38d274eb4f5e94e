"""Sign in, sign out, change one's password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from wtforms import BooleanField, PasswordField, StringField

from tracker.auth import reauth
from tracker.auth.permissions import public, requires
from tracker.extensions import db
from tracker.services import ServiceError, security_log
from tracker.services.auth import GENERIC_FAILURE, LoginRefused, authenticate, change_password
from tracker.vocab import SecurityEvent
from tracker.web.forms import ChineseForm, required
from tracker.web.urls import safe_next_url

bp = Blueprint("auth", __name__)


class LoginForm(ChineseForm):
    username = StringField("用户名", validators=[required()])
    password = PasswordField("密码", validators=[required()])
    remember = BooleanField("14 天内记住我")


class PasswordChangeForm(ChineseForm):
    current_password = PasswordField("当前密码", validators=[required()])
    new_password = PasswordField("新密码", validators=[required()])
    confirm_password = PasswordField("再次输入新密码", validators=[required()])


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    target = safe_next_url(request.args.get("next"), url_for("main.index"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr or "?"
        try:
            user = authenticate(db.session, form.username.data, form.password.data, address)
        except LoginRefused as exc:
            security_log.record(
                db.session,
                SecurityEvent.LOGIN_FAILED,
                username=form.username.data.strip(),
                address=address,
                detail=exc.message,
            )
            if exc.locked:
                security_log.record(
                    db.session,
                    SecurityEvent.LOCKOUT,
                    username=form.username.data.strip(),
                    address=address,
                    detail="失败次数过多，暂停登录",
                )
            db.session.commit()  # the failure count must stick
            flash(exc.message, "danger")
            status = 401
        else:
            security_log.record(db.session, SecurityEvent.LOGIN, user=user, address=address)
            db.session.commit()
            session.clear()  # nothing from before the login carries over (session fixation)
            login_user(user, remember=form.remember.data)
            reauth.confirmed_now()
            return redirect(target)
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@requires("account")
def logout():
    user = current_user._get_current_object()
    user.end_sessions()  # a copied cookie of this session is worthless from now on
    security_log.record(db.session, SecurityEvent.LOGOUT, user=user, address=request.remote_addr)
    db.session.commit()
    logout_user()
    session.clear()
    flash("已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires("account")
def password():
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(
                db.session, user, form.current_password.data, form.new_password.data, form.confirm_password.data
            )
        except ServiceError as exc:
            db.session.rollback()
            form[exc.field].errors = [*form[exc.field].errors, exc.message]
            status = 422
        else:
            security_log.record(db.session, SecurityEvent.PASSWORD_CHANGED, user=user, address=request.remote_addr)
            db.session.commit()
            login_user(user)  # this session goes on with the new token; every other one has ended
            flash("密码已修改，其他设备上的登录已失效。", "success")
            return redirect(url_for("main.index"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/password.html", form=form), status


class ReauthForm(ChineseForm):
    password = PasswordField("您的密码", validators=[required()])


@bp.route("/account/confirm", methods=["GET", "POST"])
@requires("account")
def reauthenticate():
    """The password again before user administration (tracker.auth.reauth)."""
    target = safe_next_url(request.args.get("next"), url_for("main.index"))
    form = ReauthForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        address = request.remote_addr or "?"
        try:
            authenticate(db.session, user.username, form.password.data, address)  # throttled like a sign-in
        except LoginRefused as exc:
            security_log.record(db.session, SecurityEvent.REAUTH_FAILED, user=user, address=address, detail=exc.message)
            db.session.commit()
            wrong = "密码不正确" if exc.message == GENERIC_FAILURE else exc.message  # or: wait N minutes
            form.password.errors = [*form.password.errors, wrong]
            status = 401
        else:
            security_log.record(db.session, SecurityEvent.REAUTHENTICATED, user=user, address=address)
            db.session.commit()
            reauth.confirmed_now()
            return redirect(target)
    elif request.method == "POST":
        status = 422
    return render_template("auth/reauth.html", form=form), status
