"""Signing in, with failed attempts throttled per (account, address) and per address, in the database."""

from __future__ import annotations

import datetime as dt
import functools

from argon2 import PasswordHasher
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.models import LoginThrottle, User, utcnow
from tracker.services import ServiceError

ACCOUNT_LIMIT = 5  # failures of one account from one address before it has to wait
ADDRESS_LIMIT = 20  # failures from one address, any accounts (several people behind one NAT)
WINDOW = dt.timedelta(minutes=15)  # failures older than this are forgotten
FIRST_PAUSE = dt.timedelta(minutes=1)  # the first wait; each further failure doubles it …
MAX_PAUSE = dt.timedelta(minutes=15)  # … up to this

GENERIC_FAILURE = "用户名或密码错误"


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the user does not exist, so a wrong name costs as long as a wrong password
    (made on first use: hashing at import would slow every command's start)."""
    return PasswordHasher().hash("tracker-no-such-user")


class LoginRefused(ServiceError):
    """`locked`: this failure started a pause (the security log's 登录被暂停)."""

    locked = False


def _account_key(username: str) -> str:
    return f"user:{username.strip().lower()[:60]}@"


def _keys(username: str, address: str) -> tuple[str, str]:
    """(this account from this address, this address): never the account alone, or anyone anywhere
    could lock its owner out by typing wrong passwords."""
    return f"{_account_key(username)}{address[:50]}", f"addr:{address[:50]}"


def pause_after(failures: int, limit: int) -> dt.timedelta | None:
    """How long to wait after `failures` within the window: none below `limit`, then growing."""
    if failures < limit:
        return None
    return min(FIRST_PAUSE * 2 ** min(failures - limit, 10), MAX_PAUSE)


def authenticate(session: Session, username: str, password: str, address: str, now: dt.datetime | None = None) -> User:
    """The active user with this name and password, else LoginRefused (one message for every cause)."""
    now = now or utcnow()
    keys = _keys(username, address)
    locked = session.scalar(
        select(LoginThrottle.locked_until)
        .where(LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now)
        .order_by(LoginThrottle.locked_until.desc())
        .limit(1)
    )
    if locked is not None:
        minutes = max(1, int((locked - now).total_seconds() // 60) + 1)
        raise LoginRefused(f"登录失败次数过多，请 {minutes} 分钟后再试")

    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        PasswordHasher().verify(_dummy_hash(), "tracker-no-such-user")
    elif user.active and user.check_password(password):
        session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys[0]))
        return user

    refused = LoginRefused(GENERIC_FAILURE)
    for key, limit in zip(keys, (ACCOUNT_LIMIT, ADDRESS_LIMIT), strict=True):
        refused.locked |= _count_failure(session, key, limit, now)
    raise refused


def _count_failure(session: Session, key: str, limit: int, now: dt.datetime) -> bool:
    """Count one failure for `key`; True if it starts a pause."""
    throttle = session.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
    if throttle is None:
        try:
            with session.begin_nested():
                session.add(LoginThrottle(key=key, failures=1, window_started_at=now))
            return False
        except IntegrityError:  # another worker counted the first failure at the same moment
            throttle = session.scalar(select(LoginThrottle).where(LoginThrottle.key == key))
    locked = False
    if now - throttle.window_started_at > WINDOW and not (throttle.locked_until and throttle.locked_until > now):
        throttle.failures, throttle.window_started_at, throttle.locked_until = 1, now, None
    else:
        session.execute(
            update(LoginThrottle).where(LoginThrottle.id == throttle.id).values(failures=LoginThrottle.failures + 1)
        )
        session.refresh(throttle)
        pause = pause_after(throttle.failures, limit)
        if pause is not None:
            throttle.locked_until = now + pause
            locked = True
    session.flush()
    return locked


def locked_accounts(session: Session, now: dt.datetime | None = None) -> dict[str, list[str]]:
    """Lower-cased user name → addresses from which that account is waiting now (the admin's list)."""
    locked: dict[str, list[str]] = {}
    for key in session.scalars(
        select(LoginThrottle.key).where(
            LoginThrottle.key.startswith("user:"), LoginThrottle.locked_until > (now or utcnow())
        )
    ):
        name, _, address = key.removeprefix("user:").partition("@")
        locked.setdefault(name, []).append(address)
    return locked


def unlock_user(session: Session, user: User) -> int:
    """Forget every failed sign-in of `user` from any address (the admin's 解除锁定)."""
    result = session.execute(
        delete(LoginThrottle).where(LoginThrottle.key.startswith(_account_key(user.username), autoescape=True))
    )
    session.flush()
    return result.rowcount


def change_password(session: Session, user: User, current: str, new: str, confirm: str) -> None:
    from tracker.services.users import password_problem

    if not user.check_password(current):
        raise ServiceError("当前密码不正确", "current_password")
    if new != confirm:
        raise ServiceError("两次输入的新密码不一致", "confirm_password")
    problem = password_problem(new, user.username, user.display_name)
    if problem:
        raise ServiceError(problem, "new_password")
    user.set_password(new)  # rotates the session token: every other session of this user ends
    session.flush()
