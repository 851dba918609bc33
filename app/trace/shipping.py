"""Shipping from the factory (发货出厂): items, boxes or whole batches with the shipment fields.

Shipping a box writes one event on the box. One UPDATE over a recursive query of the
box's contents marks everything inside it shipped, and the items show the box's event
on their timelines. Shipping a whole batch writes one batch-wide event and one UPDATE,
whatever the batch size.

A shipped event is dated when it is recorded, while the shipment keeps the ship time
the user typed. A typed time may lie before the items were packed, and a box's event
dated then would fall outside the items' time in the box and vanish from their
timelines.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.models import Batch, Enterprise, Shipment, SuyuanUser, TraceCode, TraceEvent
from app.models.base import utcnow
from app.models.codes import CodeKind, CodeStatus
from app.models.enterprise import EnterpriseStatus
from app.models.trace import EventKind
from app.trace.common import (
    IN_FACTORY,
    CodeResult,
    StepOutcome,
    applied,
    clean_code_inputs,
    foreign,
    lock_code,
    not_found,
    parent_code,
    refused,
    sale_details,
)
from app.trace.packing import own_batch, producer_of
from app.validators import require_text

logger = logging.getLogger(__name__)

# A ship time may lie at most this far ahead, to allow for clocks that run a little fast.
MAX_SHIP_TIME_AHEAD = dt.timedelta(days=1)


@dataclass
class ShipmentFields:
    """The shipment fields as typed: logistics company, waybill, vehicle, time, shipper."""

    logistics_company: str = ""
    waybill_number: str = ""
    shipper: str = ""
    vehicle_number: str = ""
    shipped_at: str | dt.datetime | None = None
    destination_enterprise_id: int | str | None = None


def parse_ship_time(value: str | dt.datetime | None) -> dt.datetime:
    """Return the ship time as naive UTC.

    Accepts ISO 8601 text (``2026-03-01T08:30``, with or without seconds and offset) or a
    datetime. A time without an offset is read in the platform time zone. Empty means now.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return utcnow()
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        except ValueError:
            raise ValidationFailed(
                _(
                    "The ship time %(value)s is not a valid date and time. Use the form 2026-03-01 08:30.",
                    value=value,
                ),
                field="shipped_at",
            ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(current_app.config["TIME_ZONE"]))
    moment = value.astimezone(dt.UTC).replace(tzinfo=None)
    if moment > utcnow() + MAX_SHIP_TIME_AHEAD:
        raise ValidationFailed(
            _("The ship time %(value)s is in the future. Enter the time the goods left.", value=value),
            field="shipped_at",
        )
    return moment


def _destination(raw) -> int | None:
    if raw in (None, ""):
        return None
    try:
        enterprise_id = int(raw)
    except (TypeError, ValueError):
        enterprise_id = None
    enterprise = db.session.get(Enterprise, enterprise_id) if enterprise_id is not None else None
    if enterprise is None or enterprise.status != EnterpriseStatus.APPROVED:
        raise ValidationFailed(
            _(
                "The destination enterprise %(value)s was not found. Choose an approved enterprise.",
                value=raw,
            ),
            field="destination_enterprise_id",
        )
    return enterprise.id


def clean_shipment_fields(fields: ShipmentFields) -> dict:
    """Validate the shipment fields and return the column values."""
    return {
        "logistics_company": require_text(
            fields.logistics_company, _("Logistics company"), "logistics_company", 100
        ),
        "waybill_number": require_text(fields.waybill_number, _("Waybill number"), "waybill_number", 64),
        "shipper": require_text(fields.shipper, _("Shipper"), "shipper", 64),
        "vehicle_number": (fields.vehicle_number or "").strip()[:32] or None,
        "shipped_at": parse_ship_time(fields.shipped_at),
        "destination_enterprise_id": _destination(fields.destination_enterprise_id),
    }


def contents_query(box_id: int):
    """Return a recursive query of the ids of every code inside box ``box_id``, at any depth."""
    tree = select(TraceCode.id).where(TraceCode.parent_id == box_id).cte("box_contents", recursive=True)
    inner = select(TraceCode.id).where(TraceCode.parent_id == tree.c.id)
    tree = tree.union_all(inner)
    return select(tree.c.id)


