"""Trace history, categories and articles written straight to the database for scan tests.

Packing, shipping, handling and write-off have their own domain functions (another
issue); these tests only need their records to exist, so they insert the rows the way
those functions leave them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Article,
    Batch,
    Category,
    Product,
    ScanLog,
    Shipment,
    TraceCode,
    TraceEvent,
)
from app.models.codes import CodeKind, CodeStatus
from app.models.content import ArticleKind
from app.models.trace import EventKind
from tests.factories import Account, make_enterprise
from tests.factories_codes import make_batch, make_product

_sequence = itertools.count(1)
BASE_TIME = dt.datetime(2026, 3, 1, 2, 0, 0)  # UTC; 10:00 in Asia/Shanghai

# Attributes that make a browser fetch or navigate: none may point at another host.
URL_ATTRIBUTE = re.compile(r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']([^"']*)["']""", re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)", re.I)


def outside_urls(html: str) -> list[str]:
    """URLs in ``html`` that name a host (``scheme://host`` or ``//host``); ``tel:`` and
    ``mailto:`` links open the phone or mail app, not a request, and are allowed."""
    urls = URL_ATTRIBUTE.findall(html) + CSS_URL.findall(html)
    return [url for url in urls if re.match(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", url, re.I)]


@dataclass(frozen=True)
class TracedItem:
    """An item code with a full history, and the ids and values a test checks for."""

    code: str
    code_id: int
    box_code: str
    producer_id: int
    distributor_id: int
    storage_id: int
    product_id: int
    producer_owner: Account
    distributor_owner: Account
    storage_owner: Account


def make_category(app, name: str | None = None) -> int:
    with app.app_context():
        category = Category(name=name or f"分类{next(_sequence)}", sort_order=next(_sequence))
        db.session.add(category)
        db.session.commit()
        return category.id


def code_row(app, code: str) -> dict:
    """The counters of one code and its number of scan log rows."""
    with app.app_context():
        row = db.session.scalar(select(TraceCode).where(TraceCode.code == code))
        logs = db.session.scalar(select(func.count(ScanLog.id)).where(ScanLog.code_id == row.id))
        return {
            "id": row.id,
            "scan_count": row.scan_count,
            "first_scan_at": row.first_scan_at,
            "last_scan_at": row.last_scan_at,
            "logs": logs,
        }


def scan_logs(app, code: str) -> list[ScanLog]:
    with app.app_context():
        rows = db.session.scalars(
            select(ScanLog)
            .join(TraceCode, TraceCode.id == ScanLog.code_id)
            .where(TraceCode.code == code)
            .order_by(ScanLog.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def set_status(app, code: str, status: CodeStatus) -> None:
    with app.app_context():
        row = db.session.scalar(select(TraceCode).where(TraceCode.code == code))
        row.status = status
        db.session.commit()


def make_traced_item(app) -> TracedItem:
    """A producer's item with production data, packed in a box that was shipped to a
    distributor, handled by a storage enterprise and sold by the distributor."""
    producer_id, producer_owner = make_enterprise(app, "producer")
    distributor_id, distributor_owner = make_enterprise(app, "distributor")
    storage_id, storage_owner = make_enterprise(app, "storage")
    category_id = make_category(app, "白酒")
    product_id = make_product(
        app, producer_id, name="五粮精酿 52度", main_image="products/wine.png", category_id=category_id
    )
    batch_id, codes = make_batch(app, producer_id, product_id, count=3)
    code = codes[0]

    with app.app_context():
        batch = db.session.get(Batch, batch_id)
        batch.production_date = dt.date(2026, 2, 14)
        batch.production_team = "灌装二班"
        producer = batch.enterprise
        producer.profile_html = "<p>百年酒厂，坐落于宜宾。</p>"

        box = TraceCode(
            code=f"BOX{next(_sequence):09d}",
            kind=CodeKind.BOX,
            enterprise_id=producer_id,
            batch_id=batch_id,
            status=CodeStatus.SHIPPED,
        )
        db.session.add(box)
        db.session.flush()
        item = db.session.scalar(select(TraceCode).where(TraceCode.code == code))
        item.parent_id = box.id
        item.status = CodeStatus.SOLD
        item.sold_at = BASE_TIME + dt.timedelta(days=5)
        item.sold_by_enterprise_id = distributor_id

        shipment = Shipment(
            enterprise_id=producer_id,
            logistics_company="顺丰速运",
            waybill_number="SF1234567890",
            vehicle_number="粤A12345",
            shipped_at=BASE_TIME + dt.timedelta(days=1),
            shipper="李发货",
            destination_enterprise_id=distributor_id,
            item_count=1,
            created_by_id=producer_owner.id,
        )
        db.session.add(shipment)
        db.session.flush()
        db.session.add_all(
            [
                TraceEvent(
                    kind=EventKind.PACKED,
                    code_id=item.id,
                    box_id=box.id,
                    enterprise_id=producer_id,
                    occurred_at=BASE_TIME,
                ),
                TraceEvent(
                    kind=EventKind.SHIPPED,
                    code_id=box.id,
                    enterprise_id=producer_id,
                    occurred_at=BASE_TIME + dt.timedelta(days=1),
                    shipment_id=shipment.id,
                ),
                TraceEvent(
                    kind=EventKind.HANDLED,
                    code_id=item.id,
                    enterprise_id=storage_id,
                    occurred_at=BASE_TIME + dt.timedelta(days=3),
                    stage="入库",
                    location="三号仓 A-12 货架",
                    condition="完好",
                    remarks="冷链到货",
                ),
                TraceEvent(
                    kind=EventKind.SOLD,
                    code_id=item.id,
                    enterprise_id=distributor_id,
                    occurred_at=BASE_TIME + dt.timedelta(days=5),
                ),
            ]
        )
        db.session.commit()
        return TracedItem(
            code=code,
            code_id=item.id,
            box_code=box.code,
            producer_id=producer_id,
            distributor_id=distributor_id,
            storage_id=storage_id,
            product_id=product_id,
            producer_owner=producer_owner,
            distributor_owner=distributor_owner,
            storage_owner=storage_owner,
        )


def make_article(
    app,
    title: str | None = None,
    *,
    published: bool = True,
    kind: ArticleKind = ArticleKind.NEWS,
    body: str = "",
) -> int:
    with app.app_context():
        article = Article(
            kind=kind,
            title=title or f"新闻{next(_sequence)}",
            body_html=body,
            published=published,
            published_at=BASE_TIME if published else None,
        )
        db.session.add(article)
        db.session.commit()
        return article.id


def set_product(app, product_id: int, **fields) -> None:
    with app.app_context():
        product = db.session.get(Product, product_id)
        for name, value in fields.items():
            setattr(product, name, value)
        db.session.commit()
