"""Asking for the password again: user administration wants a password typed within the last 15
minutes, so a session left open on a desk cannot hand out accounts and roles."""

from __future__ import annotations

import functools
import time

from flask import redirect, request, session, url_for

FRESH_FOR_SECONDS = 15 * 60
_KEY = "password_confirmed_at"


def confirmed_now() -> None:
    session[_KEY] = int(time.time())


def is_fresh(now: float | None = None) -> bool:
    return (now or time.time()) - session.get(_KEY, 0) < FRESH_FOR_SECONDS


def required(view):
    """Below @requires: a view that needs a recently typed password (a POST made too late goes back to
    the form it came from once the password is confirmed)."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not is_fresh():
            back = request.full_path if request.method == "GET" else (request.referrer or request.path)
            return redirect(url_for("auth.reauthenticate", next=back))
        return view(*args, **kwargs)

    return checked
