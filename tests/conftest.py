"""Fixtures: an app on a fresh SQLite database per test, and the PostgreSQL tier.

The SQLite schema is built once per session by the real migrations and roles step, then
copied for each test, so every test starts from the same clean database quickly.

The integration tier runs when ``SUYUAN_TEST_DATABASE_URL`` points at PostgreSQL (and
``SUYUAN_TEST_REDIS_URL`` at Redis for the tests that need it). Without them the tier is
skipped on a laptop and fails under CI=true.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.engine import create_engine

from app import create_app
from app.extensions import db

TEST_DATABASE_URL = os.environ.get("SUYUAN_TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("SUYUAN_TEST_REDIS_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def base_test_config(instance_dir: Path, database_url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_DIR": str(instance_dir),
        "UPLOAD_DIR": str(instance_dir / "uploads"),
        "EXPORT_DIR": str(instance_dir / "exports"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "CELERY_TASK_ALWAYS_EAGER": True,
        "CELERY_BROKER_URL": "memory://",
        "PUBLIC_BASE_URL": "http://suyuan.test",
    }


def build_schema(app) -> None:
    """Run the migrations and the roles step, exactly as a deploy does."""
    from flask_migrate import upgrade

    from app.security import sync_roles

    with app.app_context():
        upgrade()
        sync_roles(app.appbuilder)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    path = folder / "suyuan.db"
    app = create_app(base_test_config(folder, f"sqlite:///{path}"))
    build_schema(app)
    return path


@pytest.fixture
def app(tmp_path, sqlite_template):
    path = tmp_path / "suyuan.db"
    shutil.copyfile(sqlite_template, path)
    application = create_app(base_test_config(tmp_path, f"sqlite:///{path}"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def require_service(value: str | None, variable: str, example: str) -> str:
    """Return the service URL, or skip (laptop) / fail (CI) with how to enable it."""
    if value:
        return value
    message = f"{variable} is not set; set it to run the integration tier, e.g. {variable}={example}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """A fresh PostgreSQL database for the session, migrated and with roles; dropped after."""
    base_url = require_service(
        TEST_DATABASE_URL, "SUYUAN_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    url = make_url(base_url)
    name = f"suyuan_test_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin_engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin_engine.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL at {url.render_as_string(hide_password=True)} is not usable: {exc}")
        pytest.skip(f"PostgreSQL is not usable ({exc}); start it or unset SUYUAN_TEST_DATABASE_URL")
    test_url = url.set(database=name).render_as_string(hide_password=False)
    folder = tmp_path_factory.mktemp("pg")
    build_schema(create_app(base_test_config(folder, test_url)))
    yield test_url
    with admin_engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin_engine.dispose()


# Tables filled by the roles step; every other table is emptied between PostgreSQL tests.
KEPT_TABLES = {
    "ab_permission",
    "ab_view_menu",
    "ab_permission_view",
    "ab_role",
    "ab_permission_view_role",
    "alembic_version",
}


@pytest.fixture
def pg_app(tmp_path, postgres_url):
    application = create_app(base_test_config(tmp_path, postgres_url))
    yield application
    with application.app_context():
        db.session.remove()
        tables = [table.name for table in db.metadata.sorted_tables if table.name not in KEPT_TABLES]
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def redis_url():
    return require_service(TEST_REDIS_URL, "SUYUAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
