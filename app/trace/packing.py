"""Boxes and packing (装箱): create a box, pack items or boxes into it, take them out.

A box is a trace code of kind BOX with its own label. Its ``batch_id`` stays NULL even
when a whole batch is packed into it, so batch counts and batch label exports contain
only the batch's items. Boxes nest: a box can be packed into a bigger box. Only codes
that are still in the factory (new or packed) can be packed or taken out.
"""

from __future__ import annotations

import io
import logging
import secrets
import string

import qrcode
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.models import Batch, Enterprise, SuyuanUser, TraceCode, TraceEvent
from app.models.base import utcnow
from app.models.codes import CodeKind, CodeStatus
from app.models.enterprise import EnterpriseType
from app.models.trace import EventKind
from app.timeline import MAX_BOX_DEPTH
from app.trace.common import (
    IN_FACTORY,
    CodeResult,
    StepOutcome,
    acting_enterprise,
    applied,
    clean_code_inputs,
    foreign,
    lock_code,
    not_found,
    parent_code,
    refused,
    status_label,
)

logger = logging.getLogger(__name__)

BOX_CODE_LENGTH = 12
BOX_CODE_ALPHABET = string.ascii_uppercase + string.digits
BOX_CODE_ATTEMPTS = 10


def producer_of(user: SuyuanUser) -> Enterprise:
    return acting_enterprise(
        user, (EnterpriseType.PRODUCER,), _("Only producers can pack, unpack and ship their codes.")
    )


def new_box_code() -> str:
    """Return a random box code: 12 upper-case letters and digits from ``secrets``.

    ``secrets.choice`` draws each character uniformly, so no character is favoured.
    """
    return "".join(secrets.choice(BOX_CODE_ALPHABET) for _ in range(BOX_CODE_LENGTH))


def _insert_box(enterprise: Enterprise) -> TraceCode:
    """Add a new box of ``enterprise`` to the session, retrying on a code collision."""
    for _attempt in range(BOX_CODE_ATTEMPTS):
        box = TraceCode(
            code=new_box_code(), kind=CodeKind.BOX, enterprise_id=enterprise.id, status=CodeStatus.NEW
        )
        try:
            with db.session.begin_nested():
                db.session.add(box)
        except IntegrityError:
            logger.warning("box code collision for enterprise %s, retrying", enterprise.id)
            continue
        return box
    raise RuntimeError(f"no free box code after {BOX_CODE_ATTEMPTS} attempts")


def create_box(user: SuyuanUser) -> TraceCode:
    """Create an empty box for the user's producer enterprise and return it.

    Raises ``PermissionDenied`` unless the user acts for an approved producer.
    """
    enterprise = producer_of(user)
    box = _insert_box(enterprise)
    db.session.commit()
    logger.info("box %s created by user %s for enterprise %s", box.code, user.id, enterprise.id)
    return box


def box_label_png(code: str) -> bytes:
    """Return a PNG label for a box: the QR code of its scan URL with the code below it."""
    url = f"{current_app.config['PUBLIC_BASE_URL']}/t/{code}"
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    symbol = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")

    caption_height = 40
    label = Image.new("RGB", (symbol.width, symbol.height + caption_height), "white")
    label.paste(symbol, (0, 0))
    draw = ImageDraw.Draw(label)
    font = ImageFont.load_default(size=24)
    text_width = draw.textlength(code, font=font)
    draw.text(((symbol.width - text_width) / 2, symbol.height), code, fill="black", font=font)

    buffer = io.BytesIO()
    label.save(buffer, format="PNG")
    return buffer.getvalue()


def own_box(enterprise: Enterprise, raw: str, *, lock: bool) -> TraceCode:
    """Return the box ``raw`` denotes if it is a box of ``enterprise``.

    Raises ``NotFound`` for unknown codes and other enterprises' codes, ``ValidationFailed``
    for an item code.
    """
    box = lock_code(raw) if lock else None
    if box is None or box.enterprise_id != enterprise.id:
        raise NotFound(_("Box %(code)s was not found among your enterprise's boxes.", code=raw), field="box")
    if box.kind != CodeKind.BOX:
        raise ValidationFailed(
            _("Code %(code)s is an item, not a box. Scan a box code or create a new box.", code=box.code),
            field="box",
        )
    return box


