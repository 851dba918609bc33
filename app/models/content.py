"""News articles, favorites and feedback."""

from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import string_enum, utcnow


class ArticleKind(enum.StrEnum):
    NEWS = "news"
    ANNOUNCEMENT = "announcement"


class Article(Model):
    """A news item or announcement managed by the admin."""

    __tablename__ = "article"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ArticleKind] = mapped_column(string_enum(ArticleKind, "article_kind"))
    title: Mapped[str] = mapped_column(String(200))
    cover_file: Mapped[str | None] = mapped_column(String(255))
    body_html: Mapped[str | None] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    def __repr__(self) -> str:
        return self.title


class Favorite(Model):
    """A product a user marked as favorite."""

    __tablename__ = "favorite"
    __table_args__ = (UniqueConstraint("user_id", "product_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    product = relationship("Product")


class Feedback(Model):
    """A message sent by a user through the feedback form."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), index=True)
    content: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(100))
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    user = relationship("SuyuanUser")