def _ship_refusal(code: TraceCode) -> CodeResult | None:
    """Return why ``code`` cannot be shipped, or None when it can."""
    if code.status == CodeStatus.SOLD:
        return refused(
            code.code,
            _(
                "Code %(code)s was sold on %(time)s by %(enterprise)s and cannot be shipped.",
                code=code.code,
                **sale_details(code),
            ),
            code,
        )
    if code.status == CodeStatus.VOID:
        return refused(code.code, _("Code %(code)s is void and cannot be shipped.", code=code.code), code)
    if code.status == CodeStatus.SHIPPED:
        return refused(code.code, _("Code %(code)s has already been shipped.", code=code.code), code)
    if code.parent_id is not None:
        return refused(
            code.code,
            _(
                "Code %(code)s is packed in box %(box)s. Ship the box, or take the code out first.",
                code=code.code,
                box=parent_code(code),
            ),
            code,
        )
    return None


def _ship_one(
    enterprise: Enterprise, shipment: Shipment, raw: str, user: SuyuanUser
) -> tuple[CodeResult, int]:
    """Ship one item or box; return its result and the number of items it shipped."""
    code = lock_code(raw)
    if code is None:
        return not_found(raw), 0
    if code.enterprise_id != enterprise.id:
        return foreign(code), 0
    refusal = _ship_refusal(code)
    if refusal is not None:
        return refusal, 0

    # The status condition makes concurrent shipments of one code have a single winner.
    shipped = db.session.execute(
        update(TraceCode)
        .where(TraceCode.id == code.id, TraceCode.status == CodeStatus.NEW, TraceCode.parent_id.is_(None))
        .values(status=CodeStatus.SHIPPED)
        .execution_options(synchronize_session="evaluate")
    )
    if shipped.rowcount != 1:
        db.session.refresh(code)
        return _ship_refusal(code) or refused(
            code.code, _("Code %(code)s changed meanwhile. Scan it again.", code=code.code), code
        ), 0

    item_count = 1
    if code.kind == CodeKind.BOX:
        kinds = db.session.scalars(
            update(TraceCode)
            .where(TraceCode.id.in_(contents_query(code.id)), TraceCode.status.in_(IN_FACTORY))
            .values(status=CodeStatus.SHIPPED)
            .returning(TraceCode.kind)
            .execution_options(synchronize_session=False)
        ).all()
        item_count = sum(1 for kind in kinds if kind == CodeKind.ITEM)
    db.session.add(
        TraceEvent(
            kind=EventKind.SHIPPED,
            code_id=code.id,
            enterprise_id=enterprise.id,
            user_id=user.id,
            occurred_at=utcnow(),
            shipment_id=shipment.id,
        )
    )
    if code.kind == CodeKind.BOX:
        return applied(code, _("Shipped with %(count)d items inside.", count=item_count)), item_count
    return applied(code, _("Shipped.")), item_count


def _ship_batch(
    enterprise: Enterprise, shipment: Shipment, batch: Batch, user: SuyuanUser
) -> tuple[CodeResult, int]:
    """Ship every item of ``batch`` with one UPDATE and one batch-wide event.

    A batch event shows on the timeline of every item of the batch. So the batch ships
    only while all its items are new and in no box. Otherwise the result names how many
    are not, and what to do instead.
    """
    total, ready = db.session.execute(
        select(
            func.count(TraceCode.id),
            func.count(TraceCode.id).filter(
                TraceCode.status == CodeStatus.NEW, TraceCode.parent_id.is_(None)
            ),
        ).where(TraceCode.batch_id == batch.id)
    ).one()
    if total == 0:
        return CodeResult(
            batch.batch_number, False, _("Batch %(number)s has no codes.", number=batch.batch_number)
        ), 0
    if ready != total:
        return CodeResult(
            batch.batch_number,
            False,
            _(
                "Batch %(number)s cannot be shipped as a whole: %(count)d of its codes are packed or "
                "have left the factory. Ship its boxes and remaining codes one by one.",
                number=batch.batch_number,
                count=total - ready,
            ),
        ), 0

    shipped = db.session.execute(
        update(TraceCode)
        .where(
            TraceCode.batch_id == batch.id, TraceCode.status == CodeStatus.NEW, TraceCode.parent_id.is_(None)
        )
        .values(status=CodeStatus.SHIPPED)
        .execution_options(synchronize_session=False)
    )
    if shipped.rowcount != total:
        # Another transaction packed or shipped some codes between the count and the update.
        raise Conflict(
            _("Batch %(number)s changed while it was being shipped. Try again.", number=batch.batch_number),
            field="batch",
        )
    db.session.add(
        TraceEvent(
            kind=EventKind.SHIPPED,
            batch_id=batch.id,
            enterprise_id=enterprise.id,
            user_id=user.id,
            occurred_at=utcnow(),
            shipment_id=shipment.id,
        )
    )
    message = _("Batch %(number)s: %(count)d items shipped.", number=batch.batch_number, count=total)
    return CodeResult(batch.batch_number, True, message, "shipped"), total


