"""Timeline assembly: own events, box events while inside, batch events."""

import datetime as dt

from app.extensions import db
from app.models import TraceCode, TraceEvent
from app.models.codes import CodeKind
from app.models.trace import EventKind
from app.timeline import timeline_for
from tests.factories import make_enterprise
from tests.factories_codes import make_batch, make_product

T0 = dt.datetime(2026, 1, 1, 8, 0)


def at(hours: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def test_box_events_appear_only_while_item_was_inside(app):
    enterprise_id, _ = make_enterprise(app)
    product_id = make_product(app, enterprise_id)
    batch_id, codes = make_batch(app, enterprise_id, product_id, 2)
    with app.app_context():
        item, other = (db.session.query(TraceCode).filter_by(code=code).one() for code in codes)
        box = TraceCode(code="BOX000000001", kind=CodeKind.BOX, enterprise_id=enterprise_id)
        outer = TraceCode(code="BOX000000002", kind=CodeKind.BOX, enterprise_id=enterprise_id)
        db.session.add_all([box, outer])
        db.session.flush()

        def event(kind, code_id=None, hours=0, **fields):
            db.session.add(
                TraceEvent(
                    kind=kind, code_id=code_id, enterprise_id=enterprise_id, occurred_at=at(hours), **fields
                )
            )

        event(EventKind.HANDLED, box.id, 0, stage="before packing")
        event(EventKind.PACKED, item.id, 1, box_id=box.id)
        event(EventKind.PACKED, box.id, 2, box_id=outer.id)
        event(EventKind.HANDLED, box.id, 3, stage="box inspected")
        event(EventKind.HANDLED, outer.id, 4, stage="pallet stored")
        event(EventKind.UNPACKED, item.id, 5, box_id=box.id)
        event(EventKind.HANDLED, box.id, 6, stage="after unpacking")
        event(EventKind.HANDLED, outer.id, 7, stage="pallet later")
        event(EventKind.HANDLED, other.id, 3, stage="other item")
        db.session.add(
            TraceEvent(
                kind=EventKind.SHIPPED, batch_id=batch_id, enterprise_id=enterprise_id, occurred_at=at(8)
            )
        )
        db.session.commit()

        stages = [(e.kind.value, e.stage) for e in timeline_for(item)]
        assert stages == [
            ("packed", None),
            ("handled", "box inspected"),
            ("handled", "pallet stored"),
            ("unpacked", None),
            ("shipped", None),
        ]
