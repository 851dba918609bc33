"""Shipping items, boxes and whole batches; refusals, fields and roles."""

import pytest
from sqlalchemy import select

from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.models import Shipment, TraceEvent
from app.models.codes import CodeStatus
from app.trace import pack, sell, ship
from tests.factories import make_admin, make_enterprise, make_user
from tests.factories_trace import (
    act,
    code_row,
    events_of,
    make_producer,
    set_status,
    ship_all,
    shipment_fields,
)


def shipments(app) -> list[Shipment]:
    with app.app_context():
        rows = list(db.session.scalars(select(Shipment).order_by(Shipment.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_ship_items_records_shipment(app):
    producer = make_producer(app)
    destination_id, _ = make_enterprise(app, "distributor")
    fields = shipment_fields(shipped_at="2026-03-01T08:30", destination_enterprise_id=destination_id)
    outcome = act(app, producer.owner, ship, producer.codes[:2], fields)
    assert outcome.applied_count == 2
    [shipment] = shipments(app)
    assert outcome.shipment_id == shipment.id
    assert shipment.item_count == 2
    assert shipment.waybill_number == "34881648840154"
    assert shipment.vehicle_number == "粤D234548"
    assert shipment.destination_enterprise_id == destination_id
    assert shipment.enterprise_id == producer.enterprise_id
    # 08:30 in Asia/Shanghai is 00:30 UTC.
    assert shipment.shipped_at.isoformat() == "2026-03-01T00:30:00"
    assert code_row(app, producer.codes[0]).status == CodeStatus.SHIPPED
    assert events_of(app, producer.codes[0]) == [("shipped", None)]
    assert code_row(app, producer.codes[2]).status == CodeStatus.NEW


def test_ship_box_ships_nested_contents(app):
    producer = make_producer(app)
    inner = act(app, producer.owner, pack, producer.codes[:2]).box_code
    outer = act(app, producer.owner, pack, [inner, producer.codes[2]]).box_code
    outcome = act(app, producer.owner, ship, [outer], shipment_fields())
    assert outcome.results[0].applied
    assert shipments(app)[0].item_count == 3
    for code in [inner, *producer.codes[:3]]:
        assert code_row(app, code).status == CodeStatus.SHIPPED
    assert events_of(app, producer.codes[0]) == [("packed", None), ("shipped", None)]


def test_ship_box_twice_refused(app):
    producer = make_producer(app)
    box = act(app, producer.owner, pack, producer.codes[:2]).box_code
    act(app, producer.owner, ship, [box], shipment_fields())
    again = act(app, producer.owner, ship, [box], shipment_fields(waybill_number="2"))
    assert not again.results[0].applied
    assert box in again.results[0].message
    assert again.shipment_id is None
    assert len(shipments(app)) == 1


def test_ship_refuses_sold_void_and_packed(app):
    producer = make_producer(app)
    _, distributor = make_enterprise(app, "distributor")
    ship_all(app, producer, producer.codes[:1])
    act(app, distributor, sell, producer.codes[:1])
    set_status(app, producer.codes[1], CodeStatus.VOID)
    box = act(app, producer.owner, pack, producer.codes[2:3]).box_code
    outcome = act(app, producer.owner, ship, producer.codes[:3], shipment_fields())
    sold, void, packed = outcome.results
    assert not sold.applied
    assert producer.codes[0] in sold.message
    assert "已于" in sold.message
    assert not void.applied
    assert "作废" in void.message
    assert not packed.applied
    assert box in packed.message
    assert len(shipments(app)) == 1  # only the shipment made before the sale
    assert code_row(app, producer.codes[2]).status == CodeStatus.PACKED


def test_ship_refuses_other_producers_codes(app):
    mine = make_producer(app)
    theirs = make_producer(app)
    their_box = act(app, theirs.owner, pack, theirs.codes[:1]).box_code
    outcome = act(app, mine.owner, ship, [theirs.codes[1], their_box], shipment_fields())
    assert [result.applied for result in outcome.results] == [False, False]
    assert all("其他企业" in result.message for result in outcome.results)
    assert code_row(app, theirs.codes[1]).status == CodeStatus.NEW
    assert code_row(app, their_box).status == CodeStatus.NEW
    with pytest.raises(NotFound):
        act(app, mine.owner, ship, [], shipment_fields(), batch_number=theirs.batch_number)


def test_ship_whole_batch(app):
    producer = make_producer(app, count=8)
    outcome = act(app, producer.owner, ship, [], shipment_fields(), batch_number=producer.batch_number)
    assert outcome.results[0].applied
    assert shipments(app)[0].item_count == 8
    for code in producer.codes:
        assert code_row(app, code).status == CodeStatus.SHIPPED
        assert events_of(app, code) == [("shipped", None)]
    with app.app_context():
        events = db.session.scalars(select(TraceEvent)).all()
        assert len(events) == 1
        assert events[0].batch_id == producer.batch_id
        assert events[0].code_id is None


def test_ship_batch_refused_when_partly_packed(app):
    producer = make_producer(app, count=4)
    act(app, producer.owner, pack, producer.codes[:1])
    outcome = act(app, producer.owner, ship, [], shipment_fields(), batch_number=producer.batch_number)
    assert not outcome.results[0].applied
    assert producer.batch_number in outcome.results[0].message
    assert code_row(app, producer.codes[1]).status == CodeStatus.NEW
    assert shipments(app) == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"waybill_number": "  "}, "waybill_number"),
        ({"logistics_company": ""}, "logistics_company"),
        ({"shipper": ""}, "shipper"),
        ({"shipped_at": "yesterday"}, "shipped_at"),
        ({"shipped_at": "2099-01-01T00:00"}, "shipped_at"),
        ({"destination_enterprise_id": 999999}, "destination_enterprise_id"),
    ],
)
def test_ship_bad_fields_change_nothing(app, overrides, field):
    producer = make_producer(app)
    with pytest.raises(ValidationFailed) as error:
        act(app, producer.owner, ship, producer.codes[:1], shipment_fields(**overrides))
    assert error.value.field == field
    assert code_row(app, producer.codes[0]).status == CodeStatus.NEW
    assert shipments(app) == []


