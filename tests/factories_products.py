"""Products, categories and API tokens for the product tests."""

from __future__ import annotations

import itertools

from app.extensions import db
from app.models import Category, SuyuanUser
from app.products import ProductData, create_product
from tests.factories import Account, png_bytes, upload

_sequence = itertools.count(1)

# An EAN-13 number whose last digit is the correct GS1 check digit.
VALID_GTIN13 = "6901234567892"


def publish_product(app, owner: Account, name: str | None = None, **fields) -> int:
    """Publish a product through the domain function as ``owner``; returns its id."""
    values = {"name": name or f"商品{next(_sequence)}", "price": "9.90", "on_shelf": True}
    values.update(fields)
    with app.app_context():
        user = db.session.get(SuyuanUser, owner.id)
        product = create_product(user, ProductData(**values), upload(png_bytes(), "main.png"))
        return product.id


def make_category(app, name: str | None = None) -> int:
    with app.app_context():
        category = Category(name=name or f"分类{next(_sequence)}", sort_order=0)
        db.session.add(category)
        db.session.commit()
        return category.id


def api_token(client, account: Account) -> str:
    response = client.post(
        "/api/v1/security/login",
        json={"username": account.username, "password": account.password, "provider": "db"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]
