"""Scan counting on SQLite (the embedded mode) under concurrent requests."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.factories import make_enterprise
from tests.factories_codes import make_batch, make_product
from tests.factories_scan import code_row

SCANS = 60
THREADS = 6


def test_concurrent_scans_count_exactly_on_sqlite(app):
    enterprise_id, _owner = make_enterprise(app, "producer")
    code = make_batch(app, enterprise_id, make_product(app, enterprise_id), 1)[1][0]
    start = threading.Barrier(THREADS)

    def scan(index: int) -> int:
        if index < THREADS:
            start.wait()
        response = app.test_client().get(f"/api/v1/trace/{code}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["query_count"]

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        numbers = list(pool.map(scan, range(SCANS)))

    assert sorted(numbers) == list(range(1, SCANS + 1))
    row = code_row(app, code)
    assert row["scan_count"] == SCANS
    assert row["logs"] == SCANS


def test_record_scan_skips_voided_code(app):
    import pytest

    from app.errors import NotFound
    from app.models.codes import CodeStatus
    from app.scans import record_scan
    from tests.factories_scan import set_status

    enterprise_id, _owner = make_enterprise(app, "producer")
    code = make_batch(app, enterprise_id, make_product(app, enterprise_id), 1)[1][0]
    code_id = code_row(app, code)["id"]
    set_status(app, code, CodeStatus.VOID)

    with app.app_context(), pytest.raises(NotFound):
        record_scan(code_id, user_id=None, remote_addr=None, user_agent=None)
    row = code_row(app, code)
    assert row["scan_count"] == 0
    assert row["logs"] == 0
