"""Handling records and write-off: roles, refusals, boxes and timelines."""

import pytest

from app.errors import PermissionDenied, ValidationFailed
from app.models.codes import CodeStatus
from app.trace import RecordFields, pack, record, sell, ship
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


@pytest.mark.parametrize("enterprise_type", ["producer", "storage", "distributor"])
def test_record_by_any_enterprise_type(app, enterprise_type):
    producer = make_producer(app)
    _, owner = make_enterprise(app, enterprise_type)
    fields = RecordFields(stage="仓储", location="A-01 货架", condition="正常", remarks="入库")
    outcome = act(app, owner, record, producer.codes[:1], fields)
    assert outcome.results[0].applied
    assert events_of(app, producer.codes[0]) == [("handled", "仓储")]


def test_record_denied_to_admin_and_consumer(app):
    producer = make_producer(app)
    for account in (make_admin(app), make_user(app)):
        with pytest.raises(PermissionDenied):
            act(app, account, record, producer.codes[:1], RecordFields(stage="仓储"))
    assert events_of(app, producer.codes[0]) == []


def test_record_requires_stage(app):
    producer = make_producer(app)
    with pytest.raises(ValidationFailed) as error:
        act(app, producer.owner, record, producer.codes[:1], RecordFields(stage=" "))
    assert error.value.field == "stage"
    assert events_of(app, producer.codes[0]) == []


def test_record_refuses_void_and_unknown(app):
    producer = make_producer(app)
    set_status(app, producer.codes[0], CodeStatus.VOID)
    inputs = [producer.codes[0], "ZZZZ0000ZZZZ"]
    outcome = act(app, producer.owner, record, inputs, RecordFields(stage="仓储"))
    assert [result.applied for result in outcome.results] == [False, False]
    assert producer.codes[0] in outcome.results[0].message
    assert "ZZZZ0000ZZZZ" in outcome.results[1].message


def test_record_on_box_shows_on_items(app):
    producer = make_producer(app)
    _, storage = make_enterprise(app, "storage")
    box = act(app, producer.owner, pack, producer.codes[:2]).box_code
    act(app, storage, record, [box], RecordFields(stage="仓储"))
    assert events_of(app, producer.codes[0]) == [("packed", None), ("handled", "仓储")]
    assert events_of(app, producer.codes[2]) == []


def test_sell_records_time_and_enterprise(app):
    producer = make_producer(app)
    ship_all(app, producer)
    distributor_id, distributor = make_enterprise(app, "distributor")
    outcome = act(app, distributor, sell, producer.codes[:1])
    assert outcome.results[0].applied
    item = code_row(app, producer.codes[0])
    assert item.status == CodeStatus.SOLD
    assert item.sold_by_enterprise_id == distributor_id
    assert item.sold_at is not None
    assert events_of(app, producer.codes[0]) == [("shipped", None), ("sold", None)]


def test_second_sale_names_time_and_seller(app):
    producer = make_producer(app)
    ship_all(app, producer)
    _, first = make_enterprise(app, "distributor")
    _, second = make_enterprise(app, "distributor")
    act(app, first, sell, producer.codes[:1])
    with app.app_context():
        from app.extensions import db
        from app.i18n import local_datetime
        from app.models import Enterprise

        item = code_row(app, producer.codes[0])
        seller = db.session.get(Enterprise, item.sold_by_enterprise_id).name
    with app.test_request_context():
        sold_time = local_datetime(item.sold_at)
    outcome = act(app, second, sell, producer.codes[:1])
    refusal = outcome.results[0]
    assert not refusal.applied
    assert producer.codes[0] in refusal.message
    assert seller in refusal.message
    assert sold_time in refusal.message
    assert code_row(app, producer.codes[0]).sold_by_enterprise_id == item.sold_by_enterprise_id
    assert events_of(app, producer.codes[0]) == [("shipped", None), ("sold", None)]