def own_batch(enterprise: Enterprise, batch_number: str) -> Batch:
    """Return the batch of ``enterprise`` numbered ``batch_number``; ``NotFound`` otherwise."""
    number = (batch_number or "").strip()
    batch = db.session.scalar(
        select(Batch).where(Batch.enterprise_id == enterprise.id, Batch.batch_number == number)
    )
    if batch is None:
        raise NotFound(
            _("Batch %(number)s was not found among your enterprise's batches.", number=number), field="batch"
        )
    return batch


def _outer_box_ids(box: TraceCode) -> set[int]:
    """Return the ids of ``box`` and every box around it."""
    ids = {box.id}
    parent_id = box.parent_id
    for _depth in range(MAX_BOX_DEPTH * 4):
        if parent_id is None:
            break
        ids.add(parent_id)
        parent_id = db.session.scalar(select(TraceCode.parent_id).where(TraceCode.id == parent_id))
    return ids


def _pack_one(enterprise: Enterprise, box: TraceCode, raw: str, user: SuyuanUser, now) -> CodeResult:
    code = lock_code(raw)
    if code is None:
        return not_found(raw)
    if code.enterprise_id != enterprise.id:
        return foreign(code)
    if code.id in _outer_box_ids(box):
        return refused(
            code.code,
            _("Box %(code)s cannot be packed into itself or into a box it contains.", code=code.code),
            code,
        )
    if code.status not in IN_FACTORY:
        return refused(
            code.code,
            _(
                "Code %(code)s has already left the factory (%(status)s) and cannot be packed.",
                code=code.code,
                status=status_label(code.status),
            ),
            code,
        )
    if code.parent_id is not None:
        return refused(
            code.code,
            _(
                "Code %(code)s is already packed in box %(box)s. Take it out of that box first.",
                code=code.code,
                box=parent_code(code),
            ),
            code,
        )

    conditions = (TraceCode.status == CodeStatus.NEW, TraceCode.parent_id.is_(None))
    changed = {"parent_id": box.id, "status": CodeStatus.PACKED}
    if not _move_code(code, conditions, changed):
        return _changed_meanwhile(code)
    _record_box_event(EventKind.PACKED, code, box, enterprise, user, now)
    return applied(code, _("Packed into box %(box)s.", box=box.code))


