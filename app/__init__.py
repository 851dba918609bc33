"""Suyuan application factory."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, current_app
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext
from werkzeug.routing import IntegerConverter

import config
from app.extensions import db, limiter, migrate

logger = logging.getLogger(__name__)


class BoundedIntegerConverter(IntegerConverter):
    """The ``int`` URL converter, limited to 0 … 2**31 - 1."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class ConfigurationError(RuntimeError):
    """The settings are unsafe or inconsistent; the app refuses to start."""


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app: settings, database, Flask-AppBuilder, views, Celery.

    ``test_config`` overrides settings after the environment is read.
    Raises ``ConfigurationError`` in production mode with the default secret key.
    """
    app = Flask(
        __name__,
        instance_path=str(Path(config.env_str("INSTANCE_DIR", str(config.DEFAULT_INSTANCE_DIR)))),
        template_folder=str(config.BASE_DIR / "templates"),
        static_folder="static",
    )
    # Ids in URLs are bounded to a 32-bit integer, the range of our primary keys on
    # PostgreSQL, so a huge guessed id is a plain 404 instead of a database overflow.
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.config.update(config.build_config())
    if test_config:
        app.config.update(test_config)
    _check_settings(app)
    _configure_logging(app)

    for key in ("INSTANCE_DIR", "UPLOAD_DIR", "EXPORT_DIR"):
        os.makedirs(app.config[key], exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.BASE_DIR / "migrations"), render_as_batch=True)
    limiter.init_app(app)

    with app.app_context():
        from app import models  # noqa: F401  (registers the tables)
        from views import register_views

        # Tables come from migrations, not from Flask-AppBuilder's create_all.
        app.config.setdefault("FAB_CREATE_DB", False)
        # FAB rate-limits its login form (POST /login/) with our LOGIN_RATE_LIMIT setting.
        app.config.setdefault("AUTH_RATE_LIMITED", True)
        app.config.setdefault("AUTH_RATE_LIMIT", app.config["LOGIN_RATE_LIMIT"])
        appbuilder = AppBuilder(indexview=_index_view(), update_perms=False)
        appbuilder.init_app(app, db.session)
        register_views(app, appbuilder)
        appbuilder.post_init()
        appbuilder.sm.lm.login_view = "AuthDBView.login"
        appbuilder.sm.lm.login_message = lazy_gettext("Please log in to open this page.")
        _limit_api_login(app)

    from app.cli import register_cli
    from app.i18n import install_locale_selector, register_template_helpers
    from tasks import celery_init_app

    register_cli(app)
    register_template_helpers(app)
    install_locale_selector(app)
    celery_init_app(app)
    logger.info("Suyuan started: database %s", _safe_url(app.config["SQLALCHEMY_DATABASE_URI"]))
    return app


API_LOGIN_ENDPOINT = "SecurityApi.login"


# Decorated once at import: Flask-Limiter registers limits per function on the shared
# limiter, so decorating inside create_app would add one more limit for every app built.
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def _rate_limited_api_login(*args, **kwargs):
    return current_app.extensions["suyuan_api_login"](*args, **kwargs)


def _limit_api_login(app: Flask) -> None:
    """Give the API login (``/api/v1/security/login``) the same rate limit as the login form."""
    view = app.view_functions.get(API_LOGIN_ENDPOINT)
    if view is not None:
        app.extensions["suyuan_api_login"] = view
        app.view_functions[API_LOGIN_ENDPOINT] = _rate_limited_api_login


def _index_view():
    from views.home import BackOfficeIndexView

    return BackOfficeIndexView


def _check_settings(app: Flask) -> None:
    if app.config["ENV_NAME"] == "production" and app.config["SECRET_KEY"] in (
        config.DEFAULT_SECRET_KEY,
        "",
        None,
    ):
        raise ConfigurationError(
            "SUYUAN_SECRET_KEY is not set: production mode rejects the default secret key. "
            "Set SUYUAN_SECRET_KEY to a long random value."
        )


def _configure_logging(app: Flask) -> None:
    level = logging.DEBUG if app.debug else logging.INFO
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Flask-AppBuilder logs every permission it creates at INFO, and warns on each start
    # about filters of its own user API; neither helps an operator.
    logging.getLogger("flask_appbuilder").setLevel(logging.WARNING)
    logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)


def _safe_url(url: str) -> str:
    """Hide the password of a database URL for logging."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
