"""Rate limits on scans (page and API share one budget per IP), login and feedback."""

from __future__ import annotations

import time

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import base_test_config
from tests.factories import PASSWORD, login, make_enterprise, make_user
from tests.factories_codes import make_batch, make_product

WINDOW_SECONDS = 1


@pytest.fixture
def limited_app(tmp_path, sqlite_template):
    import shutil

    path = tmp_path / "suyuan.db"
    shutil.copyfile(sqlite_template, path)
    config = base_test_config(tmp_path, f"sqlite:///{path}")
    config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        SCAN_RATE_LIMIT=f"3 per {WINDOW_SECONDS} second",
        FEEDBACK_RATE_LIMIT=f"2 per {WINDOW_SECONDS} second",
        LOGIN_RATE_LIMIT=f"2 per {WINDOW_SECONDS} second",
    )
    application = create_app(config)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def wait_for_next_window() -> None:
    time.sleep(WINDOW_SECONDS + 0.2)


def test_scan_limit_gives_429_then_recovers(limited_app):
    client = limited_app.test_client()
    enterprise_id, _owner = make_enterprise(limited_app, "producer")
    code = make_batch(limited_app, enterprise_id, make_product(limited_app, enterprise_id), 1)[1][0]
    wait_for_next_window()

    assert client.get(f"/t/{code}").status_code == 200
    assert client.get(f"/api/v1/trace/{code}").status_code == 200
    assert client.get(f"/t/{code}").status_code == 200
    refused = client.get(f"/t/{code}")
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.get_data(as_text=True)
    assert client.get(f"/api/v1/trace/{code}").status_code == 429

    wait_for_next_window()
    assert client.get(f"/t/{code}").status_code == 200


def test_scan_limit_is_per_ip(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        client.get("/t/ANYCODE123", environ_base={"REMOTE_ADDR": "198.51.100.1"})
    assert client.get("/t/ANYCODE123", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 429
    assert client.get("/t/ANYCODE123", environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 404


def test_login_attempts_are_limited_and_recover(limited_app):
    client = limited_app.test_client()
    user = make_user(limited_app)
    wait_for_next_window()
    for _ in range(2):
        client.post("/login/", data={"username": user.username, "password": "wrong-password"})
    refused = client.post("/login/", data={"username": user.username, "password": PASSWORD})
    assert refused.status_code == 429
    wait_for_next_window()
    login(client, user)


def test_feedback_posts_are_limited(limited_app):
    client = limited_app.test_client()
    user = make_user(limited_app)
    login(client, user)
    wait_for_next_window()
    assert client.post("/me/feedback", data={"content": "一"}).status_code == 302
    assert client.post("/me/feedback", data={"content": "二"}).status_code == 302
    assert client.post("/me/feedback", data={"content": "三"}).status_code == 429
    assert client.get("/me/feedback").status_code == 200  # reading is not limited


def test_api_login_limit_gives_429_then_recovers(limited_app):
    client = limited_app.test_client()
    account = make_user(limited_app)
    body = {"username": account.username, "password": "wrong-password", "provider": "db"}
    statuses = [client.post("/api/v1/security/login", json=body).status_code for _ in range(3)]
    assert statuses[:2] == [401, 401]
    assert statuses[2] == 429
    wait_for_next_window()
    good = {"username": account.username, "password": PASSWORD, "provider": "db"}
    assert client.post("/api/v1/security/login", json=good).status_code == 200
