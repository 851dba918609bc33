"""Packing and unpacking: boxes, nesting, whole batches, refusals and roles."""

import pytest
import zxingcpp
from PIL import Image

from app.errors import Conflict, NotFound, PermissionDenied
from app.models.codes import CodeKind, CodeStatus
from app.trace import box_label_png, create_box, pack, sell, ship, unpack
from tests.factories import make_admin, make_enterprise, make_user
from tests.factories_trace import act, code_row, events_of, make_producer, shipment_fields


def test_pack_into_new_box(app):
    producer = make_producer(app)
    outcome = act(app, producer.owner, pack, producer.codes[:3])
    assert outcome.applied_count == 3
    box = code_row(app, outcome.box_code)
    assert box.kind == CodeKind.BOX
    assert box.enterprise_id == producer.enterprise_id
    assert box.batch_id is None
    assert len(box.code) == 12
    assert box.code.isalnum()
    assert box.code.upper() == box.code
    for code in producer.codes[:3]:
        item = code_row(app, code)
        assert item.status == CodeStatus.PACKED
        assert item.parent_id == box.id
    assert events_of(app, producer.codes[0]) == [("packed", None)]


def test_pack_into_existing_box_by_url(app):
    producer = make_producer(app)
    box = act(app, producer.owner, create_box)
    label_url = f"http://suyuan.test/t/{producer.codes[0].lower()}"
    outcome = act(app, producer.owner, pack, [label_url], box=box.code)
    assert outcome.results[0].applied
    assert code_row(app, producer.codes[0]).parent_id == code_row(app, box.code).id


def test_boxes_nest(app):
    producer = make_producer(app)
    inner = act(app, producer.owner, pack, producer.codes[:2]).box_code
    outer = act(app, producer.owner, pack, [inner]).box_code
    assert code_row(app, inner).status == CodeStatus.PACKED
    assert code_row(app, inner).parent_id == code_row(app, outer).id


def test_box_into_itself_refused(app):
    producer = make_producer(app)
    inner = act(app, producer.owner, pack, producer.codes[:1]).box_code
    outer = act(app, producer.owner, pack, [inner]).box_code
    into_itself = act(app, producer.owner, pack, [outer], box=outer)
    assert not into_itself.results[0].applied
    assert outer in into_itself.results[0].message
    into_inner = act(app, producer.owner, pack, [outer], box=inner)
    assert not into_inner.results[0].applied
    assert code_row(app, outer).parent_id is None


def test_pack_refuses_code_in_other_box(app):
    producer = make_producer(app)
    first = act(app, producer.owner, pack, producer.codes[:1]).box_code
    second = act(app, producer.owner, create_box)
    outcome = act(app, producer.owner, pack, producer.codes[:1], box=second.code)
    assert not outcome.results[0].applied
    assert first in outcome.results[0].message
    assert code_row(app, producer.codes[0]).parent_id == code_row(app, first).id


def test_pack_refuses_shipped_and_sold_items(app):
    producer = make_producer(app)
    _, distributor = make_enterprise(app, "distributor")
    act(app, producer.owner, ship, producer.codes[:2], shipment_fields())
    act(app, distributor, sell, producer.codes[1:2])
    outcome = act(app, producer.owner, pack, producer.codes[:3])
    shipped, sold, fresh = outcome.results
    assert not shipped.applied
    assert producer.codes[0] in shipped.message
    assert "出厂" in shipped.message
    assert not sold.applied
    assert producer.codes[1] in sold.message
    assert fresh.applied
    assert code_row(app, producer.codes[0]).status == CodeStatus.SHIPPED


def test_pack_refuses_unknown_code(app):
    producer = make_producer(app)
    outcome = act(app, producer.owner, pack, ["NOSUCHCODE99"])
    assert not outcome.results[0].applied
    assert "NOSUCHCODE99" in outcome.results[0].message
    assert outcome.box_code is None


def test_pack_refuses_other_producers_codes(app):
    mine = make_producer(app)
    theirs = make_producer(app)
    outcome = act(app, mine.owner, pack, theirs.codes[:1])
    assert not outcome.results[0].applied
    assert theirs.codes[0] in outcome.results[0].message
    assert "其他企业" in outcome.results[0].message
    assert code_row(app, theirs.codes[0]).status == CodeStatus.NEW


