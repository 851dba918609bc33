"""Code requests built through the domain functions, for tests of the request flow."""

from __future__ import annotations

from app.code_requests import RequestForm, approve_request, submit_request
from app.extensions import db
from app.models import SuyuanUser
from tests.factories import Account, make_admin, make_enterprise
from tests.factories_codes import make_product


def request_form(product_id: int, **overrides) -> RequestForm:
    values = {
        "product_id": str(product_id),
        "batch_count": "2",
        "codes_per_batch": "30",
        "code_length": "12",
        "charset": "mixed",
        "case_sensitive": False,
        "batch_prefix": "B",
        "remarks": "",
    }
    values.update(overrides)
    return RequestForm(**values)


def make_producer_with_product(app) -> tuple[int, Account, int]:
    """An approved producer, its owner and one product: (enterprise id, owner, product id)."""
    enterprise_id, owner = make_enterprise(app, "producer")
    product_id = make_product(app, enterprise_id)
    return enterprise_id, owner, product_id


def submit(app, owner: Account, product_id: int, **overrides) -> int:
    with app.app_context():
        user = db.session.get(SuyuanUser, owner.id)
        return submit_request(user, request_form(product_id, **overrides)).id


def approve(app, request_id: int) -> None:
    """Approve as the admin; tests run Celery eagerly, so generation runs here too."""
    admin = make_admin(app)
    with app.app_context():
        approve_request(request_id, db.session.get(SuyuanUser, admin.id))
