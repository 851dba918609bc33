"""Enterprise applications through the real screens, per role."""

import os

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Enterprise, EnterpriseMember, SuyuanUser
from app.models.enterprise import EnterpriseStatus
from tests.factories import (
    credit_code,
    login,
    make_admin,
    make_enterprise,
    make_user,
    png_bytes,
    submit,
)


def form_data(**overrides):
    data = {
        "type": "producer",
        "name": "广州测试食品有限公司",
        "credit_code": credit_code(),
        "legal_representative": "刘德",
        "registered_address": "广东省广州市天河区",
        "detailed_address": "官溪西路 17 号",
        "contact_name": "王艺",
        "mobile": "13612345678",
        "email": "ayob@example.com",
    }
    data.update(overrides)
    return data


def post_application(client, licence: bytes | None = None, filename="licence.png", **overrides):
    data = form_data(**overrides)
    if licence is not None:
        data["licence"] = (__import__("io").BytesIO(licence), filename)
    return client.post("/enterprise/apply", data=data, content_type="multipart/form-data")


def enterprise_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Enterprise.id)))


def stored_files(app) -> list[str]:
    folder = os.path.join(app.config["UPLOAD_DIR"], "licences")
    return os.listdir(folder) if os.path.isdir(folder) else []


def roles_of(app, user_id: int) -> set[str]:
    with app.app_context():
        return {role.name for role in db.session.get(SuyuanUser, user_id).roles}


def test_consumer_submits_application(app, client):
    user = make_user(app)
    login(client, user)
    response = post_application(client, png_bytes())
    assert response.status_code == 302
    with app.app_context():
        enterprise = db.session.scalar(select(Enterprise))
        assert enterprise.status == EnterpriseStatus.PENDING
        assert enterprise.applicant_id == user.id
    assert len(stored_files(app)) == 1
    page = client.get("/enterprise/apply").get_data(as_text=True)
    assert "审核中" in page


def test_anonymous_is_sent_to_login(client):
    response = client.get("/enterprise/apply")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]


def test_admin_cannot_submit_application(app, client):
    admin = make_admin(app)
    login(client, admin)
    response = post_application(client, png_bytes())
    assert response.status_code == 403
    assert enterprise_count(app) == 0


def test_staff_member_cannot_submit_second_enterprise(app, client):
    _, owner = make_enterprise(app, "producer")
    staff = make_user(app)
    from tests.test_staff import accept_invite  # noqa: PLC0415

    accept_invite(app, owner, staff)
    login(client, staff)
    response = post_application(client, png_bytes())
    assert response.status_code == 403
    assert enterprise_count(app) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"credit_code": "91350100M000100Y44"}, "统一社会信用代码无效"),
        ({"credit_code": "123"}, "统一社会信用代码应为 18 位"),
        ({"mobile": "12345"}, "不是有效的手机号码"),
        ({"email": "nobody"}, "不是有效的邮箱地址"),
        ({"name": "  "}, "请填写企业名称"),
        ({"type": "bank"}, "请选择企业类型"),
    ],
)
def test_invalid_field_rejected_nothing_stored(app, client, overrides, message):
    login(client, make_user(app))
    response = post_application(client, png_bytes(), **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert enterprise_count(app) == 0
    assert stored_files(app) == []


def test_non_image_licence_is_refused(app, client):
    login(client, make_user(app))
    response = post_application(client, b"%PDF-1.4 fake", filename="licence.pdf")
    assert response.status_code == 400
    assert "不是有效的图片" in response.get_data(as_text=True)
    assert enterprise_count(app) == 0
    assert stored_files(app) == []


def test_oversized_licence_is_refused(app, client):
    app.config["MAX_UPLOAD_BYTES"] = 2000
    login(client, make_user(app))
    response = post_application(client, png_bytes((400, 400)) + os.urandom(4000))
    assert response.status_code == 400
    assert "图片过大" in response.get_data(as_text=True)
    assert enterprise_count(app) == 0


def test_bomb_licence_is_refused(app, client):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, format="PNG")
    login(client, make_user(app))
    response = post_application(client, buffer.getvalue())
    assert response.status_code == 400
    assert "像素" in response.get_data(as_text=True)
    assert enterprise_count(app) == 0
    assert stored_files(app) == []


def test_missing_licence_is_refused(app, client):
    login(client, make_user(app))
    response = post_application(client, None)
    assert response.status_code == 400
    assert "请上传营业执照图片" in response.get_data(as_text=True)
    assert enterprise_count(app) == 0


def test_pending_application_cannot_be_edited(app, client):
    user = make_user(app)
    enterprise_id = submit(app, user)
    login(client, user)
    response = post_application(client, png_bytes(), name="改过的名字")
    assert response.status_code == 409
    assert "审核中" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Enterprise, enterprise_id).name != "改过的名字"


def test_duplicate_credit_code_is_refused(app, client):
    code = credit_code()
    submit(app, make_user(app), credit_code=code)
    login(client, make_user(app))
    response = post_application(client, png_bytes(), credit_code=code)
    assert response.status_code == 409
    assert enterprise_count(app) == 1