def test_pack_into_other_producers_box(app):
    mine = make_producer(app)
    theirs = make_producer(app)
    their_box = act(app, theirs.owner, create_box)
    with pytest.raises(NotFound):
        act(app, mine.owner, pack, mine.codes[:1], box=their_box.code)
    assert code_row(app, mine.codes[0]).status == CodeStatus.NEW


def test_pack_into_shipped_box_refused(app):
    producer = make_producer(app)
    box = act(app, producer.owner, pack, producer.codes[:1]).box_code
    act(app, producer.owner, ship, [box], shipment_fields())
    with pytest.raises(Conflict):
        act(app, producer.owner, pack, producer.codes[1:2], box=box)


def test_pack_whole_batch(app):
    producer = make_producer(app, count=6)
    act(app, producer.owner, pack, producer.codes[:1])
    outcome = act(app, producer.owner, pack, batch_number=producer.batch_number)
    assert outcome.results[-1].applied
    assert "5" in outcome.results[-1].message
    box = code_row(app, outcome.box_code)
    assert box.batch_id is None
    for code in producer.codes[1:]:
        assert code_row(app, code).parent_id == box.id
        assert events_of(app, code) == [("packed", None)]
    again = act(app, producer.owner, pack, batch_number=producer.batch_number)
    assert not again.results[-1].applied


def test_pack_other_producers_batch(app):
    mine = make_producer(app)
    theirs = make_producer(app)
    with pytest.raises(NotFound):
        act(app, mine.owner, pack, batch_number=theirs.batch_number)


def test_unpack_returns_item_to_new(app):
    producer = make_producer(app)
    box = act(app, producer.owner, pack, producer.codes[:2]).box_code
    outcome = act(app, producer.owner, unpack, producer.codes[:1])
    assert outcome.results[0].applied
    assert box in outcome.results[0].message
    item = code_row(app, producer.codes[0])
    assert item.status == CodeStatus.NEW
    assert item.parent_id is None
    assert events_of(app, producer.codes[0]) == [("packed", None), ("unpacked", None)]


def test_unpack_refusals(app):
    producer = make_producer(app)
    theirs = make_producer(app)
    box = act(app, producer.owner, pack, producer.codes[:1]).box_code
    act(app, producer.owner, ship, [box], shipment_fields())
    act(app, theirs.owner, pack, theirs.codes[:1])
    outcome = act(app, producer.owner, unpack, [producer.codes[0], producer.codes[1], theirs.codes[0]])
    shipped_box, loose, foreign = outcome.results
    assert not shipped_box.applied
    assert box in shipped_box.message
    assert not loose.applied
    assert not foreign.applied
    assert code_row(app, theirs.codes[0]).status == CodeStatus.PACKED


@pytest.mark.parametrize("enterprise_type", ["storage", "distributor"])
def test_pack_denied_to_other_enterprise_types(app, enterprise_type):
    producer = make_producer(app)
    _, owner = make_enterprise(app, enterprise_type)
    for step in (pack, unpack):
        with pytest.raises(PermissionDenied):
            act(app, owner, step, producer.codes[:1])
    with pytest.raises(PermissionDenied):
        act(app, owner, create_box)
    assert code_row(app, producer.codes[0]).status == CodeStatus.NEW


def test_pack_denied_to_admin_and_consumer(app):
    producer = make_producer(app)
    for account in (make_admin(app), make_user(app)):
        with pytest.raises(PermissionDenied):
            act(app, account, pack, producer.codes[:1])
    assert code_row(app, producer.codes[0]).status == CodeStatus.NEW


def test_pack_denied_to_pending_producer(app):
    from tests.factories import submit

    producer = make_producer(app)
    applicant = make_user(app)
    submit(app, applicant, "producer")
    with pytest.raises(PermissionDenied):
        act(app, applicant, pack, producer.codes[:1])


def test_box_label_decodes_to_scan_url(app):
    producer = make_producer(app)
    box = act(app, producer.owner, create_box)
    with app.app_context():
        png = box_label_png(box.code)
    import io

    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert [result.text for result in decoded] == [f"http://suyuan.test/t/{box.code}"]
