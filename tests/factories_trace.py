"""Helpers for the packing, shipping, record and write-off tests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import SuyuanUser, TraceCode
from app.trace import ShipmentFields
from tests.factories import Account, make_enterprise
from tests.factories_codes import make_batch, make_product


@dataclass(frozen=True)
class Producer:
    """An approved producer with one product and one batch of item codes."""

    enterprise_id: int
    owner: Account
    batch_id: int
    batch_number: str
    codes: list[str]


def make_producer(app, count: int = 5) -> Producer:
    enterprise_id, owner = make_enterprise(app, "producer")
    product_id = make_product(app, enterprise_id)
    batch_id, codes = make_batch(app, enterprise_id, product_id, count)
    with app.app_context():
        from app.models import Batch

        number = db.session.get(Batch, batch_id).batch_number
    return Producer(enterprise_id, owner, batch_id, number, codes)


def act(app, account: Account, step, *args, **kwargs):
    """Call a domain step as ``account`` inside a request context; return its outcome."""
    with app.test_request_context():
        user = db.session.get(SuyuanUser, account.id)
        return step(user, *args, **kwargs)


def code_row(app, code: str) -> TraceCode:
    """Return a detached copy of the trace code row ``code``."""
    with app.app_context():
        row = db.session.scalar(select(TraceCode).where(TraceCode.code == code))
        db.session.expunge(row)
        return row


def shipment_fields(**overrides) -> ShipmentFields:
    values = {
        "logistics_company": "百世快递",
        "waybill_number": "34881648840154",
        "shipper": "王师傅",
        "vehicle_number": "粤D234548",
    }
    values.update(overrides)
    return ShipmentFields(**values)


def set_status(app, code: str, status) -> None:
    """Force a code's status, for states no step of this module produces (void)."""
    with app.app_context():
        row = db.session.scalar(select(TraceCode).where(TraceCode.code == code))
        row.status = status
        db.session.commit()


def events_of(app, code: str) -> list[tuple[str, str | None]]:
    """Return (kind, stage) of each event on the timeline of ``code``."""
    from app.timeline import timeline_for

    with app.app_context():
        row = db.session.scalar(select(TraceCode).where(TraceCode.code == code))
        return [(event.kind.value, event.stage) for event in timeline_for(row)]


def ship_all(app, producer: Producer, codes: list[str] | None = None) -> None:
    """Ship ``codes`` (default: all of the producer's codes) through the real step, so a
    distributor can then sell them."""
    from app.trace import ship

    outcome = act(app, producer.owner, ship, codes or producer.codes, shipment_fields())
    assert all(result.applied for result in outcome.results), [r.message for r in outcome.results]
