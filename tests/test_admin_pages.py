"""Admin pages of the Flask-AppBuilder ModelViews: every page opens, articles are listed,
searched and saved as drafts. List and show pages print local times, 是/否 and empty cells
instead of raw values."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_appbuilder import ModelView
from flask_login import login_user
from sqlalchemy import select

from app.extensions import db
from app.models import Article, Enterprise, Feedback, Shipment, SuyuanUser
from app.models.content import ArticleKind
from app.models.enterprise import EnterpriseStatus
from tests.factories import login, make_admin, make_user, submit
from tests.factories_scan import make_article, make_traced_item

# 2026-03-02 02:15:30.123456 UTC is 10:15:30 in Asia/Shanghai.
STORED_TIME = dt.datetime(2026, 3, 2, 2, 15, 30, 123456)
LOCAL_TIME = "2026-03-02 10:15:30"


def our_model_views(app) -> list[ModelView]:
    return [
        view
        for view in app.appbuilder.baseviews
        if isinstance(view, ModelView) and type(view).__module__.startswith("views.")
    ]


def first_id(view: ModelView) -> int | None:
    """The id of a row the view itself lists (after its base filters)."""
    _, rows = view.datamodel.query(view._base_filters, page=0, page_size=1)
    return rows[0].id if rows else None


@pytest.fixture
def admin_client(app, client):
    """The admin logged in, with at least one row behind every ModelView."""
    traced = make_traced_item(app)  # enterprises, category, product, batch, shipment
    make_article(app, "草稿", published=False)
    user = make_user(app)
    submit(app, user, "storage")  # a pending application
    with app.app_context():
        db.session.add(Feedback(user_id=user.id, content="包装破损", created_at=STORED_TIME))
        db.session.add(
            Shipment(
                enterprise_id=traced.producer_id,
                created_by_id=traced.producer_owner.id,
                logistics_company="中通快递",
                waybill_number="ZT20260302",
                shipper="陈师傅",
                shipped_at=STORED_TIME,
                created_at=STORED_TIME,
                item_count=0,
            )
        )
        db.session.commit()
    admin = make_admin(app)
    login(client, admin)
    client.admin_id = admin.id
    return client


def test_every_model_view_page_opens(app, admin_client):
    # The base filters (EnterpriseRowFilter) read the logged-in user.
    with app.test_request_context():
        login_user(db.session.get(SuyuanUser, admin_client.admin_id))
        views = our_model_views(app)
        pages = []
        for view in views:
            name = type(view).__name__
            pk = first_id(view)
            assert pk is not None, f"no row for {name}"
            pages.append(f"{view.route_base}/list/")
            if "can_add" in view.base_permissions:
                pages.append(f"{view.route_base}/add")
            if "can_show" in view.base_permissions:
                pages.append(f"{view.route_base}/show/{pk}")
            if "can_edit" in view.base_permissions:
                pages.append(f"{view.route_base}/edit/{pk}")
    assert {"ArticleAdminView", "FeedbackAdminView", "ShipmentView", "ProductView"} <= {
        type(view).__name__ for view in views
    }
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, f"{page} answered {response.status_code}"


@pytest.mark.parametrize(
    "query",
    [
        "_flt_0_title=草稿",
        "_flt_0_kind=news",
        "_flt_0_kind=announcement",
        "_flt_0_kind=bogus",
        "_flt_0_published=y",
    ],
)
def test_articles_list_and_search(app, admin_client, query):
    make_article(app, "春季新品发布", kind=ArticleKind.NEWS)
    make_article(app, "系统维护通知", kind=ArticleKind.ANNOUNCEMENT)
    response = admin_client.get(f"/admin/articles/list/?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    expected = {
        "_flt_0_title=草稿": (["草稿"], ["春季新品发布"]),
        "_flt_0_kind=news": (["春季新品发布", "新闻"], ["系统维护通知"]),
        "_flt_0_kind=announcement": (["系统维护通知", "公告"], ["春季新品发布"]),
        "_flt_0_kind=bogus": ([], ["春季新品发布", "系统维护通知"]),
        "_flt_0_published=y": (["春季新品发布", "系统维护通知"], ["草稿"]),
    }[query]
    for text in expected[0]:
        assert text in html
    for text in expected[1]:
        assert text not in html


def test_article_saved_as_unpublished_draft(app, admin_client):
    response = admin_client.post(
        "/admin/articles/add",
        data={"kind": "announcement", "title": "停机维护草稿", "body_html": "<p>周六凌晨</p>"},
    )
    assert response.status_code == 302
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.title == "停机维护草稿"))
        assert article.published is False
        assert article.published_at is None
    # Unticking "published" again on edit keeps a draft as well.
    response = admin_client.post(
        f"/admin/articles/edit/{article.id}",
        data={"kind": "announcement", "title": "停机维护", "body_html": "<p>周六凌晨</p>"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Article, article.id).title == "停机维护"


def test_feedback_can_be_marked_unhandled_again(app, admin_client):
    with app.app_context():
        feedback_id = db.session.scalar(select(Feedback.id))
    admin_client.post(f"/admin/feedback/edit/{feedback_id}", data={"handled": "y"})
    response = admin_client.post(f"/admin/feedback/edit/{feedback_id}", data={})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Feedback, feedback_id).handled is False


@pytest.mark.parametrize(
    "page", ["/admin/feedback/list/", "/admin/feedback/show/{feedback}", "/shipments/list/"]
)
def test_pages_show_local_times(app, admin_client, page):
    with app.app_context():
        feedback_id = db.session.scalar(select(Feedback.id))
    html = admin_client.get(page.format(feedback=feedback_id)).get_data(as_text=True)
    assert LOCAL_TIME in html
    assert "02:15:30" not in html
    assert ".123456" not in html
    assert ">None<" not in html
    assert "False" not in html


def test_shipment_show_local_time_and_blank(app, admin_client):
    with app.app_context():
        shipment_id = db.session.scalar(select(Shipment.id).where(Shipment.waybill_number == "ZT20260302"))
    html = admin_client.get(f"/shipments/show/{shipment_id}").get_data(as_text=True)
    assert LOCAL_TIME in html
    assert ".123456" not in html
    assert "None" not in html


def test_feedback_list_shows_yes_and_no(app, admin_client):
    with app.app_context():
        feedback_id = db.session.scalar(select(Feedback.id))
    html = admin_client.get("/admin/feedback/list/").get_data(as_text=True)
    assert "<td>否</td>" in html
    admin_client.post(f"/admin/feedback/edit/{feedback_id}", data={"handled": "y"})
    html = admin_client.get("/admin/feedback/list/").get_data(as_text=True)
    assert "<td>是</td>" in html


@pytest.mark.parametrize("page", ["/admin/enterprises/pending/list/", "/admin/articles/list/"])
def test_lists_print_no_raw_values(app, admin_client, page):
    html = admin_client.get(page).get_data(as_text=True)
    assert "None" not in html
    assert "False" not in html


def test_show_pages_print_no_raw_values(app, admin_client):
    with app.app_context():
        article_id = db.session.scalar(select(Article.id).where(Article.title == "草稿"))
        pending_id = db.session.scalar(
            select(Enterprise.id).where(Enterprise.status == EnterpriseStatus.PENDING)
        )
    for page in (f"/admin/articles/show/{article_id}", f"/admin/enterprises/pending/show/{pending_id}"):
        html = admin_client.get(page).get_data(as_text=True)
        assert ">None<" not in html, page
        assert "None</span>" not in html, page
        assert "False" not in html, page
