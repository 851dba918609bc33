"""Categories (admin only) and the enterprise profile (owner and staff)."""

import io
import os

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Category, Enterprise
from tests.factories import login, make_admin, make_enterprise, make_user, png_bytes
from tests.factories_products import make_category, publish_product


def category_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Category.id)))


def load_enterprise(app, enterprise_id: int) -> Enterprise:
    with app.app_context():
        enterprise = db.session.get(Enterprise, enterprise_id)
        db.session.expunge(enterprise)
        return enterprise


# ---------------------------------------------------------------- categories


def test_admin_adds_category_with_icon(app, client):
    login(client, make_admin(app))
    response = client.post(
        "/admin/categories/add",
        data={"name": "茶叶", "sort_order": "2", "icon": (io.BytesIO(png_bytes()), "tea.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        category = db.session.scalar(select(Category))
        assert category.name == "茶叶"
        assert category.sort_order == 2
        icon = category.icon_file
    assert icon.startswith("categories/")
    assert client.get(f"/media/{icon}").status_code == 200
    assert "茶叶" in client.get("/admin/categories/list/").get_data(as_text=True)


def test_admin_edits_category(app, client):
    category_id = make_category(app, "旧名")
    login(client, make_admin(app))
    response = client.post(f"/admin/categories/edit/{category_id}", data={"name": "新名", "sort_order": "5"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Category, category_id).name == "新名"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "茶叶", "sort_order": "1"}, "已存在"),
        ({"name": "", "sort_order": "1"}, "分类名称"),
        ({"name": "酒", "sort_order": "一"}, "不是整数"),
        ({"name": "酒", "sort_order": "1", "icon": (io.BytesIO(b"not an image"), "x.png")}, "不是有效的图片"),
    ],
)
def test_bad_category_input_changes_nothing(app, client, data, message):
    make_category(app, "茶叶")
    login(client, make_admin(app))
    response = client.post("/admin/categories/add", data=data, content_type="multipart/form-data")
    assert response.status_code in (400, 409)
    assert message in response.get_data(as_text=True)
    assert category_count(app) == 1


def test_category_in_use_cannot_be_deleted(app, client):
    category_id = make_category(app, "茶叶")
    _, owner = make_enterprise(app, "producer")
    publish_product(app, owner, category_id=category_id)
    login(client, make_admin(app))
    response = client.post(f"/admin/categories/delete/{category_id}", follow_redirects=True)
    assert "请先把这些商品移到其他分类" in response.get_data(as_text=True)
    assert category_count(app) == 1


def test_unused_category_is_deleted(app, client):
    category_id = make_category(app)
    login(client, make_admin(app))
    assert client.post(f"/admin/categories/delete/{category_id}").status_code == 302
    assert category_count(app) == 0


@pytest.mark.parametrize("enterprise_type", ["producer", "storage", "distributor"])
def test_enterprises_cannot_manage_categories(app, client, enterprise_type):
    category_id = make_category(app)
    _, owner = make_enterprise(app, enterprise_type)
    login(client, owner)
    assert client.get("/admin/categories/list/").status_code == 403
    assert client.post("/admin/categories/add", data={"name": "x", "sort_order": "1"}).status_code == 403
    assert client.post(f"/admin/categories/delete/{category_id}").status_code == 403
    assert category_count(app) == 1


# ---------------------------------------------------------------- enterprise profile


def test_owner_saves_profile_with_logo(app, client):
    enterprise_id, owner = make_enterprise(app, "producer")
    login(client, owner)
    response = client.post(
        "/enterprise/profile/",
        data={
            "profile_html": "<h2>关于我们</h2><p>百年茶园</p>",
            "phone": "020-12345678",
            "address": "广州市天河区",
            "logo": (io.BytesIO(png_bytes()), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    enterprise = load_enterprise(app, enterprise_id)
    assert enterprise.profile_html == "<h2>关于我们</h2><p>百年茶园</p>"
    assert enterprise.phone == "020-12345678"
    assert enterprise.address == "广州市天河区"
    assert enterprise.logo_file.startswith("logos/")
    assert os.path.isfile(os.path.join(app.config["UPLOAD_DIR"], enterprise.logo_file))
    assert "百年茶园" in client.get("/enterprise/profile/").get_data(as_text=True)


def test_staff_edit_profile(app, client):
    from tests.test_staff import accept_invite

    enterprise_id, owner = make_enterprise(app, "distributor")
    staff = make_user(app)
    accept_invite(app, owner, staff)
    client.get("/logout/")
    login(client, staff)
    data = {"profile_html": "<p>员工编辑</p>", "phone": "", "address": ""}
    response = client.post("/enterprise/profile/", data=data)
    assert response.status_code == 302
    assert load_enterprise(app, enterprise_id).profile_html == "<p>员工编辑</p>"


def test_profile_xss_is_stored_sanitised_and_inert(app, client):
    enterprise_id, owner = make_enterprise(app, "storage")
    login(client, owner)
    payload = '<p onmouseover="x()">仓储</p><script>alert(1)</script><a href="javascript:alert(2)">a</a>'
    client.post("/enterprise/profile/", data={"profile_html": payload, "phone": "", "address": ""})
    stored = load_enterprise(app, enterprise_id).profile_html
    assert "仓储" in stored
    for bad in ("<script", "onmouseover", "javascript:"):
        assert bad not in stored
    page = client.get("/enterprise/profile/").get_data(as_text=True)
    assert "alert(1)</script>" not in page
    assert 'href="javascript:' not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phone": "call me<b>", "profile_html": "<p>新</p>", "address": ""}, "联系电话"),
        (
            {
                "phone": "",
                "profile_html": "<p>新</p>",
                "address": "",
                "logo": (io.BytesIO(b"GIF89a-fake"), "l.gif"),
            },
            "不是有效的图片",
        ),
    ],
)
def test_bad_profile_input_changes_nothing(app, client, data, message):
    enterprise_id, owner = make_enterprise(app, "producer")
    login(client, owner)
    response = client.post("/enterprise/profile/", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    enterprise = load_enterprise(app, enterprise_id)
    assert enterprise.profile_html is None
    assert enterprise.logo_file is None


def test_consumer_and_admin_have_no_profile_page(app, client):
    login(client, make_user(app))
    assert client.get("/enterprise/profile/").status_code == 403
    client.get("/logout/")
    login(client, make_admin(app))
    assert client.get("/enterprise/profile/").status_code == 403
