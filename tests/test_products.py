"""Product screens: publish, list, search, edit, shelve and delete, per role."""

import io
import os

import pytest
from sqlalchemy import func, select

from app.errors import ValidationFailed
from app.extensions import db
from app.images import thumbnail_name
from app.models import Enterprise, Favorite, Product, ProductImage
from app.products import gtin_check_digit, parse_price, validate_product_code
from tests.factories import login, make_admin, make_enterprise, make_user, png_bytes
from tests.factories_codes import make_batch
from tests.factories_products import VALID_GTIN13, make_category, publish_product


def product_form(**overrides) -> dict:
    values = {
        "name": "高山绿茶",
        "product_code": VALID_GTIN13,
        "category_id": "",
        "price": "128.50",
        "description_html": "<p>明前采摘</p>",
        "on_shelf": "y",
    }
    values.update(overrides)
    return values


def image_file(data: bytes | None = None, name: str = "photo.png"):
    return (io.BytesIO(data if data is not None else png_bytes()), name)


def product_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Product.id)))


def load_product(app, product_id: int) -> Product:
    with app.app_context():
        product = db.session.get(Product, product_id)
        db.session.expunge(product)
        return product


def upload_exists(app, name: str) -> bool:
    return os.path.isfile(os.path.join(app.config["UPLOAD_DIR"], name))


@pytest.fixture
def two_producers(app):
    """Producers A and B with one product each: ((enterprise, owner, product), ...)."""
    a_id, a_owner = make_enterprise(app, "producer")
    b_id, b_owner = make_enterprise(app, "producer")
    return (
        (a_id, a_owner, publish_product(app, a_owner, "甲的商品")),
        (b_id, b_owner, publish_product(app, b_owner, "乙的商品")),
    )


# ---------------------------------------------------------------- domain validators


def test_gtin_check_digit_known_values():
    assert gtin_check_digit("690123456789") == "2"
    assert gtin_check_digit("400638133393") == "1"
    assert gtin_check_digit("1001234567890") == "2"


def test_product_code_accepts_gtin14_and_free_codes():
    assert validate_product_code("10012345678902") == "10012345678902"
    assert validate_product_code(" TEA-2026.01 ") == "TEA-2026.01"
    assert validate_product_code("") is None


def test_product_code_rejects_bad_gtin_and_characters(app):
    with app.test_request_context():
        with pytest.raises(ValidationFailed, match="6901234567893"):
            validate_product_code("6901234567893")
        with pytest.raises(ValidationFailed):
            validate_product_code("茶叶<script>")


@pytest.mark.parametrize(
    "raw", ["-1", "abc", "1.234", "NaN", "Infinity", "", "99999999999", "1e30", "1E+40", "1e-30"]
)
def test_parse_price_rejects(app, raw):
    with app.test_request_context(), pytest.raises(ValidationFailed):
        parse_price(raw)


def test_parse_price_accepts_yuan_amounts():
    assert str(parse_price("0")) == "0.00"
    assert str(parse_price(" 12.5 ")) == "12.50"
    assert str(parse_price(3)) == "3.00"


# ---------------------------------------------------------------- publishing


