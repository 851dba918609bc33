"""Statements per scan view on PostgreSQL, where counting and logging is one statement."""

from __future__ import annotations

import pytest

from tests.factories_scan import code_row, make_traced_item
from tests.test_scan_cost import counted_statements, fresh_code

pytestmark = pytest.mark.integration

# The look-up with the batch, product, producer and box; the count with its scan log
# row; the timeline.
POSTGRESQL_STATEMENTS_PER_SCAN = 3


def test_postgresql_scan_statements(pg_app):
    client = pg_app.test_client()
    code = fresh_code(pg_app)
    item = make_traced_item(pg_app)
    for scanned in (code, item.code):
        with counted_statements(pg_app) as statements:
            response = client.get(f"/t/{scanned}")
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert len(statements) == POSTGRESQL_STATEMENTS_PER_SCAN, statements
        assert code_row(pg_app, scanned)["logs"] == 1
    assert "顺丰速运" in response.get_data(as_text=True)