def _open_shipment(
    enterprise: Enterprise, user: SuyuanUser, fields: ShipmentFields | None, shipment_id
) -> Shipment:
    if shipment_id is not None:
        shipment = db.session.scalar(
            select(Shipment).where(Shipment.id == shipment_id, Shipment.enterprise_id == enterprise.id)
        )
        if shipment is None:
            raise NotFound(_("Shipment %(id)s was not found.", id=shipment_id), field="shipment_id")
        return shipment
    values = clean_shipment_fields(fields or ShipmentFields())
    shipment = Shipment(enterprise_id=enterprise.id, created_by_id=user.id, item_count=0, **values)
    db.session.add(shipment)
    db.session.flush()
    return shipment


def ship(
    user: SuyuanUser,
    codes: list[str] | None = None,
    fields: ShipmentFields | None = None,
    *,
    batch_number: str | None = None,
    shipment_id: int | None = None,
) -> StepOutcome:
    """Ship items, boxes and optionally a whole batch in one shipment.

    With ``shipment_id`` the codes join an existing shipment of the same enterprise, as
    the scan-gun screen adds one scan at a time. Otherwise ``fields`` make a new
    shipment, which is stored only when at least one code is shipped. Each code is refused with
    its reason when unknown, another enterprise's, sold, void, already shipped, or inside
    a box. Raises ``PermissionDenied`` unless the user acts for an approved producer,
    ``ValidationFailed`` for bad fields, ``NotFound`` for a batch or shipment of another
    enterprise, ``Conflict`` when a batch changes while it is shipped.
    """
    enterprise = producer_of(user)
    inputs = clean_code_inputs(codes) if codes or not batch_number else []
    batch = own_batch(enterprise, batch_number) if batch_number else None
    shipment = _open_shipment(enterprise, user, fields, shipment_id)

    outcome = StepOutcome("ship")
    item_count = 0
    for raw in inputs:
        result, count = _ship_one(enterprise, shipment, raw, user)
        outcome.results.append(result)
        item_count += count
    if batch is not None:
        result, count = _ship_batch(enterprise, shipment, batch, user)
        outcome.results.append(result)
        item_count += count

    if outcome.applied_count == 0:
        db.session.rollback()
        outcome.shipment_id = shipment_id
        return outcome
    db.session.execute(
        update(Shipment).where(Shipment.id == shipment.id).values(item_count=Shipment.item_count + item_count)
    )
    outcome.shipment_id = shipment.id
    db.session.commit()
    logger.info(
        "shipment %s: user %s shipped %d items (%d of %d inputs)",
        outcome.shipment_id,
        user.id,
        item_count,
        outcome.applied_count,
        len(outcome.results),
    )
    return outcome


@dataclass(frozen=True)
class ShipmentLine:
    """One thing shipped: an item, a box (with the items it held) or a whole batch."""

    label: str
    kind: str
    code: str | None
    item_count: int


def shipment_contents(shipment: Shipment) -> list[ShipmentLine]:
    """Return what ``shipment`` contained, in the order it was shipped.

    The caller checks that the user may see the shipment. A box's item count is the
    number of items inside it now, which drops when items are later sold out of it.
    """
    events = db.session.execute(
        select(TraceEvent.code_id, TraceEvent.batch_id)
        .where(TraceEvent.shipment_id == shipment.id, TraceEvent.kind == EventKind.SHIPPED)
        .order_by(TraceEvent.id)
    ).all()
    lines = []
    for code_id, batch_id in events:
        if batch_id is not None and code_id is None:
            batch = db.session.get(Batch, batch_id)
            lines.append(ShipmentLine(batch.batch_number, "batch", None, batch.code_count))
            continue
        code = db.session.get(TraceCode, code_id)
        if code.kind == CodeKind.BOX:
            inside = db.session.scalar(
                select(func.count(TraceCode.id)).where(
                    TraceCode.id.in_(contents_query(code.id)), TraceCode.kind == CodeKind.ITEM
                )
            )
            lines.append(ShipmentLine(code.code, "box", code.code, inside or 0))
        else:
            lines.append(ShipmentLine(code.code, "item", code.code, 1))
    return lines
