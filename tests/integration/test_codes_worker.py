"""A real Celery worker process generates the codes of an approved request.

Two set-ups: PostgreSQL with Redis as the broker (production), and SQLite with the
SQLAlchemy transport on a SQLite file (the embedded default, no server needed).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import CodeRequest, TraceCode
from app.models.codes import RequestStatus
from tests.conftest import base_test_config, build_schema
from tests.factories_requests import approve, make_producer_with_product, submit

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
WORKER_TIMEOUT = 120


def start_worker(tmp_path: Path, database_url: str, broker_url: str, queue: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "SUYUAN_DATABASE_URL": database_url,
        "SUYUAN_CELERY_BROKER_URL": broker_url,
        "SUYUAN_INSTANCE_DIR": str(tmp_path / "worker"),
        "SUYUAN_PUBLIC_BASE_URL": "http://suyuan.test",
    }
    env.pop("SUYUAN_REDIS_URL", None)
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tasks.worker",
            "worker",
            "--pool=solo",
            "--loglevel=info",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_worker(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def wait_for_completion(app, request_id: int, worker: subprocess.Popen, log: Path) -> CodeRequest:
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline:
        with app.app_context():
            code_request = db.session.get(CodeRequest, request_id)
            if code_request.status in (RequestStatus.COMPLETED, RequestStatus.FAILED):
                db.session.expunge(code_request)
                return code_request
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    pytest.fail(f"request {request_id} not finished after {WORKER_TIMEOUT}s:\n{log.read_text()[-3000:]}")


def use_broker(app, broker_url: str, queue: str) -> None:
    """Send tasks of ``app`` to a real broker queue instead of running them eagerly."""
    app.extensions["celery"].conf.update(
        broker_url=broker_url, task_always_eager=False, task_default_queue=queue
    )


def run_generation_through_worker(app, tmp_path, database_url: str, broker_url: str) -> None:
    queue = f"suyuan-test-{uuid.uuid4().hex[:8]}"
    use_broker(app, broker_url, queue)
    _, owner, product_id = make_producer_with_product(app)
    request_id = submit(app, owner, product_id, batch_count="3", codes_per_batch="20000")
    worker = start_worker(tmp_path, database_url, broker_url, queue)
    try:
        approve(app, request_id)
        code_request = wait_for_completion(app, request_id, worker, tmp_path / "worker.log")
    finally:
        stop_worker(worker)
    assert code_request.status == RequestStatus.COMPLETED, code_request.error
    assert code_request.generated_count == 60_000
    with app.app_context():
        assert db.session.scalar(select(func.count(TraceCode.id))) == 60_000
        assert db.session.scalar(select(func.count(func.distinct(TraceCode.code)))) == 60_000


def test_worker_generates_on_postgres_with_redis(pg_app, postgres_url, redis_url, tmp_path):
    run_generation_through_worker(pg_app, tmp_path, postgres_url, redis_url)


def test_worker_generates_on_sqlite_with_sqlalchemy_broker(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'suyuan.db'}"
    broker_url = f"sqla+sqlite:///{tmp_path / 'broker.db'}"
    app = create_app(base_test_config(tmp_path, database_url))
    build_schema(app)
    try:
        run_generation_through_worker(app, tmp_path, database_url, broker_url)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
