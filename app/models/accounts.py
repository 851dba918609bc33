"""The user account, extended with the public user ID."""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column


class SuyuanUser(User):
    """A Flask-AppBuilder user with a public ID.

    ``public_id`` is the number people share to be invited into an enterprise: random
    digits, unique, unrelated to the primary key. It is nullable only because accounts
    created by Flask-AppBuilder's own commands get one on first use.
    """

    __tablename__ = "ab_user"
    __table_args__ = {"extend_existing": True}

    public_id: Mapped[str | None] = mapped_column(String(16), unique=True, index=True)
    mobile: Mapped[str | None] = mapped_column(String(20))
