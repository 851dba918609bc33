"""Products on PostgreSQL: row-level rules, counts, search and guessed ids."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Product
from tests.factories import login, make_enterprise
from tests.factories_codes import make_batch
from tests.factories_products import api_token, publish_product

pytestmark = pytest.mark.integration


def product_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Product.id)))


def test_postgres_product_screens_follow_row_rules(pg_app):
    a_id, a_owner = make_enterprise(pg_app, "producer")
    _, b_owner = make_enterprise(pg_app, "producer")
    a_product = publish_product(pg_app, a_owner, "甲的商品")
    b_product = publish_product(pg_app, b_owner, "乙的商品")
    make_batch(pg_app, a_id, a_product, count=3)
    client = pg_app.test_client()
    login(client, a_owner)

    page = client.get("/products/list/").get_data(as_text=True)
    assert "甲的商品" in page
    assert "乙的商品" not in page
    assert client.get(f"/products/list/?_flt_0_id={b_product}").status_code == 200
    assert client.get(f"/products/show/{b_product}").status_code == 404
    not_a_number = client.get("/products/list/?_flt_0_id=abc")
    assert not_a_number.status_code == 200
    assert "乙的商品" not in not_a_number.get_data(as_text=True)

    response = client.post("/products/action_post", data={"action": "bulk_delete", "rowid": [a_product]})
    assert response.status_code == 302
    assert product_count(pg_app) == 2


def test_postgres_api_guessed_ids(pg_app):
    _, a_owner = make_enterprise(pg_app, "producer")
    _, b_owner = make_enterprise(pg_app, "producer")
    publish_product(pg_app, a_owner)
    b_product = publish_product(pg_app, b_owner)
    client = pg_app.test_client()
    headers = {"Authorization": f"Bearer {api_token(client, a_owner)}"}

    for pk in (str(b_product), "999999", "abc", "1;drop"):
        # The GET route only matches integer ids, so other text gets 405 without a body.
        expected = (404,) if pk.isdigit() else (404, 405)
        assert client.get(f"/api/v1/product/{pk}", headers=headers).status_code in expected
        assert client.put(f"/api/v1/product/{pk}", headers=headers, json={"name": "x"}).status_code == 404
        assert client.delete(f"/api/v1/product/{pk}", headers=headers).status_code == 404
    assert product_count(pg_app) == 2
