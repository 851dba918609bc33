"""Products, batches and trace codes written straight to the database for tests.

These skip the code request flow so tests of packing, shipping and scanning can set up
codes in one call. Tests of the request flow itself use the domain functions instead.
"""

from __future__ import annotations

import itertools
import secrets
import string

from app.extensions import db
from app.models import Batch, Product, TraceCode
from app.models.codes import CodeKind

_sequence = itertools.count(1)
ALPHABET = string.ascii_uppercase + string.digits


def make_product(app, enterprise_id: int, name: str | None = None, **fields) -> int:
    with app.app_context():
        product = Product(
            enterprise_id=enterprise_id, name=name or f"测试商品{next(_sequence)}", on_shelf=True, **fields
        )
        db.session.add(product)
        db.session.commit()
        return product.id


def make_batch(
    app,
    enterprise_id: int,
    product_id: int,
    count: int = 5,
    *,
    case_sensitive: bool = False,
    length: int = 12,
) -> tuple[int, list[str]]:
    """A complete batch of ``count`` random item codes; returns (batch id, codes)."""
    sequence = next(_sequence)
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(length)) for _ in range(count)]
    with app.app_context():
        batch = Batch(
            enterprise_id=enterprise_id,
            product_id=product_id,
            batch_number=f"T{sequence:06d}",
            sequence=sequence,
            code_count=count,
            complete=True,
        )
        db.session.add(batch)
        db.session.flush()
        db.session.add_all(
            TraceCode(
                code=code,
                kind=CodeKind.ITEM,
                enterprise_id=enterprise_id,
                batch_id=batch.id,
                case_sensitive=case_sensitive,
            )
            for code in codes
        )
        db.session.commit()
        return batch.id, codes
