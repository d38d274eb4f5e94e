"""The web UI: blueprints, the per-request rules (access declared, change source, headers), errors."""

from __future__ import annotations

from flask import Flask, abort, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from tracker.extensions import db, login_manager
from tracker.models import set_change_context
from tracker.vocab import ChangeSource

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'; frame-ancestors 'none'"
)

ERROR_TITLES = {
    400: "请求无效",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的操作",
    409: "数据已被他人修改",
    413: "文件太大",
    500: "服务器内部错误",
}


class RecordIdConverter(IntegerConverter):
    """`<int:…>` in every route: a number past what an id column holds (2**31 - 1) matches no page,
    so /projects/99999999999 is a 404 rather than an out-of-range error from PostgreSQL."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


RETRY_AFTER_SECONDS = 30


class SecureCookiesOverHttps:
    """WSGI wrapper: every cookie of a response to an HTTPS request is marked Secure.

    At this level it covers the session cookie and Flask-Login's remember cookie alike, whichever
    hook set them. Behind a TLS-terminating proxy, set TRACKER_PROXY_FIX=1 so the scheme is known.
    """

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status, headers, exc_info=None):
            headers = [
                (name, value + "; Secure" if name.lower() == "set-cookie" and "; Secure" not in value else value)
                for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secure_start_response)


def _resubmit_page():
    """A form posted after its token expired (or from a page opened before a sign-in): nothing is saved;
    the page offers the same values again under a new token, one click away. Passwords and files are
    not carried (they are typed or chosen again)."""
    kept = [
        (name, value)
        for name, values in request.form.lists()
        for value in values
        if name != "csrf_token" and "password" not in name
    ]
    return render_template(
        "errors/resubmit.html",
        kept=kept,
        action=request.full_path.rstrip("?"),
        dropped_password=any("password" in name for name in request.form),
        dropped_file=bool(request.files),
    ), 400


def _log_refusal() -> None:
    """A 403 in the security log, in a transaction of its own (the request's was rolled back)."""
    from tracker.services import security_log
    from tracker.vocab import SecurityEvent

    try:
        user = current_user._get_current_object() if current_user.is_authenticated else None
        security_log.record(
            db.session,
            SecurityEvent.FORBIDDEN,
            user=user,
            address=request.remote_addr,
            detail=f"{request.method} {request.full_path.rstrip('?')}"[:500],
        )
        db.session.commit()
    except Exception:  # noqa: BLE001 — the refusal page must still be shown
        db.session.rollback()


def register_blueprints(app: Flask) -> None:
    from tracker.auth.views import bp as auth_bp
    from tracker.web import template_helpers
    from tracker.web.admin.views import bp as admin_bp
    from tracker.web.dashboard.views import bp as dashboard_bp
    from tracker.web.departments.views import bp as departments_bp
    from tracker.web.imports.views import bp as imports_bp
    from tracker.web.main.views import bp as main_bp
    from tracker.web.plans.views import bp as plans_bp
    from tracker.web.projects.views import bp as projects_bp
    from tracker.web.reports.views import bp as reports_bp

    app.url_map.converters["int"] = RecordIdConverter  # before any rule is added
    for bp in (main_bp, auth_bp, dashboard_bp, plans_bp, projects_bp, departments_bp, imports_bp, reports_bp, admin_bp):
        app.register_blueprint(bp)
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    app.wsgi_app = SecureCookiesOverHttps(app.wsgi_app)
    template_helpers.register(app)

    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "info"

    @app.before_request
    def _access_is_declared():
        # Fail closed: a view that declared no permission is never served.
        view = app.view_functions.get(request.endpoint or "")
        if view is not None and request.endpoint != "static" and not hasattr(view, "permission"):
            abort(403)

    @app.before_request
    def _changes_come_from_the_web():
        user = current_user if current_user.is_authenticated else None
        set_change_context(db.session, ChangeSource.WEB, user)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(error: Exception):
        # The page renders from the template alone: no user, no menu, nothing read from the
        # database. The pool's pre-ping replaces dead connections, so service resumes by itself.
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 — the connection is gone; the session is removed after the request
            pass
        app.logger.error(
            "database unavailable on %s %s: %s",
            request.method,
            request.path,
            str(error).splitlines()[0] if str(error) else type(error).__name__,
        )
        if request.path == "/healthz":
            response = app.make_response(({"status": "unavailable"}, 503))
        else:
            # Straight from Jinja: render_template's context processors would load the user again.
            page = app.jinja_env.get_template("errors/unavailable.html").render(config=app.config, url_for=url_for)
            response = app.make_response((page, 503))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        db.session.rollback()
        code = error.code or 500
        if code == 403:
            _log_refusal()
        if isinstance(error, CSRFError) and request.method == "POST" and current_user.is_authenticated:
            return _resubmit_page()
        message = "表单已过期或缺少安全令牌，请刷新页面后重试。" if isinstance(error, CSRFError) else None
        return render_template(
            "errors/error.html", code=code, title=ERROR_TITLES.get(code, "出错了"), message=message
        ), code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_template("errors/error.html", code=500, title=ERROR_TITLES[500], message=None), 500