def _pack_batch(enterprise: Enterprise, box: TraceCode, batch: Batch, user: SuyuanUser, now) -> CodeResult:
    """Pack every item of ``batch`` that is new and in no box: one UPDATE and one multi-row INSERT."""
    packed_ids = db.session.scalars(
        update(TraceCode)
        .where(
            TraceCode.batch_id == batch.id,
            TraceCode.kind == CodeKind.ITEM,
            TraceCode.status == CodeStatus.NEW,
            TraceCode.parent_id.is_(None),
        )
        .values(parent_id=box.id, status=CodeStatus.PACKED)
        .returning(TraceCode.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not packed_ids:
        return CodeResult(
            batch.batch_number,
            False,
            _(
                "Batch %(number)s has no items left to pack: all are packed or have left the factory.",
                number=batch.batch_number,
            ),
        )
    db.session.execute(
        insert(TraceEvent),
        [
            {
                "kind": EventKind.PACKED,
                "code_id": code_id,
                "box_id": box.id,
                "enterprise_id": enterprise.id,
                "user_id": user.id,
                "occurred_at": now,
            }
            for code_id in packed_ids
        ],
    )
    return CodeResult(
        batch.batch_number,
        True,
        _(
            "Batch %(number)s: %(count)d items packed into box %(box)s.",
            number=batch.batch_number,
            count=len(packed_ids),
            box=box.code,
        ),
        "packed",
    )


def pack(
    user: SuyuanUser,
    codes: list[str] | None = None,
    *,
    box: str | None = None,
    batch_number: str | None = None,
) -> StepOutcome:
    """Pack items or boxes into a box, and optionally every free item of a batch.

    ``box`` is the scanned box code; without it a new box is created. Each code is
    refused with its reason when it is unknown, another enterprise's, already in a box,
    has left the factory, or would put a box inside itself. Raises ``PermissionDenied``
    unless the user acts for an approved producer, ``NotFound`` for a box or batch not
    of that producer, ``Conflict`` when the box has left the factory.
    """
    enterprise = producer_of(user)
    inputs = clean_code_inputs(codes) if codes or not batch_number else []
    batch = own_batch(enterprise, batch_number) if batch_number else None
    if box:
        target = own_box(enterprise, box, lock=True)
        if target.status not in IN_FACTORY:
            raise Conflict(
                _(
                    "Box %(code)s has already left the factory (%(status)s); nothing can be packed into it.",
                    code=target.code,
                    status=status_label(target.status),
                ),
                field="box",
            )
    else:
        target = _insert_box(enterprise)

    now = utcnow()
    outcome = StepOutcome("pack", box_code=target.code)
    for raw in inputs:
        outcome.results.append(_pack_one(enterprise, target, raw, user, now))
    if batch is not None:
        outcome.results.append(_pack_batch(enterprise, target, batch, user, now))

    if outcome.applied_count == 0:
        # Nothing changed; a box created for this call is dropped with the rest.
        outcome.box_code = target.code if box else None
        db.session.rollback()
        return outcome
    db.session.commit()
    logger.info(
        "user %s packed %d of %d inputs into box %s",
        user.id,
        outcome.applied_count,
        len(outcome.results),
        target.code,
    )
    return outcome


def _unpack_one(enterprise: Enterprise, raw: str, user: SuyuanUser, now) -> CodeResult:
    code = lock_code(raw)
    if code is None:
        return not_found(raw)
    if code.enterprise_id != enterprise.id:
        return foreign(code)
    if code.parent_id is None:
        return refused(code.code, _("Code %(code)s is not packed in a box.", code=code.code), code)
    box = db.session.get(TraceCode, code.parent_id)
    if box.status not in IN_FACTORY or code.status != CodeStatus.PACKED:
        return refused(
            code.code,
            _(
                "Code %(code)s cannot be taken out: its box %(box)s has already left the factory.",
                code=code.code,
                box=box.code,
            ),
            code,
        )

    conditions = (TraceCode.parent_id == box.id, TraceCode.status == CodeStatus.PACKED)
    if not _move_code(code, conditions, {"parent_id": None, "status": CodeStatus.NEW}):
        return _changed_meanwhile(code)
    _record_box_event(EventKind.UNPACKED, code, box, enterprise, user, now)
    return applied(code, _("Taken out of box %(box)s.", box=box.code))


def unpack(user: SuyuanUser, codes: list[str]) -> StepOutcome:
    """Take items or boxes out of the boxes they are packed in.

    Refuses, per code, codes that are unknown, another enterprise's, in no box, or whose
    box has left the factory. Raises ``PermissionDenied`` unless the user acts for an
    approved producer.
    """
    enterprise = producer_of(user)
    inputs = clean_code_inputs(codes)
    now = utcnow()
    outcome = StepOutcome("unpack")
    for raw in inputs:
        outcome.results.append(_unpack_one(enterprise, raw, user, now))
    db.session.commit()
    return outcome


def _move_code(code: TraceCode, conditions: tuple, values: dict) -> bool:
    """Update ``code`` only while ``conditions`` still hold; return whether it changed.

    The conditional UPDATE makes a concurrent step on the same code lose cleanly.
    """
    moved = db.session.execute(
        update(TraceCode)
        .where(TraceCode.id == code.id, *conditions)
        .values(**values)
        .execution_options(synchronize_session="evaluate")
    )
    if moved.rowcount != 1:
        db.session.refresh(code)
        return False
    return True


def _changed_meanwhile(code: TraceCode):
    return refused(code.code, _("Code %(code)s changed meanwhile. Scan it again.", code=code.code), code)


def _record_box_event(kind: EventKind, code: TraceCode, box: TraceCode, enterprise, user, now) -> None:
    db.session.add(
        TraceEvent(
            kind=kind,
            code_id=code.id,
            box_id=box.id,
            enterprise_id=enterprise.id,
            user_id=user.id,
            occurred_at=now,
        )
    )
