"""An item's trace timeline (溯源节点记录).

The timeline of a code has three parts. The first is its own events. The second is the
events of every box it was packed in, for the time it was inside; boxes nest, so the
outer boxes count too. The third is the events recorded for its whole batch. Events are
append-only, so the timeline is rebuilt from them on every read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import TraceCode, TraceEvent
from app.models.trace import EventKind

MAX_BOX_DEPTH = 8


@dataclass(frozen=True)
class Interval:
    """The time a code spent inside a box: from ``start`` until ``end`` (None: still inside)."""

    box_id: int
    start: dt.datetime
    end: dt.datetime | None

    def covers(self, moment: dt.datetime) -> bool:
        return moment >= self.start and (self.end is None or moment < self.end)


def box_intervals(code_id: int) -> list[Interval]:
    """Return the intervals during which ``code_id`` was packed in a box, oldest first."""
    events = db.session.scalars(
        select(TraceEvent)
        .where(
            TraceEvent.code_id == code_id,
            TraceEvent.kind.in_([EventKind.PACKED, EventKind.UNPACKED]),
        )
        .order_by(TraceEvent.occurred_at, TraceEvent.id)
    )
    intervals: list[Interval] = []
    open_box: tuple[int, dt.datetime] | None = None
    for event in events:
        if event.kind == EventKind.PACKED and event.box_id is not None:
            open_box = (event.box_id, event.occurred_at)
        elif event.kind == EventKind.UNPACKED and open_box is not None:
            intervals.append(Interval(open_box[0], open_box[1], event.occurred_at))
            open_box = None
    if open_box is not None:
        intervals.append(Interval(open_box[0], open_box[1], None))
    return intervals


def _inherited_intervals(code_id: int, depth: int = 0) -> list[Interval]:
    """Intervals of the boxes around ``code_id``, including outer boxes, clipped to the
    time the inner code was inside."""
    result = []
    for interval in box_intervals(code_id):
        result.append(interval)
        if depth >= MAX_BOX_DEPTH:
            continue
        for outer in _inherited_intervals(interval.box_id, depth + 1):
            start = max(interval.start, outer.start)
            ends = [end for end in (interval.end, outer.end) if end is not None]
            end = min(ends) if ends else None
            if end is None or start < end:
                result.append(Interval(outer.box_id, start, end))
    return result


def timeline_for(code: TraceCode) -> list[TraceEvent]:
    """Return the events shown on ``code``'s timeline, oldest first.

    A box's own packed and unpacked events are left out, because each item inside has
    packed and unpacked events of its own.
    """
    intervals = _inherited_intervals(code.id)
    conditions = [TraceEvent.code_id == code.id]
    if code.batch_id is not None:
        conditions.append(and_(TraceEvent.batch_id == code.batch_id, TraceEvent.code_id.is_(None)))
    box_ids = {interval.box_id for interval in intervals}
    if box_ids:
        conditions.append(
            and_(
                TraceEvent.code_id.in_(box_ids),
                TraceEvent.kind.notin_([EventKind.PACKED, EventKind.UNPACKED]),
            )
        )
    events = db.session.scalars(
        select(TraceEvent)
        .where(or_(*conditions))
        .options(selectinload(TraceEvent.shipment), selectinload(TraceEvent.enterprise))
        .order_by(TraceEvent.occurred_at, TraceEvent.id)
    )
    timeline = []
    for event in events:
        if event.code_id in box_ids and event.code_id != code.id:
            inside = any(
                interval.box_id == event.code_id and interval.covers(event.occurred_at)
                for interval in intervals
            )
            if not inside:
                continue
        timeline.append(event)
    return timeline