def test_ship_joins_existing_shipment(app):
    producer = make_producer(app)
    first = act(app, producer.owner, ship, producer.codes[:1], shipment_fields())
    second = act(app, producer.owner, ship, producer.codes[1:3], shipment_id=first.shipment_id)
    assert second.shipment_id == first.shipment_id
    [shipment] = shipments(app)
    assert shipment.item_count == 3


def test_ship_into_other_producers_shipment(app):
    mine = make_producer(app)
    theirs = make_producer(app)
    their_shipment = act(app, theirs.owner, ship, theirs.codes[:1], shipment_fields()).shipment_id
    with pytest.raises(NotFound):
        act(app, mine.owner, ship, mine.codes[:1], shipment_id=their_shipment)
    assert code_row(app, mine.codes[0]).status == CodeStatus.NEW


@pytest.mark.parametrize("enterprise_type", ["storage", "distributor"])
def test_ship_denied_to_other_types(app, enterprise_type):
    producer = make_producer(app)
    _, owner = make_enterprise(app, enterprise_type)
    with pytest.raises(PermissionDenied):
        act(app, owner, ship, producer.codes[:1], shipment_fields())
    assert code_row(app, producer.codes[0]).status == CodeStatus.NEW


def test_ship_denied_to_admin_and_consumer(app):
    producer = make_producer(app)
    for account in (make_admin(app), make_user(app)):
        with pytest.raises(PermissionDenied):
            act(app, account, ship, producer.codes[:1], shipment_fields())
    assert shipments(app) == []


def test_ship_time_before_packing_keeps_timeline(app):
    producer = make_producer(app)
    box = act(app, producer.owner, pack, producer.codes[:1]).box_code
    act(app, producer.owner, ship, [box], shipment_fields(shipped_at="2020-01-01T08:00"))
    assert events_of(app, producer.codes[0]) == [("packed", None), ("shipped", None)]
    assert shipments(app)[0].shipped_at.isoformat() == "2020-01-01T00:00:00"
