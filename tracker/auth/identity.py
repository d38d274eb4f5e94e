"""The session identity rule: which user a signed-in session cookie stands for (Flask-Login's loader)."""

from __future__ import annotations

import hmac

from tracker.extensions import db, login_manager
from tracker.models import User


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    user_id, _, token = identity.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    return user
