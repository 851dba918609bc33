"""Shared set-up of the benchmarks: a scratch PostgreSQL database and a producer.

Each benchmark creates its own database from ``SUYUAN_TEST_DATABASE_URL`` (the same
variable as the integration tests), migrates it and drops it at the end.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def database_url() -> str:
    url = os.environ.get("SUYUAN_TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit(
            "Set SUYUAN_TEST_DATABASE_URL to a PostgreSQL URL, "
            "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    return url


@contextlib.contextmanager
def scratch_database():
    """Create an empty database next to SUYUAN_TEST_DATABASE_URL; yield its URL; drop it."""
    base = make_url(database_url())
    name = f"suyuan_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(url: str):
    """Create the app on ``url`` with settings like the tests (no broker, eager tasks)."""
    from app import create_app

    instance = Path(tempfile.mkdtemp(prefix="suyuan-bench-"))
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_DIR": str(instance),
            "UPLOAD_DIR": str(instance / "uploads"),
            "EXPORT_DIR": str(instance / "exports"),
            "CELERY_TASK_ALWAYS_EAGER": True,
            "CELERY_BROKER_URL": "memory://",
            "PUBLIC_BASE_URL": "https://trace.example.cn",
        }
    )


def migrate(app) -> None:
    from flask_migrate import upgrade

    from app.security import sync_roles

    with app.app_context():
        upgrade()
        sync_roles(app.appbuilder)


def make_producer(app) -> tuple[int, int, int]:
    """Create the admin and an approved producer with a product: (admin, user, product) ids."""
    from app.accounts import register_user
    from app.cli import ensure_admin
    from app.demo import demo_licence
    from app.enterprises import ApplicationForm, approve_application, submit_application
    from app.extensions import db
    from app.models import Product, SuyuanUser
    from app.validators import credit_code_check_character

    with app.app_context():
        os.environ.setdefault("SUYUAN_ADMIN_PASSWORD", "bench-admin-pass")
        ensure_admin()
        admin = db.session.scalar(db.select(SuyuanUser).where(SuyuanUser.username == "admin"))
        user = register_user("bench-producer", "bench-pass-123", "bench-pass-123", name="bench")
        first17 = "91440101MA0000001"
        form = ApplicationForm(
            type="producer",
            name="基准测试企业",
            credit_code=first17 + credit_code_check_character(first17),
            legal_representative="张三",
            registered_address="广州",
            detailed_address="1 号",
            contact_name="李四",
            mobile="13800138000",
            email="bench@example.com",
        )
        enterprise = submit_application(user, form, demo_licence())
        approve_application(enterprise.id, admin)
        product = Product(enterprise_id=enterprise.id, name="基准商品", on_shelf=True)
        db.session.add(product)
        db.session.commit()
        return admin.id, user.id, product.id


def approved_request(app, producer: tuple[int, int, int], codes: int, batch_count: int = 1) -> int:
    """Submit and approve (without enqueueing) a request of ``codes`` codes; return its id."""
    from app.code_requests import RequestForm, approve_request, submit_request
    from app.extensions import db
    from app.models import SuyuanUser

    admin_id, user_id, product_id = producer
    with app.app_context():
        form = RequestForm(
            product_id=str(product_id),
            batch_count=str(batch_count),
            codes_per_batch=str(codes // batch_count),
            code_length="16",
            charset="mixed",
            case_sensitive=False,
            batch_prefix="BENCH",
            remarks="",
        )
        code_request = submit_request(db.session.get(SuyuanUser, user_id), form)
        approve_request(code_request.id, db.session.get(SuyuanUser, admin_id), enqueue=False)
        return code_request.id
