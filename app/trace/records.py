"""Handling records (添加溯源记录) and write-off (核销).

Any approved enterprise adds handling records to any code; only distributors write
items off as sold. An item is sold once, because the status condition of the UPDATE
gives concurrent write-offs of one code a single winner. The other attempts get a
message with when and by whom the item was sold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update

from app.extensions import db
from app.lookup import find_trace_code
from app.models import Enterprise, SuyuanUser, TraceCode, TraceEvent
from app.models.base import utcnow
from app.models.codes import CodeKind, CodeStatus
from app.models.enterprise import EnterpriseType
from app.models.trace import EventKind
from app.trace.common import (
    CodeResult,
    StepOutcome,
    acting_enterprise,
    applied,
    clean_code_inputs,
    lock_code,
    not_found,
    refused,
    sale_details,
)
from app.trace.shipping import contents_query
from app.validators import require_text

logger = logging.getLogger(__name__)

HANDLING_TYPES = (EnterpriseType.PRODUCER, EnterpriseType.STORAGE, EnterpriseType.DISTRIBUTOR)
# Only items that left the factory reach a distributor, so only shipped codes are sold.
SELLABLE = (CodeStatus.SHIPPED,)


@dataclass
class RecordFields:
    """A handling record as typed: stage (环节), location (编号/位置), condition (情况), remarks."""

    stage: str = ""
    location: str = ""
    condition: str = ""
    remarks: str = ""


def _optional_text(raw: str | None, label: str, field: str, max_length: int) -> str | None:
    text = (raw or "").strip()
    return require_text(text, label, field, max_length) if text else None


def clean_record_fields(fields: RecordFields) -> dict:
    """Validate a handling record and return the event column values."""
    return {
        "stage": require_text(fields.stage, _("Stage"), "stage", 64),
        "location": _optional_text(fields.location, _("Location"), "location", 128),
        "condition": _optional_text(fields.condition, _("Condition"), "condition", 64),
        "remarks": _optional_text(fields.remarks, _("Remarks"), "remarks", 1000),
    }


def record(user: SuyuanUser, codes: list[str], fields: RecordFields) -> StepOutcome:
    """Add a handling record to each item or box.

    A record on a box shows on the timelines of the items inside it. Void codes are
    refused. Raises ``PermissionDenied`` unless the user acts for an approved producer,
    storage or distributor enterprise, ``ValidationFailed`` for bad fields.
    """
    enterprise = acting_enterprise(
        user, HANDLING_TYPES, _("Only members of an approved enterprise can add handling records.")
    )
    inputs = clean_code_inputs(codes)
    values = clean_record_fields(fields)
    now = utcnow()

    outcome = StepOutcome("record")
    for raw in inputs:
        # Records are only appended, so the code row needs no lock.
        code = find_trace_code(raw)
        if code is None:
            outcome.results.append(not_found(raw))
            continue
        if code.status == CodeStatus.VOID:
            outcome.results.append(
                refused(code.code, _("Code %(code)s is void; no record can be added.", code=code.code), code)
            )
            continue
        db.session.add(
            TraceEvent(
                kind=EventKind.HANDLED,
                code_id=code.id,
                enterprise_id=enterprise.id,
                user_id=user.id,
                occurred_at=now,
                **values,
            )
        )
        outcome.results.append(applied(code, _("Record added: %(stage)s.", stage=values["stage"])))
    db.session.commit()
    return outcome


def _sold_refusal(code: TraceCode) -> CodeResult:
    if code.status == CodeStatus.VOID:
        return refused(code.code, _("Code %(code)s is void and cannot be written off.", code=code.code), code)
    if code.status in (CodeStatus.NEW, CodeStatus.PACKED):
        return refused(
            code.code,
            _(
                "Code %(code)s has not been shipped from the factory yet, so it cannot be sold.",
                code=code.code,
            ),
            code,
        )
    return refused(
        code.code,
        _(
            "Code %(code)s was already sold on %(time)s by %(enterprise)s.",
            code=code.code,
            **sale_details(code),
        ),
        code,
    )


def _sell_item(enterprise: Enterprise, code: TraceCode, user: SuyuanUser, now) -> CodeResult:
    """Write off one item. An item sold out of a box leaves it, so the box's later
    events no longer show on the item's timeline."""
    box_id = code.parent_id
    sold = db.session.execute(
        update(TraceCode)
        .where(TraceCode.id == code.id, TraceCode.status.in_(SELLABLE))
        .values(status=CodeStatus.SOLD, sold_at=now, sold_by_enterprise_id=enterprise.id, parent_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(code)
    if sold.rowcount != 1:
        return _sold_refusal(code)

    common = {"code_id": code.id, "enterprise_id": enterprise.id, "user_id": user.id, "occurred_at": now}
    if box_id is not None:
        db.session.add(TraceEvent(kind=EventKind.UNPACKED, box_id=box_id, **common))
    db.session.add(TraceEvent(kind=EventKind.SOLD, **common))
    return applied(code, _("Written off as sold."))


def _sell_box(enterprise: Enterprise, box: TraceCode, user: SuyuanUser, now) -> CodeResult:
    """Write off every unsold item in a box (at any depth) once, and the box itself."""
    unsold = db.session.scalar(
        select(func.count(TraceCode.id)).where(
            TraceCode.id.in_(contents_query(box.id)),
            TraceCode.kind == CodeKind.ITEM,
            TraceCode.status.in_(SELLABLE),
        )
    )
    if not unsold:
        return refused(box.code, _("Box %(code)s contains no unsold items.", code=box.code), box)

    sold_box = db.session.execute(
        update(TraceCode)
        .where(TraceCode.id == box.id, TraceCode.status.in_(SELLABLE))
        .values(status=CodeStatus.SOLD, sold_at=now, sold_by_enterprise_id=enterprise.id)
        .execution_options(synchronize_session=False)
    )
    if sold_box.rowcount != 1:
        db.session.refresh(box)
        return _sold_refusal(box)

    sold_ids = db.session.execute(
        update(TraceCode)
        .where(TraceCode.id.in_(contents_query(box.id)), TraceCode.status.in_(SELLABLE))
        .values(status=CodeStatus.SOLD, sold_at=now, sold_by_enterprise_id=enterprise.id)
        .returning(TraceCode.id, TraceCode.kind)
        .execution_options(synchronize_session=False)
    ).all()
    item_ids = [row.id for row in sold_ids if row.kind == CodeKind.ITEM]
    if item_ids:  # empty when concurrent item write-offs sold the rest since the count
        db.session.execute(
            insert(TraceEvent),
            [
                {
                    "kind": EventKind.SOLD,
                    "code_id": item_id,
                    "enterprise_id": enterprise.id,
                    "user_id": user.id,
                    "occurred_at": now,
                }
                for item_id in item_ids
            ],
        )
    db.session.refresh(box)
    return applied(box, _("Box written off: %(count)d items sold.", count=len(item_ids)))


def sell(user: SuyuanUser, codes: list[str]) -> StepOutcome:
    """Write off items as sold (核销); a box code writes off every unsold item inside once.

    Sold time and the distributor are stored on each item. A second write-off is
    refused with when and by whom the item was sold; void and unknown codes are refused.
    Raises ``PermissionDenied`` unless the user acts for an approved distributor.
    """
    enterprise = acting_enterprise(
        user, (EnterpriseType.DISTRIBUTOR,), _("Only distributors can write off items as sold.")
    )
    inputs = clean_code_inputs(codes)
    now = utcnow()

    outcome = StepOutcome("sell")
    for raw in inputs:
        code = lock_code(raw)
        if code is None:
            outcome.results.append(not_found(raw))
        elif code.status not in SELLABLE:
            outcome.results.append(_sold_refusal(code))
        elif code.kind == CodeKind.BOX:
            outcome.results.append(_sell_box(enterprise, code, user, now))
        else:
            outcome.results.append(_sell_item(enterprise, code, user, now))
    db.session.commit()
    logger.info("user %s wrote off %d of %d codes", user.id, outcome.applied_count, len(outcome.results))
    return outcome
