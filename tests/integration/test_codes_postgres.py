"""Code generation and label export on PostgreSQL (COPY paths)."""

import csv
import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.generation import generate_request, insert_codes
from app.labels import write_csv
from app.models import Batch, CodeRequest, TraceCode
from app.models.codes import CodeKind, CodeStatus, RequestStatus
from tests.factories_codes import make_batch
from tests.factories_requests import approve, make_producer_with_product, submit

pytestmark = pytest.mark.integration


class Crash(Exception):
    """Stands in for a worker killed between two chunks."""


def test_postgres_generation_resumes_exactly(pg_app):
    _, owner, product_id = make_producer_with_product(pg_app)
    request_id = submit(pg_app, owner, product_id, batch_count="2", codes_per_batch="500")
    with pg_app.app_context():
        db.session.get(CodeRequest, request_id).status = RequestStatus.APPROVED
        db.session.commit()

    def crash(total):
        if total >= 300:
            raise Crash

    with pg_app.app_context(), pytest.raises(Crash):
        generate_request(request_id, chunk_size=100, after_chunk=crash)
    with pg_app.app_context():
        assert db.session.scalar(select(func.count(TraceCode.id))) == 300
        assert generate_request(request_id, chunk_size=100) is True
    with pg_app.app_context():
        code_request = db.session.get(CodeRequest, request_id)
        assert code_request.status == RequestStatus.COMPLETED
        assert code_request.generated_count == 1000
        assert db.session.scalar(select(func.count(TraceCode.id))) == 1000
        assert db.session.scalar(select(func.count(func.distinct(TraceCode.code)))) == 1000
        counts = db.session.scalars(select(Batch.code_count).order_by(Batch.id)).all()
        assert counts == [500, 500]


@pytest.mark.parametrize("fixture_name", ["app", "pg_app"])
def test_insert_codes_skips_existing(request, fixture_name):
    application = request.getfixturevalue(fixture_name)
    enterprise_id, _, product_id = make_producer_with_product(application)
    batch_id, _ = make_batch(application, enterprise_id, product_id, count=0)
    constants = {
        "kind": int(CodeKind.ITEM),
        "enterprise_id": enterprise_id,
        "batch_id": batch_id,
        "status": int(CodeStatus.NEW),
        "case_sensitive": False,
    }
    with application.app_context():
        assert insert_codes({"AAAA1111", "BBBB2222"}, constants) == 2
        db.session.commit()
        assert insert_codes({"AAAA1111", "CCCC3333", "DDDD4444"}, constants) == 2
        db.session.commit()
        assert db.session.scalar(select(func.count(TraceCode.id))) == 4


def test_postgres_csv_export_uses_every_code_once(pg_app):
    _, owner, product_id = make_producer_with_product(pg_app)
    request_id = submit(pg_app, owner, product_id, batch_count="1", codes_per_batch="2000", batch_prefix="Q-")
    approve(pg_app, request_id)
    with pg_app.app_context():
        batch = db.session.scalar(select(Batch))
        codes = db.session.scalars(select(TraceCode.code)).all()
        output = io.BytesIO()
        assert write_csv(batch, output) == 2000
    rows = list(csv.reader(io.StringIO(output.getvalue().decode())))
    assert rows[0] == ["code", "url", "batch_number"]
    assert sorted(row[0] for row in rows[1:]) == sorted(codes)
    assert {row[2] for row in rows[1:]} == {batch.batch_number}
