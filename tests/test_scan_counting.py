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
