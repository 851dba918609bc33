"""Shared column helpers for the models."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum


def utcnow() -> dt.datetime:
    """Return the current time in UTC as a naive datetime.

    Times are stored naive in UTC on every database, because SQLite has no time zone
    type. Views convert them to the platform time zone for display.
    """
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def string_enum(enum_class: type[enum.Enum], name: str, length: int = 16) -> Enum:
    """Store an enum by its value in a plain string column, with no database enum type,
    so adding a member needs no migration of the type."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )
