"""Scan counting under concurrency on PostgreSQL, and scan rate limits stored in Redis."""

from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import base_test_config
from tests.factories import make_enterprise
from tests.factories_codes import make_batch, make_product
from tests.factories_scan import code_row, scan_logs

pytestmark = pytest.mark.integration

SCANS = 200
THREADS = 40


@pytest.fixture
def wide_pg_app(pg_app, tmp_path, postgres_url):
    """The PostgreSQL test app with a connection pool wide enough for every thread;
    ``pg_app`` (same database) empties the tables afterwards."""
    config = base_test_config(tmp_path / "wide", postgres_url)
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": THREADS, "max_overflow": 0, "pool_timeout": 60}
    application = create_app(config)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_concurrent_scans_of_one_code_count_exactly(wide_pg_app):
    app = wide_pg_app
    enterprise_id, _owner = make_enterprise(app, "producer")
    code = make_batch(app, enterprise_id, make_product(app, enterprise_id), 1)[1][0]
    start = threading.Barrier(THREADS)

    def scan(index: int) -> int:
        client = app.test_client()
        if index < THREADS:
            start.wait()
        if index % 2:
            response = client.get(f"/api/v1/trace/{code}")
            assert response.status_code == 200, response.get_data(as_text=True)
            return response.get_json()["query_count"]
        response = client.get(f"/t/{code}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return int(re.search(r'data-query-count="(\d+)"', response.get_data(as_text=True)).group(1))

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        numbers = list(pool.map(scan, range(SCANS)))

    row = code_row(app, code)
    assert (row["scan_count"], row["logs"]) == (SCANS, SCANS)
    # Every query got its own number: none was lost or counted twice.
    assert sorted(numbers) == list(range(1, SCANS + 1))
    log_times = {log.scanned_at for log in scan_logs(app, code)}
    assert row["first_scan_at"] in log_times
    assert row["last_scan_at"] in log_times


def test_concurrent_scans_see_the_scan_before_them(wide_pg_app):
    from app.scans import record_scan

    app = wide_pg_app
    enterprise_id, _owner = make_enterprise(app, "producer")
    code = make_batch(app, enterprise_id, make_product(app, enterprise_id), 1)[1][0]
    code_id = code_row(app, code)["id"]
    start = threading.Barrier(THREADS)

    def scan(index: int):
        if index < THREADS:
            start.wait()
        with app.app_context():
            return record_scan(code_id, user_id=None, remote_addr="127.0.0.1", user_agent="bench")

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        counts = sorted(pool.map(scan, range(SCANS)), key=lambda count: count.query_count)

    assert [count.query_count for count in counts] == list(range(1, SCANS + 1))
    assert counts[0].previous_query_at is None
    # Each query reports the time of the query numbered just before it.
    for before, after in zip(counts, counts[1:], strict=False):
        assert after.previous_query_at == before.scanned_at, after.query_count


def test_scan_rate_limit_is_stored_in_redis(tmp_path, sqlite_template, redis_url):
    import shutil

    path = tmp_path / "suyuan.db"
    shutil.copyfile(sqlite_template, path)
    config = base_test_config(tmp_path, f"sqlite:///{path}")
    config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=f"suyuan-test-{uuid.uuid4().hex}",
        SCAN_RATE_LIMIT="2 per 1 minute",
    )
    first = create_app(config)
    assert first.test_client().get("/t/ANYCODE123").status_code == 404
    assert first.test_client().get("/t/ANYCODE123").status_code == 404
    # A second app (another gunicorn worker) shares the counter through Redis.
    second = create_app(config)
    assert second.test_client().get("/t/ANYCODE123").status_code == 429
    for application in (first, second):
        with application.app_context():
            db.engine.dispose()


def test_record_scan_skips_a_voided_code_on_postgresql(pg_app):
    from app.errors import NotFound
    from app.models.codes import CodeStatus
    from app.scans import record_scan
    from tests.factories_scan import set_status

    enterprise_id, _owner = make_enterprise(pg_app, "producer")
    code = make_batch(pg_app, enterprise_id, make_product(pg_app, enterprise_id), 1)[1][0]
    code_id = code_row(pg_app, code)["id"]
    set_status(pg_app, code, CodeStatus.VOID)

    with pg_app.app_context(), pytest.raises(NotFound):
        record_scan(code_id, user_id=None, remote_addr=None, user_agent=None)
    row = code_row(pg_app, code)
    assert row["scan_count"] == 0
    assert row["logs"] == 0
