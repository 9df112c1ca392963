"""The dashboard's people and their logged-in browsers (``web_user``, ``web_session``).

Only hashes are stored: the password's argon2 hash (computed by the caller) and the
SHA-256 of each session cookie, so a copy of the database logs nobody in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from monitor._store.dialect import as_utc
from monitor._store.engine import writer
from monitor._store.tables import WEB_SESSION_T as WS
from monitor._store.tables import WEB_USER_T as WU
from monitor.errors import InvalidArgument

ROLES = ("viewer", "editor", "admin")


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A dashboard user: name, role (viewer, editor or admin), password hash, creation time."""

    id: int
    name: str
    role: str
    password_hash: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """The user as a JSON-ready dict, without the password hash."""
        return {"name": self.name, "role": self.role, "created_at": self.created_at.isoformat()}


def _user(r: Any) -> UserRecord:
    return UserRecord(r.id, r.name, r.role, r.password_hash, as_utc(r.created_at))


class Accounts:
    """Users and sessions over one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- users --------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password_hash: str, *, at: datetime) -> UserRecord:
        """Create user ``name``; an existing name or an unknown role raises :class:`InvalidArgument`."""
        if role not in ROLES:
            raise InvalidArgument(f"role {role!r}: expected {', '.join(ROLES)}")
        try:
            with writer(self.engine).begin() as conn:
                conn.execute(insert(WU).values(name=name, role=role, password_hash=password_hash, created_at=at))
        except IntegrityError:
            raise InvalidArgument(
                f"user {name!r} already exists (remove it first with `monitor user remove {name}`)"
            ) from None
        found = self.user(name)
        assert found is not None
        return found

    def set_password(self, name: str, password_hash: str) -> bool:
        """Replace ``name``'s password hash and log out its sessions; False when there is no such user."""
        with writer(self.engine).begin() as conn:
            uid = conn.execute(select(WU.c.id).where(WU.c.name == name)).scalar_one_or_none()
            if uid is None:
                return False
            conn.execute(update(WU).where(WU.c.id == uid).values(password_hash=password_hash))
            conn.execute(delete(WS).where(WS.c.user_id == uid))
            return True

    def user(self, name: str) -> UserRecord | None:
        """User ``name``, or ``None``."""
        with self.engine.connect() as conn:
            r = conn.execute(select(WU).where(WU.c.name == name)).first()
        return _user(r) if r is not None else None

    def users(self) -> list[UserRecord]:
        """Every user, by name."""
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(WU).order_by(WU.c.name)).all()]

    def remove_user(self, name: str) -> bool:
        """Delete user ``name`` and its sessions; False when there is no such user."""
        with writer(self.engine).begin() as conn:
            uid = conn.execute(select(WU.c.id).where(WU.c.name == name)).scalar_one_or_none()
            if uid is None:
                return False
            conn.execute(delete(WS).where(WS.c.user_id == uid))
            conn.execute(delete(WU).where(WU.c.id == uid))
            return True

    # -- sessions -----------------------------------------------------------------------

    def open_session(self, token_hash: str, user_id: int, csrf: str, *, at: datetime, expires_at: datetime) -> None:
        """Record a logged-in browser (its cookie's hash) and drop every expired session."""
        with writer(self.engine).begin() as conn:
            conn.execute(delete(WS).where(WS.c.expires_at < at))
            conn.execute(
                insert(WS).values(
                    token_hash=token_hash, user_id=user_id, csrf=csrf, created_at=at, expires_at=expires_at
                )
            )

    def session(self, token_hash: str, *, at: datetime) -> tuple[UserRecord, str] | None:
        """The user and CSRF token of an unexpired session, or ``None``."""
        q = (
            select(WU, WS.c.csrf)
            .select_from(WS.join(WU, WU.c.id == WS.c.user_id))
            .where(WS.c.token_hash == token_hash, WS.c.expires_at > at)
        )
        with self.engine.connect() as conn:
            r = conn.execute(q).first()
        return (_user(r), str(r.csrf)) if r is not None else None

    def close_session(self, token_hash: str) -> None:
        """Forget a session (logout)."""
        with writer(self.engine).begin() as conn:
            conn.execute(delete(WS).where(WS.c.token_hash == token_hash))


__all__ = ["ROLES", "Accounts", "UserRecord"]
