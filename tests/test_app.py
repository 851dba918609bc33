"""Settings, health check, registration, the "me" page and the language default."""

import pytest
from sqlalchemy import select

from app import ConfigurationError, create_app
from app.extensions import db
from app.models import SuyuanUser
from tests.conftest import base_test_config
from tests.factories import login, make_user


def test_production_refuses_default_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("SUYUAN_ENV", "production")
    monkeypatch.delenv("SUYUAN_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SUYUAN_SECRET_KEY"):
        create_app(base_test_config(tmp_path, f"sqlite:///{tmp_path}/x.db"))


def test_production_starts_with_own_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("SUYUAN_ENV", "production")
    monkeypatch.setenv("SUYUAN_SECRET_KEY", "a-long-random-value-for-this-test")
    app = create_app(base_test_config(tmp_path, f"sqlite:///{tmp_path}/x.db"))
    assert app.config["SECRET_KEY"] == "a-long-random-value-for-this-test"


def test_environment_overrides_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("SUYUAN_PUBLIC_BASE_URL", "https://trace.example.cn/")
    monkeypatch.setenv("SUYUAN_MAX_UPLOAD_BYTES", "1234")
    monkeypatch.setenv("SUYUAN_TIME_ZONE", "Asia/Urumqi")
    from config import build_config

    settings = build_config()
    assert settings["PUBLIC_BASE_URL"] == "https://trace.example.cn"
    assert settings["MAX_UPLOAD_BYTES"] == 1234
    assert settings["BABEL_DEFAULT_TIMEZONE"] == "Asia/Urumqi"


def test_bad_integer_setting_names_the_variable(monkeypatch):
    monkeypatch.setenv("SUYUAN_MAX_UPLOAD_BYTES", "lots")
    from config import build_config

    with pytest.raises(ValueError, match="SUYUAN_MAX_UPLOAD_BYTES"):
        build_config()


def test_health_reports_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "broker": "ok"}


def test_health_reports_unusable_broker(app, client):
    # Port 9 on the loopback address has no listener, so the connection is refused.
    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:9/0"
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json["database"] == "ok"
    assert response.json["broker"].startswith("error")


def test_register_creates_consumer_with_public_id(app, client):
    response = client.post(
        "/register",
        data={
            "username": "newbuyer",
            "name": "小王",
            "password": "s3cret-pass",
            "confirm_password": "s3cret-pass",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(SuyuanUser).where(SuyuanUser.username == "newbuyer"))
        assert [role.name for role in user.roles] == ["Consumer"]
        assert user.public_id.isdigit()
        assert len(user.public_id) == 8
        assert str(user.id) != user.public_id
        public_id = user.public_id
    page = client.get("/me").get_data(as_text=True)
    assert public_id in page
    assert "用户 ID" in page


def test_register_rejects_mismatched_passwords(app, client):
    response = client.post(
        "/register", data={"username": "buyer2", "password": "s3cret-pass", "confirm_password": "other-pass"}
    )
    assert response.status_code == 200
    assert "两次输入的密码不一致" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(SuyuanUser).where(SuyuanUser.username == "buyer2")) is None


def test_register_rejects_taken_username(app, client):
    existing = make_user(app)
    response = client.post(
        "/register",
        data={"username": existing.username, "password": "s3cret-pass", "confirm_password": "s3cret-pass"},
    )
    assert "已被占用" in response.get_data(as_text=True)


def test_public_ids_are_unique_and_random(app):
    ids = [make_user(app).public_id for _ in range(20)]
    assert len(set(ids)) == 20
    assert ids != sorted(ids)


def test_me_requires_login(client):
    response = client.get("/me")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]


def test_back_office_is_chinese_by_default(app, client):
    login(client, make_user(app))
    page = client.get("/").get_data(as_text=True)
    assert "企业申请" in page


def test_english_is_available(app, client):
    login(client, make_user(app))
    client.get("/lang/en")
    page = client.get("/enterprise/apply").get_data(as_text=True)
    assert "Enterprise application" in page


def test_media_serves_public_folders_only(app, client):
    import os

    from tests.factories import png_bytes

    for folder in ("products", "licences"):
        os.makedirs(os.path.join(app.config["UPLOAD_DIR"], folder), exist_ok=True)
        with open(os.path.join(app.config["UPLOAD_DIR"], folder, "a.png"), "wb") as handle:
            handle.write(png_bytes())
    assert client.get("/media/products/a.png").status_code == 200
    assert client.get("/media/licences/a.png").status_code == 404
    assert client.get("/media/products/../licences/a.png").status_code == 404
    assert client.get("/media/products/missing.png").status_code == 404


HUGE = "99999999999999999999999"


def test_huge_ids_in_urls_are_404(app, client):
    from tests.factories import make_enterprise

    _, owner = make_enterprise(app, "producer")
    login(client, owner)
    for url in (
        f"/products/show/{HUGE}",
        f"/batches/{HUGE}",
        f"/code-requests/{HUGE}",
        f"/h5/products/{HUGE}",
    ):
        assert client.get(url).status_code == 404, url


def test_huge_number_in_query_is_400_in_chinese(app, client):
    response = client.get(f"/h5/products?category={HUGE}")
    assert response.status_code in (400, 404)
    assert response.status_code != 500


def test_login_page_links_to_registration(client):
    page = client.get("/login/").get_data(as_text=True)
    assert 'id="register-link"' in page
    assert 'href="/register"' in page
