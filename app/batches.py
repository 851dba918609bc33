"""Batches (批次): viewing, editing production data, deleting unused batches."""

from __future__ import annotations

import datetime as dt
import logging

from flask_babel import gettext as _
from sqlalchemy import delete, exists, or_, select

from app.errors import Conflict, NotFound, ValidationFailed
from app.exports import delete_export_files
from app.extensions import db
from app.models import Batch, ExportJob, ScanLog, SuyuanUser, TraceCode, TraceEvent
from app.models.codes import CodeStatus
from app.security import is_admin, membership_of

logger = logging.getLogger(__name__)

MAX_TEAM = 64
MAX_DESCRIPTION = 2000


def batch_for(user: SuyuanUser, batch_id: int) -> Batch:
    """Return a batch the user may see: any for the admin, own enterprise's otherwise.

    Raises ``NotFound`` for missing batches and those of other enterprises alike.
    """
    batch = db.session.get(Batch, batch_id)
    if batch is None:
        raise NotFound(_("Batch %(id)s was not found.", id=batch_id))
    if is_admin(user):
        return batch
    member = membership_of(user.id)
    if member is None or member.enterprise_id != batch.enterprise_id:
        raise NotFound(_("Batch %(id)s was not found.", id=batch_id))
    return batch


def parse_production_date(raw: str | None) -> dt.date | None:
    """Parse a YYYY-MM-DD date from the date picker; empty means no date."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            _("The production date %(value)s is not a date like 2026-03-01.", value=text),
            field="production_date",
        ) from None


def update_batch(
    user: SuyuanUser, batch_id: int, production_date: str | None, team: str | None, description: str | None
) -> Batch:
    """Set a batch's production date, production team and description."""
    batch = batch_for(user, batch_id)
    date = parse_production_date(production_date)
    team = (team or "").strip()
    description = (description or "").strip()
    if len(team) > MAX_TEAM:
        raise ValidationFailed(
            _("The production team may have at most %(max)d characters.", max=MAX_TEAM),
            field="production_team",
        )
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(
            _("The description may have at most %(max)d characters.", max=MAX_DESCRIPTION),
            field="description",
        )
    batch.production_date = date
    batch.production_team = team or None
    batch.description = description or None
    db.session.commit()
    logger.info("batch %s updated by user %s", batch.id, user.id)
    return batch


def deletion_blocker(batch: Batch) -> str | None:
    """Return why the batch cannot be deleted, or None when it can.

    A batch can go only while every code is still new in the factory: not packed,
    shipped, sold or void, never scanned and with no trace records.
    """
    if not batch.complete and batch.request_id is not None:
        return _("Batch %(number)s is still being generated.", number=batch.batch_number)
    codes = select(TraceCode.id).where(TraceCode.batch_id == batch.id)
    left_factory = db.session.scalar(
        select(
            exists(
                codes.where(or_(TraceCode.status != int(CodeStatus.NEW), TraceCode.parent_id.is_not(None)))
            )
        )
    )
    if left_factory:
        return _(
            "Batch %(number)s cannot be deleted: some of its codes have been packed, shipped or sold.",
            number=batch.batch_number,
        )
    scanned = db.session.scalar(select(exists(codes.where(TraceCode.scan_count > 0))))
    if scanned:
        return _(
            "Batch %(number)s cannot be deleted: some of its codes have already been scanned.",
            number=batch.batch_number,
        )
    recorded = db.session.scalar(
        select(
            exists(
                select(TraceEvent.id).where(
                    or_(
                        TraceEvent.batch_id == batch.id,
                        TraceEvent.code_id.in_(codes),
                        TraceEvent.box_id.in_(codes),
                    )
                )
            )
        )
    )
    if recorded or db.session.scalar(select(exists(select(ScanLog.id).where(ScanLog.code_id.in_(codes))))):
        return _(
            "Batch %(number)s cannot be deleted: trace records exist for its codes.",
            number=batch.batch_number,
        )
    return None


def delete_batch(user: SuyuanUser, batch_id: int) -> str:
    """Delete a batch with its codes and label exports; return its batch number.

    Raises ``Conflict`` with the reason when a code has left the factory or was scanned.
    The check and the delete run in one transaction with the batch row locked.
    """
    batch = batch_for(user, batch_id)
    db.session.refresh(batch, with_for_update=True)
    reason = deletion_blocker(batch)
    if reason:
        raise Conflict(reason)

    number = batch.batch_number
    files = list(db.session.scalars(select(ExportJob.file).where(ExportJob.batch_id == batch.id)))
    db.session.execute(delete(ExportJob).where(ExportJob.batch_id == batch.id))
    db.session.execute(delete(TraceCode).where(TraceCode.batch_id == batch.id))
    db.session.delete(batch)
    db.session.commit()
    delete_export_files(files)
    logger.info("batch %s (%s) deleted by user %s", batch_id, number, user.id)
    return number