def test_admin_approves_and_grants_exactly_the_type_role(app, client):
    user = make_user(app)
    enterprise_id = submit(app, user, "storage")
    login(client, make_admin(app))
    response = client.post(f"/admin/enterprises/approve/{enterprise_id}")
    assert response.status_code == 302
    with app.app_context():
        enterprise = db.session.get(Enterprise, enterprise_id)
        assert enterprise.status == EnterpriseStatus.APPROVED
        member = db.session.scalar(select(EnterpriseMember).where(EnterpriseMember.user_id == user.id))
        assert member.role.value == "owner"
        assert member.enterprise_id == enterprise_id
    assert roles_of(app, user.id) == {"Consumer", "Storage"}


@pytest.mark.parametrize("enterprise_type", ["producer", "storage", "distributor"])
def test_approval_role_matches_type(app, client, enterprise_type):
    _, owner = make_enterprise(app, enterprise_type)
    expected = {"producer": "Producer", "storage": "Storage", "distributor": "Distributor"}[enterprise_type]
    assert roles_of(app, owner.id) - {"Consumer"} == {expected}


def test_admin_rejects_with_reason_and_applicant_sees_it(app, client):
    user = make_user(app)
    enterprise_id = submit(app, user)
    login(client, make_admin(app))
    response = client.post(f"/admin/enterprises/reject/{enterprise_id}", data={"reason": "营业执照模糊"})
    assert response.status_code == 302
    client.get("/logout/")
    login(client, user)
    page = client.get("/enterprise/apply").get_data(as_text=True)
    assert "已拒绝" in page
    assert "营业执照模糊" in page
    assert roles_of(app, user.id) == {"Consumer"}


def test_reject_without_reason_changes_nothing(app, client):
    enterprise_id = submit(app, make_user(app))
    login(client, make_admin(app))
    client.post(f"/admin/enterprises/reject/{enterprise_id}", data={"reason": " "})
    with app.app_context():
        assert db.session.get(Enterprise, enterprise_id).status == EnterpriseStatus.PENDING


def test_rejected_application_can_be_resubmitted(app, client):
    user = make_user(app)
    enterprise_id = submit(app, user)
    login(client, make_admin(app))
    client.post(f"/admin/enterprises/reject/{enterprise_id}", data={"reason": "名称有误"})
    client.get("/logout/")
    login(client, user)
    response = post_application(client, None, name="更正后的名称")
    assert response.status_code == 302
    with app.app_context():
        enterprise = db.session.get(Enterprise, enterprise_id)
        assert enterprise.status == EnterpriseStatus.PENDING
        assert enterprise.name == "更正后的名称"
        assert enterprise.licence_file
    assert enterprise_count(app) == 1


@pytest.mark.parametrize("role", ["consumer", "producer", "storage", "distributor"])
def test_non_admin_cannot_review(app, client, role):
    enterprise_id = submit(app, make_user(app))
    if role == "consumer":
        actor = make_user(app)
    else:
        _, actor = make_enterprise(app, role)
    login(client, actor)
    assert client.get("/admin/enterprises/list/").status_code == 403
    assert client.get(f"/admin/enterprises/show/{enterprise_id}").status_code == 403
    assert client.post(f"/admin/enterprises/approve/{enterprise_id}").status_code == 403
    assert client.post(f"/admin/enterprises/reject/{enterprise_id}", data={"reason": "x"}).status_code == 403
    with app.app_context():
        assert db.session.get(Enterprise, enterprise_id).status == EnterpriseStatus.PENDING


def test_approving_guessed_id_is_404(app, client):
    login(client, make_admin(app))
    response = client.post("/admin/enterprises/approve/9999")
    assert response.status_code == 404


def test_approving_twice_is_refused(app, client):
    enterprise_id = submit(app, make_user(app))
    login(client, make_admin(app))
    client.post(f"/admin/enterprises/approve/{enterprise_id}")
    response = client.post(f"/admin/enterprises/approve/{enterprise_id}")
    assert response.status_code == 409


def test_pending_list_shows_only_pending(app, client):
    pending_user = make_user(app)
    submit(app, pending_user, name="待审企业")
    make_enterprise(app, "producer")
    login(client, make_admin(app))
    page = client.get("/admin/enterprises/pending/list/").get_data(as_text=True)
    assert "待审企业" in page
    assert "测试企业" not in page


def test_licence_visible_to_admin_and_applicant_only(app, client):
    applicant = make_user(app)
    enterprise_id = submit(app, applicant)
    url = f"/enterprise/licence/{enterprise_id}"
    login(client, applicant)
    assert client.get(url).status_code == 200
    client.get("/logout/")
    login(client, make_user(app))
    assert client.get(url).status_code == 404
    client.get("/logout/")
    login(client, make_admin(app))
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    client.get("/logout/")
    assert client.get(url).status_code == 302


def test_approval_from_pending_queue_lands_on_visible_page(app, client):
    enterprise_id = submit(app, make_user(app))
    login(client, make_admin(app))
    response = client.post(f"/admin/enterprises/approve/{enterprise_id}", follow_redirects=True)
    assert response.status_code == 200
    assert "已通过" in response.get_data(as_text=True)
