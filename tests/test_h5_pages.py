"""The consumer H5 pages: home and scan entry, catalogue, product, news, "me" sub-pages."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import func, select

from app.extensions import db
from app.models import Favorite, Feedback
from app.models.content import ArticleKind
from tests.factories import login, logout, make_enterprise, make_user
from tests.factories_codes import make_batch, make_product
from tests.factories_scan import make_article, make_category, make_traced_item, outside_urls, set_product


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def test_home_has_scanner_and_code_box(app, client):
    page = client.get("/h5/").get_data(as_text=True)
    assert "data-scanner" in page
    assert 'name="code"' in page
    assert "扫码知溯源" in page
    assert "/static/h5.js" in page
    script = client.get("/static/h5.js").get_data(as_text=True)
    assert "BarcodeDetector" in script


def test_scan_entry_accepts_input_forms(app, client):
    enterprise_id, _owner = make_enterprise(app, "producer")
    code = make_batch(app, enterprise_id, make_product(app, enterprise_id), 1)[1][0]
    for typed in (code, f"https://suyuan.test/t/{code}?from=wx", "".join(chr(ord(c) + 0xFEE0) for c in code)):
        response = client.get(f"/h5/scan?code={quote(typed)}")
        assert response.status_code == 302, typed
        assert response.headers["Location"] == f"/t/{code}"


def test_scan_entry_rejects_non_code(app, client):
    response = client.get("/h5/scan?code=" + quote("不是 码!"))
    assert response.status_code == 400
    assert "不是溯源码" in response.get_data(as_text=True)


def test_catalogue_filters_and_hides_off_shelf(app, client):
    enterprise_id, _owner = make_enterprise(app, "producer")
    wine, tea = make_category(app, "酒类"), make_category(app, "茶叶")
    make_product(app, enterprise_id, name="赤水河酱酒", category_id=wine)
    make_product(app, enterprise_id, name="西湖龙井", category_id=tea, product_code="6901234567892")
    set_product(app, make_product(app, enterprise_id, name="下架的白茶", category_id=tea), on_shelf=False)

    everything = client.get("/h5/products").get_data(as_text=True)
    assert "赤水河酱酒" in everything
    assert "西湖龙井" in everything
    assert "下架的白茶" not in everything
    teas = client.get(f"/h5/products?category={tea}").get_data(as_text=True)
    assert "西湖龙井" in teas
    assert "赤水河酱酒" not in teas
    by_name = client.get("/h5/products?q=" + quote("酱酒")).get_data(as_text=True)
    assert "赤水河酱酒" in by_name
    assert "西湖龙井" not in by_name
    by_code = client.get("/h5/products?q=690123").get_data(as_text=True)
    assert "西湖龙井" in by_code
    assert "赤水河酱酒" not in by_code
    wildcard = client.get("/h5/products?q=%25").get_data(as_text=True)
    assert "没有找到商品" in wildcard


def test_product_page_details_and_off_shelf(app, client):
    enterprise_id, _owner = make_enterprise(app, "producer")
    product_id = make_product(
        app,
        enterprise_id,
        name="赤水河酱酒",
        description_html="<p>十二道工序</p>",
        main_image="products/a.png",
    )
    page = client.get(f"/h5/products/{product_id}").get_data(as_text=True)
    assert "赤水河酱酒" in page
    assert "十二道工序" in page
    assert "/media/products/a.png" in page
    assert "登录后收藏" in page

    set_product(app, product_id, on_shelf=False)
    assert client.get(f"/h5/products/{product_id}").status_code == 404
    assert client.get("/h5/products/999999").status_code == 404


def test_favorites_need_login(app, client):
    enterprise_id, _owner = make_enterprise(app, "producer")
    product_id = make_product(app, enterprise_id)
    response = client.post(f"/h5/products/{product_id}/favorite")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]
    assert client.get("/me/favorites").status_code == 302
    assert count(app, Favorite) == 0


def test_favorite_toggles_and_is_private_to_its_user(app, client):
    enterprise_id, _owner = make_enterprise(app, "producer")
    product_id = make_product(app, enterprise_id, name="赤水河酱酒")
    alice, bob = make_user(app), make_user(app)

    login(client, alice)
    client.post(f"/h5/products/{product_id}/favorite")
    assert "赤水河酱酒" in client.get("/me/favorites").get_data(as_text=True)
    assert 'data-favorite="on"' in client.get(f"/h5/products/{product_id}").get_data(as_text=True)

    logout(client)
    login(client, bob)
    assert "赤水河酱酒" not in client.get("/me/favorites").get_data(as_text=True)
    assert 'data-favorite="off"' in client.get(f"/h5/products/{product_id}").get_data(as_text=True)

    logout(client)
    login(client, alice)
    client.post(f"/h5/products/{product_id}/favorite", data={"next": "favorites"})
    assert count(app, Favorite) == 0


def test_favorite_guessed_or_off_shelf_404(app, client):
    enterprise_id, _owner = make_enterprise(app, "producer")
    hidden = make_product(app, enterprise_id)
    set_product(app, hidden, on_shelf=False)
    login(client, make_user(app))
    assert client.post("/h5/products/424242/favorite").status_code == 404
    assert client.post(f"/h5/products/{hidden}/favorite").status_code == 404
    assert count(app, Favorite) == 0


def test_query_history_private_and_filtered(app, client):
    item = make_traced_item(app)  # its product is in the category "白酒"
    tea = make_category(app, "茶叶")
    assert client.get("/me/history").status_code == 302

    alice, bob = make_user(app), make_user(app)
    login(client, alice)
    client.get(f"/t/{item.code}")
    page = client.get("/me/history").get_data(as_text=True)
    assert f'data-history-code="{item.code}"' in page
    assert "五粮精酿 52度" in page
    assert f'data-history-code="{item.code}"' not in client.get(f"/me/history?category={tea}").get_data(
        as_text=True
    )

    logout(client)
    login(client, bob)
    assert item.code not in client.get("/me/history").get_data(as_text=True)


def test_feedback_needs_login(app, client):
    response = client.post("/me/feedback", data={"content": "你好"})
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]
    assert count(app, Feedback) == 0


def test_empty_feedback_rejected(app, client):
    login(client, make_user(app))
    response = client.post("/me/feedback", data={"content": "   "})
    assert response.status_code == 400
    assert "请先填写反馈内容再提交" in response.get_data(as_text=True)
    response = client.post("/me/feedback", data={"content": "长" * 2001})
    assert "反馈内容过长" in response.get_data(as_text=True)
    assert count(app, Feedback) == 0


def test_feedback_is_private_and_reaches_the_admin_list(app, client):
    from tests.factories import make_admin

    alice, bob = make_user(app), make_user(app)
    login(client, alice)
    response = client.post("/me/feedback", data={"content": "扫码页打开很慢", "contact": "13800000000"})
    assert response.status_code == 302
    assert "扫码页打开很慢" in client.get("/me/feedback").get_data(as_text=True)

    logout(client)
    login(client, bob)
    assert "扫码页打开很慢" not in client.get("/me/feedback").get_data(as_text=True)
    assert client.get("/admin/feedback/list/").status_code == 403

    logout(client)
    login(client, make_admin(app))
    assert "扫码页打开很慢" in client.get("/admin/feedback/list/").get_data(as_text=True)


def test_contact_page_has_a_tap_to_call_number(app, client):
    app.config["CONTACT_PHONE"] = "400-123-4567"
    login(client, make_user(app))
    assert 'href="tel:4001234567"' in client.get("/me/feedback").get_data(as_text=True)


def test_me_page_links(app, client):
    user = make_user(app)
    login(client, user)
    page = client.get("/me").get_data(as_text=True)
    assert user.public_id in page
    for marker in (
        'href="/me/history"',
        'href="/me/favorites"',
        'href="/me/feedback"',
        "tel:",
        "data-clear-cache",
    ):
        assert marker in page, marker


def test_news_lists_published_articles_only(app, client):
    make_article(app, "春季新品发布", body="<p>正文内容</p>")
    make_article(app, "平台维护公告", kind=ArticleKind.ANNOUNCEMENT)
    draft = make_article(app, "草稿文章", published=False)

    page = client.get("/h5/news").get_data(as_text=True)
    assert "春季新品发布" in page
    assert "平台维护公告" in page
    assert "草稿文章" not in page
    announcements = client.get("/h5/news?kind=announcement").get_data(as_text=True)
    assert "平台维护公告" in announcements
    assert "春季新品发布" not in announcements
    assert client.get(f"/h5/news/{draft}").status_code == 404


def test_admin_article_body_is_sanitised_and_cover_checked(app, client):
    from tests.factories import make_admin, png_bytes

    login(client, make_admin(app))
    response = client.post(
        "/admin/articles/add",
        data={
            "kind": "news",
            "title": "溯源平台上线",
            "body_html": '<p onclick="x()">上线了</p><script>alert(1)</script>',
            "published": "y",
            "cover": (__import__("io").BytesIO(png_bytes()), "cover.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        from app.models import Article

        article = db.session.scalar(select(Article).where(Article.title == "溯源平台上线"))
        assert article.body_html == "<p>上线了</p>"
        assert article.cover_file.startswith("articles/")
        assert article.published_at is not None
        article_id = article.id
    page = client.get(f"/h5/news/{article_id}").get_data(as_text=True)
    assert "上线了" in page
    assert "/media/articles/" in page
    assert client.get(f"/media/{page.split('/media/')[1].split(chr(34))[0]}").status_code == 200


def test_admin_article_with_a_fake_image_is_refused(app, client):
    from tests.factories import make_admin

    login(client, make_admin(app))
    client.post(
        "/admin/articles/add",
        data={
            "kind": "news",
            "title": "坏图片",
            "body_html": "<p>x</p>",
            "cover": (__import__("io").BytesIO(b"not an image"), "cover.png"),
        },
        content_type="multipart/form-data",
    )
    with app.app_context():
        from app.models import Article

        assert db.session.scalar(select(func.count(Article.id))) == 0


def test_consumer_cannot_open_the_article_admin(app, client):
    login(client, make_user(app))
    assert client.get("/admin/articles/list/").status_code == 403
    assert client.get("/admin/articles/add").status_code == 403


def test_pages_request_nothing_from_other_hosts(app, client):
    item = make_traced_item(app)
    with app.app_context():
        from app.models import Enterprise, Product

        enterprise = db.session.get(Enterprise, item.producer_id)
        enterprise.profile_html = (
            '<p>简介</p><img src="https://cdn.example.com/a.png"><img src="//cdn.example.com/b.png">'
        )
        db.session.get(Product, item.product_id).description_html = '<img src="http://img.example.com/c.png">'
        db.session.commit()
    article = make_article(app, body='<p>文章</p><img src="https://img.example.com/d.png">')
    user = make_user(app)
    login(client, user)
    client.post(f"/h5/products/{item.product_id}/favorite")

    urls = [
        f"/t/{item.code}",
        "/t/UNKNOWNCODE1",
        "/h5/",
        "/h5/products",
        f"/h5/products/{item.product_id}",
        "/h5/news",
        f"/h5/news/{article}",
        "/me",
        "/me/history",
        "/me/favorites",
        "/me/feedback",
        "/register",
    ]
    for url in urls:
        if url == "/register":
            logout(client)
        page = client.get(url).get_data(as_text=True)
        assert outside_urls(page) == [], url
    assert "cdn.example.com" not in client.get(f"/t/{item.code}").get_data(as_text=True)
