"""Races and bulk statements of the trace steps on PostgreSQL."""

import threading

import pytest
from sqlalchemy import event, func, select, text

from app import create_app
from app.extensions import db
from app.models import Shipment, SuyuanUser, TraceEvent
from app.models.codes import CodeStatus
from app.models.trace import EventKind
from app.trace import pack, sell, ship
from tests.conftest import base_test_config
from tests.factories import make_enterprise
from tests.factories_codes import make_batch, make_product
from tests.factories_trace import act, code_row, events_of, make_producer, ship_all, shipment_fields

pytestmark = pytest.mark.integration

WRITE_OFFS = 50
SHIPS = 20
BATCH_SIZE = 100_000


@pytest.fixture
def wide_app(pg_app, tmp_path):
    """A second app on the same database whose pool has one connection per racing thread."""
    config = base_test_config(tmp_path, pg_app.config["SQLALCHEMY_DATABASE_URI"])
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": WRITE_OFFS, "max_overflow": 0}
    application = create_app(config)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def race(app, account_id: int, step, args, count: int) -> list:
    """Run ``step(user, *args)`` in ``count`` threads, each on its own connection, at once."""
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count
    errors: list = []

    def attempt(index: int) -> None:
        with app.test_request_context():
            try:
                user = db.session.get(SuyuanUser, account_id)
                db.session.execute(text("SELECT 1"))  # hold a connection before the start
                barrier.wait(timeout=60)
                outcomes[index] = step(user, *args)
            except Exception as exc:  # reported by the assert below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return outcomes


def test_concurrent_write_offs_have_one_winner(pg_app, wide_app):
    producer = make_producer(pg_app, count=1)
    ship_all(pg_app, producer)  # only shipped codes can be written off
    _, distributor = make_enterprise(pg_app, "distributor")
    code = producer.codes[0]

    outcomes = race(wide_app, distributor.id, sell, ([code],), WRITE_OFFS)

    results = [outcome.results[0] for outcome in outcomes]
    assert sum(result.applied for result in results) == 1
    refusals = [result for result in results if not result.applied]
    assert len(refusals) == WRITE_OFFS - 1
    assert all(code in result.message for result in refusals)
    assert code_row(pg_app, code).status == CodeStatus.SOLD
    with pg_app.app_context():
        sold_events = db.session.scalar(
            select(func.count(TraceEvent.id)).where(TraceEvent.kind == EventKind.SOLD)
        )
    assert sold_events == 1


def test_concurrent_box_ships_ship_once(pg_app, wide_app):
    producer = make_producer(pg_app, count=3)
    box = act(pg_app, producer.owner, pack, producer.codes).box_code

    outcomes = race(wide_app, producer.owner.id, ship, ([box], shipment_fields()), SHIPS)

    assert sum(outcome.results[0].applied for outcome in outcomes) == 1
    with pg_app.app_context():
        assert db.session.scalar(select(func.count(Shipment.id))) == 1
        assert db.session.scalar(select(Shipment.item_count)) == 3
        shipped_events = db.session.scalar(
            select(func.count(TraceEvent.id)).where(TraceEvent.kind == EventKind.SHIPPED)
        )
    assert shipped_events == 1
    for code in producer.codes:
        assert code_row(pg_app, code).status == CodeStatus.SHIPPED


def test_ship_large_batch_in_bulk_statements(pg_app):
    enterprise_id, owner = make_enterprise(pg_app, "producer")
    product_id = make_product(pg_app, enterprise_id)
    batch_id, _ = make_batch(pg_app, enterprise_id, product_id, count=0)
    with pg_app.app_context():
        db.session.execute(
            text(
                "INSERT INTO trace_code "
                "(code, kind, enterprise_id, batch_id, status, case_sensitive, scan_count) "
                "SELECT 'Q' || lpad(g::text, 11, '0'), 1, :enterprise, :batch, 1, false, 0 "
                "FROM generate_series(1, :count) AS g"
            ),
            {"enterprise": enterprise_id, "batch": batch_id, "count": BATCH_SIZE},
        )
        db.session.execute(
            text("UPDATE batch SET code_count = :count WHERE id = :batch"),
            {"count": BATCH_SIZE, "batch": batch_id},
        )
        batch_number = db.session.scalar(
            text("SELECT batch_number FROM batch WHERE id = :b"), {"b": batch_id}
        )
        db.session.commit()

    statements: list[tuple[str, int]] = []

    def record_statement(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, cursor.rowcount))

    with pg_app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", record_statement)
    try:
        outcome = act(pg_app, owner, ship, [], shipment_fields(), batch_number=batch_number)
    finally:
        event.remove(engine, "after_cursor_execute", record_statement)

    assert outcome.results[0].applied
    code_updates = [
        rows for statement, rows in statements if statement.lstrip().upper().startswith("UPDATE TRACE_CODE")
    ]
    assert code_updates == [BATCH_SIZE]
    assert len(statements) < 20, [statement for statement, _ in statements]
    with pg_app.app_context():
        shipped = db.session.scalar(
            text("SELECT count(*) FROM trace_code WHERE batch_id = :b AND status = :s"),
            {"b": batch_id, "s": int(CodeStatus.SHIPPED)},
        )
        item_count = db.session.scalar(select(Shipment.item_count))
    assert shipped == BATCH_SIZE
    assert item_count == BATCH_SIZE
    assert events_of(pg_app, "Q00000050000") == [("shipped", None)]
