"""The product REST API at /api/v1/product/: tokens, row-level rules and bad bodies."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Product
from tests.factories import login, make_admin, make_enterprise, make_user
from tests.factories_codes import make_batch
from tests.factories_products import VALID_GTIN13, api_token, make_category, publish_product


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}", "Accept-Language": "zh"}


def product_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Product.id)))


def product_field(app, product_id: int, field: str):
    with app.app_context():
        return getattr(db.session.get(Product, product_id), field)


@pytest.fixture
def producers(app, client):
    """Two producers with one product each; returns (a_token, a_product, b_product)."""
    _, a_owner = make_enterprise(app, "producer")
    _, b_owner = make_enterprise(app, "producer")
    a_product = publish_product(app, a_owner, "甲的商品")
    b_product = publish_product(app, b_owner, "乙的商品")
    return api_token(client, a_owner), a_product, b_product


def test_api_requires_token(client):
    assert client.get("/api/v1/product/").status_code == 401


def test_api_lists_only_own_products(client, producers):
    token, a_product, b_product = producers
    body = client.get("/api/v1/product/", headers=bearer(token)).get_json()
    assert body["count"] == 1
    assert body["ids"] == [a_product]
    assert body["result"][0]["name"] == "甲的商品"


def test_api_search_cannot_reach_other_products(client, producers):
    token, _, b_product = producers
    query = f"(filters:!((col:id,opr:eq,value:{b_product})))"
    body = client.get(f"/api/v1/product/?q={query}", headers=bearer(token)).get_json()
    assert body["count"] == 0


def test_api_other_producers_product_by_guessed_id(app, client, producers):
    token, _, b_product = producers
    headers = bearer(token)
    responses = [
        client.get(f"/api/v1/product/{b_product}", headers=headers),
        client.put(f"/api/v1/product/{b_product}", headers=headers, json={"name": "改名", "on_shelf": False}),
        client.delete(f"/api/v1/product/{b_product}", headers=headers),
    ]
    for response in responses:
        assert response.status_code == 404
        assert "乙的商品" not in response.get_data(as_text=True)
    assert product_field(app, b_product, "name") == "乙的商品"
    assert product_field(app, b_product, "on_shelf") is True
    assert product_count(app) == 2


def test_api_creates_product_for_own_enterprise(app, client, producers):
    token, _, _ = producers
    category_id = make_category(app)
    response = client.post(
        "/api/v1/product/",
        headers=bearer(token),
        json={"name": "新茶", "price": 12.5, "product_code": VALID_GTIN13, "category": category_id},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["result"]["price"] == "12.50"
    assert body["result"]["category"]["id"] == category_id
    with app.app_context():
        product = db.session.get(Product, body["id"])
        own = db.session.scalar(select(Product.enterprise_id).where(Product.name == "甲的商品"))
        assert product.enterprise_id == own


def test_api_shelves_and_edits_own_product(app, client, producers):
    token, a_product, _ = producers
    response = client.put(f"/api/v1/product/{a_product}", headers=bearer(token), json={"on_shelf": False})
    assert response.status_code == 200
    assert product_field(app, a_product, "on_shelf") is False
    assert product_field(app, a_product, "name") == "甲的商品"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "x", "price": "1", "product_code": "6901234567893"}, "product_code", "校验位"),
        ({"name": "x", "price": -1}, "price", "负数"),
        ({"name": "x", "price": "abc"}, "price", "不是数字"),
        ({"name": "x", "price": "1e30"}, "price", "过大，上限为 9999999999.99 元"),
        ({"name": "x", "price": 1e30}, "price", "过大"),
        ({"name": "x", "price": "1", "on_shelf": "yes"}, "on_shelf", "true"),
        ({"name": "x", "price": "1", "category": 999}, "category_id", "不存在"),
    ],
)
def test_api_bad_body_changes_nothing(app, client, producers, body, field, message):
    token, _, _ = producers
    response = client.post("/api/v1/product/", headers=bearer(token), json=body)
    assert response.status_code == 400
    assert response.get_json()["field"] == field
    assert message in response.get_json()["message"]
    assert product_count(app) == 2


def test_api_rejects_unknown_fields_and_non_objects(app, client, producers):
    token, a_product, _ = producers
    response = client.put(f"/api/v1/product/{a_product}", headers=bearer(token), json={"enterprise": 2})
    assert response.status_code == 422
    assert "enterprise" in response.get_json()["message"]
    assert client.post("/api/v1/product/", headers=bearer(token), json=[1, 2]).status_code == 400
    assert product_count(app) == 2


def test_api_xss_description_is_sanitised(app, client, producers):
    token, a_product, _ = producers
    payload = '<p>好</p><script>alert(1)</script><img src="x" onerror="alert(2)">'
    response = client.put(
        f"/api/v1/product/{a_product}", headers=bearer(token), json={"description_html": payload}
    )
    assert response.status_code == 200
    stored = product_field(app, a_product, "description_html")
    assert "<script" not in stored
    assert "onerror" not in stored
    assert "<p>好</p>" in stored


def test_api_delete_of_product_with_codes_is_refused(app, client):
    enterprise_id, owner = make_enterprise(app, "producer")
    product_id = publish_product(app, owner)
    make_batch(app, enterprise_id, product_id)
    response = client.delete(f"/api/v1/product/{product_id}", headers=bearer(api_token(client, owner)))
    assert response.status_code == 409
    assert "下架" in response.get_json()["message"]
    assert product_count(app) == 1


def test_api_deletes_own_product_without_codes(app, client, producers):
    token, a_product, _ = producers
    assert client.delete(f"/api/v1/product/{a_product}", headers=bearer(token)).status_code == 200
    assert product_count(app) == 1


@pytest.mark.parametrize("enterprise_type", ["storage", "distributor"])
def test_api_refuses_other_enterprise_types(app, client, producers, enterprise_type):
    _, a_product, _ = producers
    _, owner = make_enterprise(app, enterprise_type)
    headers = bearer(api_token(client, owner))
    assert client.get("/api/v1/product/", headers=headers).status_code == 403
    assert client.get(f"/api/v1/product/{a_product}", headers=headers).status_code == 403
    assert client.post("/api/v1/product/", headers=headers, json={"name": "x", "price": 1}).status_code == 403
    assert client.delete(f"/api/v1/product/{a_product}", headers=headers).status_code == 403
    assert product_count(app) == 2


def test_api_refuses_consumer(app, client, producers):
    headers = bearer(api_token(client, make_user(app)))
    assert client.get("/api/v1/product/", headers=headers).status_code == 403


def test_api_admin_sees_all_but_publishes_none(app, client, producers):
    headers = bearer(api_token(client, make_admin(app)))
    assert client.get("/api/v1/product/", headers=headers).get_json()["count"] == 2
    response = client.post("/api/v1/product/", headers=headers, json={"name": "x", "price": 1})
    assert response.status_code == 403
    assert product_count(app) == 2


def test_openapi_spec_documents_product_api(app, client):
    headers = bearer(api_token(client, make_admin(app)))
    spec = client.get("/api/v1/_openapi", headers=headers).get_json()
    assert "/api/v1/product/" in spec["paths"]
    assert "/api/v1/product/{pk}" in spec["paths"]
    assert set(spec["paths"]["/api/v1/product/{pk}"]) >= {"get", "put", "delete"}


def test_api_messages_in_english_on_request(client, producers):
    token, _, _ = producers
    body = {"name": "x", "price": "-1"}
    chinese = client.post("/api/v1/product/", headers=bearer(token), json=body).get_json()
    english = client.post("/api/v1/product/?_l_=en", headers=bearer(token), json=body).get_json()
    assert "负数" in chinese["message"]
    assert "negative" in english["message"]


def test_swagger_ui_for_admin(app, client):
    login(client, make_admin(app))
    response = client.get("/swagger/v1")
    assert response.status_code == 200
    assert "/api/v1/_openapi" in response.get_data(as_text=True)
