"""Template helpers for dates and times in the platform time zone."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale


def local_datetime(value: dt.datetime | None) -> str:
    """Format a stored UTC datetime as ``YYYY-MM-DD HH:MM:SS`` in the platform time zone."""
    if value is None:
        return ""
    return format_datetime(value, "yyyy-MM-dd HH:mm:ss")


def local_date(value: dt.date | None) -> str:
    """Format a date as ``YYYY-MM-DD``."""
    if value is None:
        return ""
    return format_date(value, "yyyy-MM-dd")


def register_template_helpers(app: Flask) -> None:
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(local_date, "date")
    app.add_template_global(get_locale, "get_locale")
