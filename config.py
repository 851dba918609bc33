"""Settings for Suyuan.

Every setting has a safe default for the embedded mode (SQLite and uploads under
``instance/``). Each one can be overridden by an environment variable with the
``SUYUAN_`` prefix, for example ``SUYUAN_DATABASE_URL``. Secrets come from the
environment only.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_INSTANCE_DIR = BASE_DIR / "instance"
DEFAULT_SECRET_KEY = "suyuan-development-key-change-me"  # noqa: S105 (refused in production)

_TRUE_WORDS = {"1", "true", "yes", "on"}
_FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    """Return the ``SUYUAN_<name>`` variable, or ``default`` when it is unset."""
    return os.environ.get(f"SUYUAN_{name}", default)


def env_int(name: str, default: int) -> int:
    """Return the ``SUYUAN_<name>`` variable parsed as an integer."""
    raw = os.environ.get(f"SUYUAN_{name}")
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"SUYUAN_{name} must be an integer, got {raw!r}") from exc


def env_bool(name: str, default: bool) -> bool:
    """Return the ``SUYUAN_<name>`` variable parsed as a boolean (1/0, true/false, yes/no)."""
    raw = os.environ.get(f"SUYUAN_{name}")
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE_WORDS:
        return True
    if value in _FALSE_WORDS:
        return False
    raise ValueError(f"SUYUAN_{name} must be true or false, got {raw!r}")


def build_config() -> dict:
    """Build the settings dictionary from defaults and ``SUYUAN_*`` variables.

    Read at application start, so tests and commands can set variables first.
    """
    instance_dir = Path(env_str("INSTANCE_DIR", str(DEFAULT_INSTANCE_DIR)))
    database_url = env_str("DATABASE_URL") or f"sqlite:///{instance_dir / 'suyuan.db'}"
    redis_url = env_str("REDIS_URL") or None
    upload_dir = Path(env_str("UPLOAD_DIR", str(instance_dir / "uploads")))

    return {
        "ENV_NAME": env_str("ENV", "development"),
        "SECRET_KEY": env_str("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "INSTANCE_DIR": str(instance_dir),
        "UPLOAD_DIR": str(upload_dir),
        "EXPORT_DIR": str(Path(env_str("EXPORT_DIR", str(instance_dir / "exports")))),
        "REDIS_URL": redis_url,
        # The platform address printed in QR labels: PUBLIC_BASE_URL + "/t/" + code.
        "PUBLIC_BASE_URL": (env_str("PUBLIC_BASE_URL", "http://127.0.0.1:5000") or "").rstrip("/"),
        "TIME_ZONE": env_str("TIME_ZONE", "Asia/Shanghai"),
        # Uploads: the largest accepted file in bytes and the largest decoded image in pixels.
        # The pixel bound stops decompression bombs, small files that decode to huge bitmaps.
        "MAX_UPLOAD_BYTES": env_int("MAX_UPLOAD_BYTES", 5 * 1024 * 1024),
        "MAX_IMAGE_PIXELS": env_int("MAX_IMAGE_PIXELS", 40_000_000),
        "MAX_CONTENT_LENGTH": env_int("MAX_REQUEST_BYTES", 32 * 1024 * 1024),
        # A code queried more often than this shows a counterfeit warning on the scan page.
        "SCAN_WARNING_THRESHOLD": env_int("SCAN_WARNING_THRESHOLD", 10),
        "CONTACT_PHONE": env_str("CONTACT_PHONE", "400-000-0000"),
        # Flask-AppBuilder
        "APP_NAME": env_str("APP_NAME", "溯源 Suyuan"),
        "AUTH_TYPE": 1,  # AUTH_DB: username and password stored in our database
        "AUTH_ROLE_ADMIN": "Admin",
        "AUTH_ROLE_PUBLIC": "Public",
        "AUTH_USER_REGISTRATION": False,  # our own registration view replaces FAB's e-mail flow
        "FAB_UPDATE_PERMS": False,  # permissions are created by `flask suyuan init`, not at start-up
        "FAB_SECURITY_MANAGER_CLASS": "app.security.SuyuanSecurityManager",
        "FAB_API_SWAGGER_UI": True,
        "FAB_ADD_SECURITY_API": True,
        "BABEL_DEFAULT_LOCALE": "zh",
        # Times are stored in UTC; Flask-Babel shows them in the platform time zone.
        "BABEL_DEFAULT_TIMEZONE": env_str("TIME_ZONE", "Asia/Shanghai"),
        "BABEL_TRANSLATION_DIRECTORIES": str(BASE_DIR / "translations"),
        "LANGUAGES": {
            "zh": {"flag": "cn", "name": "中文"},
            "en": {"flag": "gb", "name": "English"},
        },
        "WTF_CSRF_ENABLED": env_bool("CSRF_ENABLED", True),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Rate limits (Flask-Limiter); Redis stores the counters when configured.
        "RATELIMIT_ENABLED": env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "SCAN_RATE_LIMIT": env_str("SCAN_RATE_LIMIT", "120 per minute"),
        "LOGIN_RATE_LIMIT": env_str("LOGIN_RATE_LIMIT", "20 per minute"),
        "FEEDBACK_RATE_LIMIT": env_str("FEEDBACK_RATE_LIMIT", "5 per minute"),
        # Celery: Redis when configured, otherwise the SQLAlchemy transport on a SQLite file
        # beside the database, which needs no server.
        "CELERY_BROKER_URL": env_str("CELERY_BROKER_URL")
        or redis_url
        or f"sqla+sqlite:///{instance_dir / 'celery-broker.db'}",
        "CELERY_TASK_ALWAYS_EAGER": env_bool("CELERY_EAGER", False),
    }