def test_producer_publishes_product_with_images(app, client):
    _, owner = make_enterprise(app, "producer")
    category_id = make_category(app, "茶叶")
    login(client, owner)
    assert "发布商品" in client.get("/products/list/").get_data(as_text=True)
    assert "发布商品" in client.get("/products/add").get_data(as_text=True)

    response = client.post(
        "/products/add",
        data={
            **product_form(category_id=str(category_id)),
            "main_image": image_file(png_bytes((800, 600))),
            "gallery": [image_file(name="a.png"), image_file(name="b.png")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302

    with app.app_context():
        product = db.session.scalar(select(Product))
        assert product.name == "高山绿茶"
        assert product.product_code == VALID_GTIN13
        assert str(product.price) == "128.50"
        assert product.category_id == category_id
        assert product.on_shelf is True
        assert product.main_image.startswith("products/")
        assert len(product.images) == 2
        main_image, gallery = product.main_image, [(i.file, i.thumbnail_file) for i in product.images]
    assert upload_exists(app, main_image)
    assert upload_exists(app, thumbnail_name(main_image))
    for file, thumbnail in gallery:
        assert upload_exists(app, file)
        assert upload_exists(app, thumbnail)
    assert client.get(f"/media/{thumbnail_name(main_image)}").status_code == 200


def test_thumbnail_is_bounded(app):
    from PIL import Image

    _, owner = make_enterprise(app, "producer")
    product_id = publish_product(app, owner)
    product = load_product(app, product_id)
    with Image.open(os.path.join(app.config["UPLOAD_DIR"], thumbnail_name(product.main_image))) as image:
        assert image.format == "JPEG"
        assert max(image.size) <= 240


def test_list_shows_counts_and_thumbnail(app, client, two_producers):
    (a_id, a_owner, a_product), _ = two_producers
    make_batch(app, a_id, a_product, count=4)
    make_batch(app, a_id, a_product, count=3)
    login(client, a_owner)
    page = client.get("/products/list/").get_data(as_text=True)
    assert "甲的商品" in page
    assert "_thumb.jpg" in page
    assert ">7<" in page.replace(" ", "").replace("\n", "")
    assert ">2<" in page.replace(" ", "").replace("\n", "")


def test_search_by_name_and_id(app, client):
    _, owner = make_enterprise(app, "producer")
    tea = publish_product(app, owner, "绿茶")
    publish_product(app, owner, "红酒")
    login(client, owner)

    by_name = client.get("/products/list/?_flt_2_name=绿茶").get_data(as_text=True)
    assert "绿茶" in by_name
    assert "红酒" not in by_name

    by_id = client.get(f"/products/list/?_flt_0_id={tea}").get_data(as_text=True)
    assert "绿茶" in by_id
    assert "红酒" not in by_id


# ---------------------------------------------------------------- row-level security


def enterprise_name(app, enterprise_id: int) -> str:
    with app.app_context():
        return db.session.get(Enterprise, enterprise_id).name


def test_list_and_search_show_only_own_products(app, client, two_producers):
    (a_id, a_owner, _), (b_id, _, b_product) = two_producers
    login(client, a_owner)
    page = client.get("/products/list/").get_data(as_text=True)
    assert "甲的商品" in page
    assert "乙的商品" not in page
    # The enterprise dropdown of the search form is filtered too.
    assert enterprise_name(app, a_id) in page
    assert enterprise_name(app, b_id) not in page
    searched = client.get("/products/list/?_flt_2_name=乙").get_data(as_text=True)
    assert "乙的商品" not in searched
    by_id = client.get(f"/products/list/?_flt_0_id={b_product}").get_data(as_text=True)
    assert "乙的商品" not in by_id


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/products/show/{id}"),
        ("get", "/products/edit/{id}"),
        ("post", "/products/edit/{id}"),
        ("post", "/products/delete/{id}"),
    ],
)
def test_other_producers_product_is_not_found(app, client, two_producers, method, path):
    (_, a_owner, _), (_, _, b_product) = two_producers
    login(client, a_owner)
    response = getattr(client, method)(path.format(id=b_product), data=product_form(name="改名"))
    assert response.status_code == 404
    assert "乙的商品" not in response.get_data(as_text=True)
    assert load_product(app, b_product).name == "乙的商品"


@pytest.mark.parametrize("action", ["put_on_shelf", "take_off_shelf", "bulk_delete"])
def test_bulk_action_on_other_producers_product_is_refused(app, client, two_producers, action):
    (_, a_owner, a_product), (_, _, b_product) = two_producers
    before = load_product(app, b_product).on_shelf
    login(client, a_owner)
    response = client.post(
        "/products/action_post", data={"action": action, "rowid": [str(a_product), str(b_product)]}
    )
    assert response.status_code == 404
    assert product_count(app) == 2
    assert load_product(app, b_product).on_shelf == before


def test_guessed_missing_id_is_not_found(app, client):
    _, owner = make_enterprise(app, "producer")
    login(client, owner)
    assert client.get("/products/show/999999").status_code == 404
    assert client.get("/products/edit/abc").status_code == 404


@pytest.mark.parametrize("enterprise_type", ["storage", "distributor"])
def test_other_enterprise_types_cannot_reach_products(app, client, two_producers, enterprise_type):
    (_, _, a_product), _ = two_producers
    _, owner = make_enterprise(app, enterprise_type)
    login(client, owner)
    assert client.get("/products/list/").status_code == 403
    assert client.get(f"/products/show/{a_product}").status_code == 403
    assert client.post("/products/add", data=product_form()).status_code == 403
    bulk = client.post("/products/action_post", data={"action": "bulk_delete", "rowid": [a_product]})
    assert bulk.status_code == 403
    assert product_count(app) == 2


def test_consumer_cannot_reach_products(app, client, two_producers):
    login(client, make_user(app))
    assert client.get("/products/list/").status_code == 403


def test_staff_manage_enterprise_products(app, client, two_producers):
    from tests.test_staff import accept_invite

    (a_id, a_owner, a_product), (_, _, b_product) = two_producers
    staff = make_user(app)
    accept_invite(app, a_owner, staff)
    client.get("/logout/")
    login(client, staff)
    page = client.get("/products/list/").get_data(as_text=True)
    assert "甲的商品" in page
    assert "乙的商品" not in page
    assert client.get(f"/products/show/{b_product}").status_code == 404


def test_admin_sees_all_products_but_publishes_none(app, client, two_producers):
    login(client, make_admin(app))
    page = client.get("/products/list/").get_data(as_text=True)
    assert "甲的商品" in page
    assert "乙的商品" in page
    assert 'id="publish-product"' not in page
    response = client.post("/products/add", data=product_form())
    assert response.status_code == 403
    assert product_count(app) == 2


def test_admin_takes_any_product_off_shelf(app, client, two_producers):
    (_, _, a_product), (_, _, b_product) = two_producers
    login(client, make_admin(app))
    response = client.post(
        "/products/action_post", data={"action": "take_off_shelf", "rowid": [a_product, b_product]}
    )
    assert response.status_code == 302
    assert load_product(app, a_product).on_shelf is False
    assert load_product(app, b_product).on_shelf is False


# ---------------------------------------------------------------- edits and bulk actions


def test_bulk_shelving_of_own_products(app, client):
    _, owner = make_enterprise(app, "producer")
    ids = [publish_product(app, owner, on_shelf=True) for _ in range(3)]
    login(client, owner)
    response = client.post("/products/action_post", data={"action": "take_off_shelf", "rowid": ids[:2]})
    assert response.status_code == 302
    assert [load_product(app, i).on_shelf for i in ids] == [False, False, True]
    page = client.get("/products/list/").get_data(as_text=True)
    assert "2 件商品已下架" in page

    client.post("/products/action_post", data={"action": "put_on_shelf", "rowid": ids[:1]})
    assert load_product(app, ids[0]).on_shelf is True


def test_bulk_delete_of_own_products(app, client):
    _, owner = make_enterprise(app, "producer")
    ids = [publish_product(app, owner) for _ in range(2)]
    main_image = load_product(app, ids[0]).main_image
    login(client, owner)
    response = client.post("/products/action_post", data={"action": "bulk_delete", "rowid": ids})
    assert response.status_code == 302
    assert product_count(app) == 0
    assert not upload_exists(app, main_image)
    assert not upload_exists(app, thumbnail_name(main_image))


def test_delete_removes_favorites_of_product(app, client):
    _, owner = make_enterprise(app, "producer")
    product_id = publish_product(app, owner)
    consumer = make_user(app)
    with app.app_context():
        db.session.add(Favorite(user_id=consumer.id, product_id=product_id))
        db.session.commit()
    login(client, owner)
    assert client.post(f"/products/delete/{product_id}").status_code == 302
    assert product_count(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Favorite.id))) == 0


