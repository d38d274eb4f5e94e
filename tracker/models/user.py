"""People who sign in, with their role and (for department users) their department."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CheckConstraint, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, Versioned, vocab_type
from tracker.models.department import Department
from tracker.vocab import Role

# argon2id with argon2-cffi's defaults (RFC 9106 "low memory" profile: t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Versioned, Base):
    __tablename__ = "users"
    __audited__ = True
    __audit_exclude__ = frozenset({"password_hash", "session_token"})
    __table_args__ = (
        CheckConstraint("role <> 'department' OR department_id IS NOT NULL", name="department_user_has_department"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(vocab_type(Role))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="RESTRICT"), index=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Part of the login cookie's identity: rotating it ends every session of this user.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)

    department: Mapped[Department | None] = relationship()

    def __str__(self) -> str:
        return self.display_name or self.username

    # The interface Flask-Login expects, written out so models do not depend on the web layer.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The session identity: id and the current token, so rotating the token logs out everywhere."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
