"""Test data built through the domain functions, so tests obey the same rules as users."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.accounts import register_user
from app.cli import ensure_admin
from app.enterprises import ApplicationForm, approve_application, submit_application
from app.extensions import db
from app.models import SuyuanUser
from app.validators import credit_code_check_character

PASSWORD = "test-pass-123"
ADMIN_PASSWORD = "admin-pass-123"
_sequence = itertools.count(1)


@dataclass(frozen=True)
class Account:
    """A created user: ids and login data, usable outside the app context."""

    id: int
    username: str
    password: str
    public_id: str


def png_bytes(size: tuple[int, int] = (64, 48), color=(10, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(data: bytes, filename: str = "licence.png", content_type: str = "image/png") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def credit_code(serial: int | None = None) -> str:
    """A valid unified social credit code, distinct per serial."""
    serial = next(_sequence) if serial is None else serial
    first17 = f"91440101MA{serial:07d}"
    return first17 + credit_code_check_character(first17)


def make_user(app, username: str | None = None) -> Account:
    username = username or f"user{next(_sequence)}"
    with app.app_context():
        user = register_user(username, PASSWORD, PASSWORD, name=username)
        return Account(user.id, user.username, PASSWORD, user.public_id)


def make_admin(app) -> Account:
    import os

    os.environ["SUYUAN_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    try:
        with app.app_context():
            ensure_admin()
            user = db.session.scalar(select(SuyuanUser).where(SuyuanUser.username == "admin"))
            return Account(user.id, user.username, ADMIN_PASSWORD, user.public_id)
    finally:
        del os.environ["SUYUAN_ADMIN_PASSWORD"]


def application_form(enterprise_type: str = "producer", **overrides) -> ApplicationForm:
    values = {
        "type": enterprise_type,
        "name": f"测试企业{next(_sequence)}",
        "credit_code": credit_code(),
        "legal_representative": "王五",
        "registered_address": "广东省广州市",
        "detailed_address": "天河路 1 号",
        "contact_name": "赵六",
        "mobile": "13912345678",
        "email": "contact@example.com",
    }
    values.update(overrides)
    return ApplicationForm(**values)


def submit(app, account: Account, enterprise_type: str = "producer", **overrides) -> int:
    """Submit an application for ``account``; return the enterprise id."""
    with app.app_context():
        user = db.session.get(SuyuanUser, account.id)
        enterprise = submit_application(
            user, application_form(enterprise_type, **overrides), upload(png_bytes())
        )
        return enterprise.id


def make_enterprise(
    app, enterprise_type: str = "producer", owner: Account | None = None
) -> tuple[int, Account]:
    """An approved enterprise of ``enterprise_type`` with its owner; returns (id, owner)."""
    owner = owner or make_user(app)
    admin = make_admin(app)
    enterprise_id = submit(app, owner, enterprise_type)
    with app.app_context():
        approve_application(enterprise_id, db.session.get(SuyuanUser, admin.id))
    return enterprise_id, owner


def login(client, account: Account) -> None:
    response = client.post("/login/", data={"username": account.username, "password": account.password})
    assert response.status_code == 302, f"login of {account.username} failed"


def logout(client) -> None:
    client.get("/logout/")
