"""Demo data for a first look: enterprises of every type with logins, a product per
producer and an approved code request with generated codes.

Idempotent: running it again finds the existing demo data and reports it.
"""

from __future__ import annotations

import io
import logging
from decimal import Decimal

from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.accounts import register_user
from app.code_requests import RequestForm, approve_request, submit_request
from app.enterprises import ApplicationForm, approve_application, submit_application
from app.extensions import db
from app.generation import generate_request
from app.labels import label_url
from app.models import CodeRequest, Enterprise, Product, SuyuanUser, TraceCode
from app.models.codes import RequestStatus
from app.security import ROLE_ADMIN
from app.validators import credit_code_check_character

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 (printed for the demo logins)

# (username, enterprise type, enterprise name, first 17 characters of the credit code)
DEMO_ENTERPRISES = [
    ("producer1", "producer", "示例食品有限公司", "91440101MA5CXXXX1"),
    ("producer2", "producer", "示例茶业有限公司", "91440101MA5CXXXX2"),
    ("storage1", "storage", "示例物流有限公司", "91440101MA5CXXXX3"),
    ("distributor1", "distributor", "示例商贸有限公司", "91440101MA5CXXXX4"),
]
DEMO_CONSUMER = "consumer1"
# (product name, product code, price, batch prefix) per demo producer
DEMO_PRODUCTS = {
    "producer1": ("示例有机大米 5kg", "6901234567892", Decimal("59.00"), "RICE"),
    "producer2": ("示例明前龙井 250g", "6901234567809", Decimal("168.00"), "TEA"),
}
DEMO_SCAN_URLS = 3


def demo_licence() -> FileStorage:
    """Return a small generated PNG in place of a scanned business licence."""
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 40, 40)).save(buffer, format="PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename="licence.png", content_type="image/png")


def _credit_code(first17: str) -> str:
    first17 = first17.replace("X", "0")
    return first17 + credit_code_check_character(first17)


def _user(username: str) -> SuyuanUser:
    user = db.session.scalar(select(SuyuanUser).where(SuyuanUser.username == username))
    if user is None:
        user = register_user(username, DEMO_PASSWORD, DEMO_PASSWORD, name=username)
    return user


def create_demo_data() -> dict:
    """Create (or find) the demo accounts and return their logins and scan URLs."""
    admin = db.session.scalar(
        select(SuyuanUser).where(SuyuanUser.roles.any(name=ROLE_ADMIN)).order_by(SuyuanUser.id)
    )
    if admin is None:
        raise RuntimeError("create the admin first: flask suyuan create-admin")

    logins = []
    for username, enterprise_type, name, first17 in DEMO_ENTERPRISES:
        user = _user(username)
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.applicant_id == user.id))
        if enterprise is None:
            form = ApplicationForm(
                type=enterprise_type,
                name=name,
                credit_code=_credit_code(first17),
                legal_representative="张三",
                registered_address="广东省广州市天河区",
                detailed_address="示例路 1 号",
                contact_name="李四",
                mobile="13800138000",
                email=f"{username}@example.com",
            )
            enterprise = submit_application(user, form, demo_licence())
            approve_application(enterprise.id, admin)
            logger.info("demo enterprise %s created", enterprise.id)
        logins.append(
            {"username": username, "password": DEMO_PASSWORD, "role": enterprise_type, "enterprise": name}
        )
        if username in DEMO_PRODUCTS:
            _demo_codes(user, enterprise, admin, *DEMO_PRODUCTS[username])

    scan_urls = [
        label_url(code)
        for code in db.session.scalars(select(TraceCode.code).order_by(TraceCode.id).limit(DEMO_SCAN_URLS))
    ]
    _user(DEMO_CONSUMER)
    logins.append(
        {"username": DEMO_CONSUMER, "password": DEMO_PASSWORD, "role": "consumer", "enterprise": None}
    )
    return {"logins": logins, "scan_urls": scan_urls}


def _demo_codes(
    user: SuyuanUser,
    enterprise: Enterprise,
    admin: SuyuanUser,
    name: str,
    product_code: str,
    price: str,
    prefix: str,
) -> None:
    """Give a demo producer a product and an approved request with its codes generated.

    Generation runs here rather than in a worker, so the codes exist before the server starts.
    """
    product = db.session.scalar(select(Product).where(Product.enterprise_id == enterprise.id))
    if product is None:
        product = Product(
            enterprise_id=enterprise.id, name=name, product_code=product_code, price=price, on_shelf=True
        )
        db.session.add(product)
        db.session.commit()
    code_request = db.session.scalar(select(CodeRequest).where(CodeRequest.enterprise_id == enterprise.id))
    if code_request is None:
        form = RequestForm(
            product_id=str(product.id),
            batch_count="2",
            codes_per_batch="50",
            code_length="12",
            charset="mixed",
            case_sensitive=False,
            batch_prefix=prefix,
            remarks="",
        )
        code_request = submit_request(user, form)
        approve_request(code_request.id, admin, enqueue=False)
    if code_request.status != RequestStatus.COMPLETED:
        generate_request(code_request.id)
        logger.info("demo codes generated for enterprise %s", enterprise.id)