def test_product_with_codes_cannot_be_deleted(app, client):
    enterprise_id, owner = make_enterprise(app, "producer")
    coded = publish_product(app, owner, "有码商品")
    plain = publish_product(app, owner, "无码商品")
    make_batch(app, enterprise_id, coded, count=2)
    login(client, owner)

    response = client.post("/products/action_post", data={"action": "bulk_delete", "rowid": [coded, plain]})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "有码商品" in page
    assert "下架" in page
    assert product_count(app) == 2

    response = client.post(f"/products/delete/{coded}", follow_redirects=True)
    assert "不能删除" in response.get_data(as_text=True)
    assert product_count(app) == 2


def test_edit_replaces_main_image_and_removes_gallery_image(app, client):
    _, owner = make_enterprise(app, "producer")
    login(client, owner)
    client.post(
        "/products/add",
        data={**product_form(), "main_image": image_file(), "gallery": [image_file(), image_file()]},
        content_type="multipart/form-data",
    )
    with app.app_context():
        product = db.session.scalar(select(Product))
        product_id, old_main = product.id, product.main_image
        removed = product.images[0]
        removed_id, removed_file = removed.id, removed.file

    response = client.post(
        f"/products/edit/{product_id}",
        data={
            **product_form(name="新名称", price="99"),
            "main_image": image_file(png_bytes(color=(1, 2, 3))),
            "remove_image": [str(removed_id)],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    product = load_product(app, product_id)
    assert product.name == "新名称"
    assert str(product.price) == "99.00"
    assert product.main_image != old_main
    assert not upload_exists(app, old_main)
    assert not upload_exists(app, removed_file)
    with app.app_context():
        assert db.session.scalar(select(func.count(ProductImage.id))) == 1


def test_edit_form_shows_current_values(app, client):
    _, owner = make_enterprise(app, "producer")
    product_id = publish_product(app, owner, "现有商品", product_code="ABC-1")
    login(client, owner)
    page = client.get(f"/products/edit/{product_id}").get_data(as_text=True)
    assert 'value="现有商品"' in page
    assert 'value="ABC-1"' in page
    assert 'value="9.90"' in page


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("product_code", "6901234567893", "校验位"),
        ("price", "-5", "负数"),
        ("price", "十元", "不是数字"),
        ("price", "1e30", "过大，上限为 9999999999.99 元"),
        ("price", "1E+40", "过大"),
        ("name", "", "商品名称"),
    ],
)
def test_bad_product_input_changes_nothing(app, client, field, value, message):
    _, owner = make_enterprise(app, "producer")
    login(client, owner)
    response = client.post("/products/add", data=product_form(**{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert product_count(app) == 0


def test_bad_edit_changes_nothing(app, client):
    _, owner = make_enterprise(app, "producer")
    product_id = publish_product(app, owner, "原名")
    login(client, owner)
    response = client.post(f"/products/edit/{product_id}", data=product_form(name="新名", price="abc"))
    assert response.status_code == 400
    assert load_product(app, product_id).name == "原名"


def test_fake_image_is_rejected(app, client):
    _, owner = make_enterprise(app, "producer")
    login(client, owner)
    response = client.post(
        "/products/add",
        data={**product_form(), "main_image": (io.BytesIO(b"<?php echo 1; ?>"), "evil.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "不是有效的图片" in response.get_data(as_text=True)
    assert product_count(app) == 0
    assert not os.path.isdir(os.path.join(app.config["UPLOAD_DIR"], "products")) or not os.listdir(
        os.path.join(app.config["UPLOAD_DIR"], "products")
    )


def test_oversized_gallery_image_is_rejected(app, client):
    app.config["MAX_UPLOAD_BYTES"] = 2048
    _, owner = make_enterprise(app, "producer")
    login(client, owner)
    big = os.urandom(4096)
    response = client.post(
        "/products/add",
        data={**product_form(), "gallery": [image_file(big, "big.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "图片过大" in response.get_data(as_text=True)
    assert product_count(app) == 0


def test_xss_description_is_stored_sanitised_and_inert(app, client):
    _, owner = make_enterprise(app, "producer")
    login(client, owner)
    payload = (
        '<p onclick="steal()">好茶<script>alert(1)</script></p>'
        '<a href="javascript:alert(2)">链接</a><img src="x" onerror="alert(3)">'
    )
    client.post("/products/add", data=product_form(description_html=payload))
    with app.app_context():
        product = db.session.scalar(select(Product))
        stored, product_id = product.description_html, product.id
    assert "好茶" in stored
    for bad in ("<script", "onclick", "onerror", "javascript:"):
        assert bad not in stored

    page = client.get(f"/products/show/{product_id}").get_data(as_text=True)
    assert "好茶" in page
    assert "alert(1)" not in page
    assert "onerror" not in page
    assert "javascript:alert" not in page


def test_bulk_action_requires_csrf_token(app, client):
    import re

    _, owner = make_enterprise(app, "producer")
    product_id = publish_product(app, owner)
    login(client, owner)
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/products/list/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None, "the bulk action form carries no CSRF token"

    without = client.post("/products/action_post", data={"action": "bulk_delete", "rowid": [product_id]})
    assert without.status_code == 400
    assert product_count(app) == 1

    with_token = client.post(
        "/products/action_post",
        data={"action": "bulk_delete", "rowid": [product_id], "csrf_token": token.group(1)},
    )
    assert with_token.status_code == 302
    assert product_count(app) == 0
