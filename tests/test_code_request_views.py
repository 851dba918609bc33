"""Code request screens: the form, review actions and access per role."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Batch, CodeRequest, TraceCode
from app.models.codes import RequestStatus
from tests.factories import login, logout, make_admin, make_enterprise, make_user
from tests.factories_codes import make_product
from tests.factories_requests import make_producer_with_product, submit


def form_data(product_id, **overrides):
    data = {
        "product_id": str(product_id),
        "batch_count": "2",
        "codes_per_batch": "10",
        "code_length": "12",
        "charset": "mixed",
        "batch_prefix": "A",
        "remarks": "第一批",
    }
    data.update(overrides)
    return data


def request_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(CodeRequest.id)))


def test_producer_submits_request(app, client):
    _, owner, product_id = make_producer_with_product(app)
    login(client, owner)
    page = client.get("/code-requests/new").get_data(as_text=True)
    assert "product-picker" in page
    response = client.post("/code-requests/new", data=form_data(product_id))
    assert response.status_code == 302
    with app.app_context():
        code_request = db.session.scalar(select(CodeRequest))
        assert code_request.status == RequestStatus.PENDING
        assert code_request.total_codes == 20
        assert code_request.remarks == "第一批"


def test_small_code_space_shows_smallest_length(app, client):
    _, owner, product_id = make_producer_with_product(app)
    login(client, owner)
    response = client.post(
        "/code-requests/new",
        data=form_data(product_id, charset="digits", code_length="6", batch_count="1", codes_per_batch="100"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "1,000,000 个可能的码" in page
    assert "每 10,000 个可能的码中就有 1 个有效" in page
    assert "百万分之一" in page
    assert "1e-" not in page
    assert "e+0" not in page
    assert "最短可接受的长度为 9" in page
    assert request_count(app) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("batch_count", "0", "批次数量必须是 1 到 1,000 之间的整数，当前为 0。"),
        ("batch_count", "-1", "批次数量必须是 1 到 1,000 之间的整数，当前为 -1。"),
        ("batch_count", "1.5", "批次数量必须是 1 到 1,000 之间的整数，当前为 1.5。"),
        ("codes_per_batch", "abc", "每批码数必须是 1 到"),
        ("code_length", "40", "码长度必须是 6 到 32 之间的整数，当前为 40。"),
        ("charset", "emoji", "请选择字符规则"),
        ("batch_prefix", "批次", "批次前缀"),
    ],
)
def test_bad_request_input_is_rejected(app, client, field, value, message):
    _, owner, product_id = make_producer_with_product(app)
    login(client, owner)
    response = client.post("/code-requests/new", data=form_data(product_id, **{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert request_count(app) == 0


def test_request_for_other_enterprise_product_is_rejected(app, client):
    _, owner, _ = make_producer_with_product(app)
    other_enterprise, _ = make_enterprise(app, "producer")
    foreign_product = make_product(app, other_enterprise)
    login(client, owner)
    response = client.post("/code-requests/new", data=form_data(foreign_product))
    assert response.status_code == 400
    assert "请选择您的商品" in response.get_data(as_text=True)
    assert request_count(app) == 0


def test_picker_lists_own_products_only(app, client):
    enterprise_id, owner, product_id = make_producer_with_product(app)
    other_enterprise, _ = make_enterprise(app, "producer")
    make_product(app, other_enterprise, name="别家商品")
    login(client, owner)
    items = client.get("/code-requests/products").json
    assert [item["id"] for item in items] == [product_id]
    assert set(items[0]) >= {
        "id",
        "name",
        "product_code",
        "price",
        "thumbnail_url",
        "code_count",
        "batch_count",
    }
    assert client.get("/code-requests/products?q=nothing-matches").json == []
    assert client.get(f"/code-requests/products?q={product_id}").json[0]["id"] == product_id


def test_admin_approves_and_codes_are_generated(app, client):
    _, owner, product_id = make_producer_with_product(app)
    request_id = submit(app, owner, product_id, batch_count="2", codes_per_batch="15")
    admin = make_admin(app)
    login(client, admin)
    assert "审核中" in client.get("/code-requests/").get_data(as_text=True)
    response = client.post(f"/code-requests/{request_id}/approve")
    assert response.status_code == 302
    with app.app_context():
        code_request = db.session.get(CodeRequest, request_id)
        assert code_request.status == RequestStatus.COMPLETED
        assert code_request.task_id
        assert db.session.scalar(select(func.count(TraceCode.id))) == 30
    page = client.get("/code-requests/").get_data(as_text=True)
    assert "30 / 30" in page


def test_admin_rejects_with_reason(app, client):
    _, owner, product_id = make_producer_with_product(app)
    request_id = submit(app, owner, product_id)
    login(client, make_admin(app))
    assert client.post(f"/code-requests/{request_id}/reject", data={"reason": ""}).status_code == 302
    with app.app_context():
        assert db.session.get(CodeRequest, request_id).status == RequestStatus.PENDING
    assert client.post(f"/code-requests/{request_id}/reject", data={"reason": "数量过多"}).status_code == 302
    logout(client)
    login(client, owner)
    page = client.get(f"/code-requests/{request_id}").get_data(as_text=True)
    assert "数量过多" in page
    assert "已拒绝" in page


def test_failed_request_is_retried_by_admin(app, client):
    _, owner, product_id = make_producer_with_product(app)
    request_id = submit(app, owner, product_id, batch_count="1", codes_per_batch="12")
    with app.app_context():
        code_request = db.session.get(CodeRequest, request_id)
        code_request.status = RequestStatus.FAILED
        code_request.error = "OperationalError: connection lost"
        db.session.commit()
    login(client, make_admin(app))
    page = client.get("/code-requests/").get_data(as_text=True)
    assert "connection lost" in page
    assert client.post(f"/code-requests/{request_id}/retry").status_code == 302
    with app.app_context():
        code_request = db.session.get(CodeRequest, request_id)
        assert code_request.status == RequestStatus.COMPLETED
        assert code_request.error is None
        assert db.session.scalar(select(func.count(TraceCode.id))) == 12


@pytest.mark.parametrize("enterprise_type", ["storage", "distributor"])
def test_other_enterprise_types_cannot_request(app, client, enterprise_type):
    _, owner = make_enterprise(app, enterprise_type)
    login(client, owner)
    assert client.get("/code-requests/").status_code == 403
    assert client.get("/code-requests/new").status_code == 403
    assert client.post("/code-requests/new", data=form_data(1)).status_code == 403


def test_consumer_and_anonymous_cannot_request(app, client):
    assert client.get("/code-requests/new").status_code == 302
    login(client, make_user(app))
    assert client.get("/code-requests/new").status_code == 403
    assert client.get("/code-requests/products").status_code == 403


def test_producer_cannot_review(app, client):
    _, owner, product_id = make_producer_with_product(app)
    request_id = submit(app, owner, product_id)
    login(client, owner)
    for action in ("approve", "retry"):
        assert client.post(f"/code-requests/{request_id}/{action}").status_code == 403
    assert client.post(f"/code-requests/{request_id}/reject", data={"reason": "x"}).status_code == 403
    with app.app_context():
        assert db.session.get(CodeRequest, request_id).status == RequestStatus.PENDING


def test_guessed_request_id_of_other_enterprise(app, client):
    _, owner, product_id = make_producer_with_product(app)
    request_id = submit(app, owner, product_id)
    _, other_owner, _ = make_producer_with_product(app)
    login(client, other_owner)
    assert client.get(f"/code-requests/{request_id}").status_code == 404
    assert client.get("/code-requests/99999").status_code == 404
    listing = client.get("/code-requests/").get_data(as_text=True)
    assert f'id="request-{request_id}"' not in listing
    progress = client.get("/code-requests/progress").json
    assert progress == []


def test_request_list_shows_batches_after_generation(app, client):
    _, owner, product_id = make_producer_with_product(app)
    request_id = submit(app, owner, product_id, batch_count="2", codes_per_batch="5", batch_prefix="X")
    login(client, make_admin(app))
    client.post(f"/code-requests/{request_id}/approve")
    logout(client)
    login(client, owner)
    page = client.get(f"/code-requests/{request_id}").get_data(as_text=True)
    assert "X0001" in page
    assert "X0002" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Batch.id))) == 2


def test_unreachable_broker_leaves_request_retryable(app, client, tmp_path):
    _, owner, product_id = make_producer_with_product(app)
    request_id = submit(app, owner, product_id)
    missing_folder = tmp_path / "missing" / "broker.db"
    app.extensions["celery"].conf.update(
        broker_url=f"sqla+sqlite:///{missing_folder}", task_always_eager=False, task_publish_retry=False
    )
    login(client, make_admin(app))
    assert client.post(f"/code-requests/{request_id}/approve").status_code == 302
    with app.app_context():
        code_request = db.session.get(CodeRequest, request_id)
        assert code_request.status == RequestStatus.APPROVED
        assert "could not enqueue" in code_request.error
    page = client.get("/code-requests/").get_data(as_text=True)
    assert f"/code-requests/{request_id}/retry" in page


def test_admin_lists_requests_of_every_enterprise(app, client):
    _, first_owner, first_product = make_producer_with_product(app)
    _, second_owner, second_product = make_producer_with_product(app)
    first = submit(app, first_owner, first_product)
    second = submit(app, second_owner, second_product)
    login(client, make_admin(app))
    page = client.get("/code-requests/?status=pending").get_data(as_text=True)
    assert f'id="request-{first}"' in page
    assert f'id="request-{second}"' in page
    assert client.get("/code-requests/?status=completed").get_data(as_text=True).count('id="request-') == 0
