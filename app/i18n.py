"""Template helpers for dates and times in the platform time zone, and the locale selector."""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale

# Blueprints of the public pages a QR scan opens (the H5 pages and the scan JSON API).
# Flask-AppBuilder's locale selector stores the default language in the session on the
# first request, so every anonymous scan would set a session cookie. These pages read the
# language the same way but never store it.
COOKIE_FREE_BLUEPRINTS = frozenset({"h5", "TraceApi"})


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


def install_locale_selector(app: Flask) -> None:
    """Replace Flask-AppBuilder's locale selector by one that leaves the session of the
    public pages (``COOKIE_FREE_BLUEPRINTS``) untouched.

    Other pages keep its behaviour, because the back office's language menu reads the
    stored language.
    """
    appbuilder_selector = app.appbuilder.bm.get_locale

    def select_locale() -> str:
        if not has_request_context() or request.blueprint not in COOKIE_FREE_BLUEPRINTS:
            return appbuilder_selector()
        languages = current_app.config["LANGUAGES"]
        default = current_app.config["BABEL_DEFAULT_LOCALE"]
        chosen = request.args.get("_l_")
        if chosen is not None:
            return chosen if chosen in languages else default
        return session.get("locale") or default

    app.extensions["babel"].locale_selector = select_locale