def test_sell_refuses_void(app):
    producer = make_producer(app)
    _, distributor = make_enterprise(app, "distributor")
    set_status(app, producer.codes[0], CodeStatus.VOID)
    outcome = act(app, distributor, sell, producer.codes[:1])
    assert not outcome.results[0].applied
    assert "作废" in outcome.results[0].message


@pytest.mark.parametrize("enterprise_type", ["producer", "storage"])
def test_sell_denied_to_non_distributors(app, enterprise_type):
    producer = make_producer(app)
    _, owner = make_enterprise(app, enterprise_type)
    with pytest.raises(PermissionDenied):
        act(app, owner, sell, producer.codes[:1])
    assert code_row(app, producer.codes[0]).status == CodeStatus.NEW


def test_sell_denied_to_admin_and_consumer(app):
    producer = make_producer(app)
    for account in (make_admin(app), make_user(app)):
        with pytest.raises(PermissionDenied):
            act(app, account, sell, producer.codes[:1])
    assert code_row(app, producer.codes[0]).status == CodeStatus.NEW


def test_sell_box_sells_each_item_once(app):
    producer = make_producer(app, count=4)
    _, distributor = make_enterprise(app, "distributor")
    inner = act(app, producer.owner, pack, producer.codes[:2]).box_code
    outer = act(app, producer.owner, pack, [inner, producer.codes[2]]).box_code
    act(app, producer.owner, ship, [outer], shipment_fields())
    act(app, distributor, sell, producer.codes[:1])

    outcome = act(app, distributor, sell, [outer])
    assert outcome.results[0].applied
    assert "2" in outcome.results[0].message
    for code in producer.codes[:3]:
        assert code_row(app, code).status == CodeStatus.SOLD
        assert [kind for kind, _ in events_of(app, code)].count("sold") == 1
    assert code_row(app, outer).status == CodeStatus.SOLD
    assert code_row(app, producer.codes[3]).status == CodeStatus.NEW

    again = act(app, distributor, sell, [outer])
    assert not again.results[0].applied


def test_box_shipped_then_sold_item_by_item(app):
    producer = make_producer(app, count=3)
    _, distributor = make_enterprise(app, "distributor")
    _, storage = make_enterprise(app, "storage")
    box = act(app, producer.owner, pack, producer.codes).box_code
    act(app, producer.owner, ship, [box], shipment_fields())
    act(app, storage, record, [box], RecordFields(stage="到货"))

    act(app, distributor, sell, producer.codes[:1])
    act(app, storage, record, [box], RecordFields(stage="上架"))
    act(app, distributor, sell, producer.codes[1:2])

    first, second, third = (code_row(app, code) for code in producer.codes)
    assert first.status == CodeStatus.SOLD
    assert second.status == CodeStatus.SOLD
    assert third.status == CodeStatus.SHIPPED
    assert first.parent_id is None
    assert third.parent_id == code_row(app, box).id
    assert events_of(app, producer.codes[0]) == [
        ("packed", None),
        ("shipped", None),
        ("handled", "到货"),
        ("unpacked", None),
        ("sold", None),
    ]
    assert events_of(app, producer.codes[1]) == [
        ("packed", None),
        ("shipped", None),
        ("handled", "到货"),
        ("handled", "上架"),
        ("unpacked", None),
        ("sold", None),
    ]
    assert events_of(app, producer.codes[2]) == [
        ("packed", None),
        ("shipped", None),
        ("handled", "到货"),
        ("handled", "上架"),
    ]


def test_sell_refuses_code_still_in_factory(app):
    producer = make_producer(app)
    _, distributor = make_enterprise(app, "distributor")
    outcome = act(app, distributor, sell, producer.codes[:1])
    refusal = outcome.results[0]
    assert not refusal.applied
    assert producer.codes[0] in refusal.message
    assert "尚未发货出厂" in refusal.message
    assert code_row(app, producer.codes[0]).status == CodeStatus.NEW
