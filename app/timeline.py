"""An item's trace timeline (溯源节点记录).

The timeline of a code has three parts. The first is its own events. The second is the
events of every box it was packed in, for the time it was inside; boxes nest, so the
outer boxes count too. The third is the events recorded for its whole batch. Events are
append-only, so the timeline is rebuilt from them on every read.

One query reads all of it: a recursive CTE collects the code and every box it was ever
packed in (up to ``MAX_BOX_DEPTH`` levels out), and the events of those codes and of the
batch come back together. The packing intervals are then worked out in memory.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, cast, literal_column, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Enterprise, Shipment, TraceCode, TraceEvent
from app.models.trace import EventKind

MAX_BOX_DEPTH = 8
_PACKING_KINDS = (EventKind.PACKED, EventKind.UNPACKED)


@dataclass(frozen=True)
class Interval:
    """The time a code spent inside a box: from ``start`` until ``end`` (None: still inside)."""

    box_id: int
    start: dt.datetime
    end: dt.datetime | None

    def covers(self, moment: dt.datetime) -> bool:
        return moment >= self.start and (self.end is None or moment < self.end)


def intervals_from(events: Iterable[TraceEvent]) -> list[Interval]:
    """Return the intervals during which one code was packed in a box, oldest first,
    from that code's packed and unpacked events in time order (other kinds are ignored)."""
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


def box_intervals(code_id: int) -> list[Interval]:
    """Return the intervals during which ``code_id`` was packed in a box, oldest first."""
    events = db.session.scalars(
        select(TraceEvent)
        .where(TraceEvent.code_id == code_id, TraceEvent.kind.in_(_PACKING_KINDS))
        .order_by(TraceEvent.occurred_at, TraceEvent.id)
    )
    return intervals_from(events)


def _inherited_intervals(code_id: int, packing: dict[int, list[Interval]], depth: int = 0) -> list[Interval]:
    """Intervals of the boxes around ``code_id``, including outer boxes, clipped to the
    time the inner code was inside. ``packing`` maps a code id to its own intervals."""
    result = []
    for interval in packing.get(code_id, ()):
        result.append(interval)
        if depth >= MAX_BOX_DEPTH:
            continue
        for outer in _inherited_intervals(interval.box_id, packing, depth + 1):
            start = max(interval.start, outer.start)
            ends = [end for end in (interval.end, outer.end) if end is not None]
            end = min(ends) if ends else None
            if end is None or start < end:
                result.append(Interval(outer.box_id, start, end))
    return result


@functools.cache
def _timeline_statement():
    """The one statement reading every event a timeline may need: those of the code, of
    each box around it at any time (level 1 to MAX_BOX_DEPTH + 1) and of its batch.

    Built once with bound parameters ``code_id`` and ``batch_id`` (None matches no batch),
    so a request only binds values instead of building and hashing a new statement.
    """
    # Typed like trace_event.box_id, or PostgreSQL refuses the recursive term's bigint.
    start = cast(bindparam("code_id"), TraceEvent.box_id.type)
    levels = select(start.label("id"), literal_column("0").label("depth")).cte("boxes", recursive=True)
    outer = select(TraceEvent.box_id, levels.c.depth + 1).where(
        TraceEvent.code_id == levels.c.id,
        TraceEvent.kind == EventKind.PACKED,
        TraceEvent.box_id.is_not(None),
        levels.c.depth <= MAX_BOX_DEPTH,
    )
    levels = levels.union(outer)
    return (
        select(TraceEvent)
        .where(
            or_(
                TraceEvent.code_id.in_(select(levels.c.id)),
                and_(TraceEvent.batch_id == bindparam("batch_id"), TraceEvent.code_id.is_(None)),
            )
        )
        .options(
            # A timeline shows only the names of the enterprises.
            joinedload(TraceEvent.enterprise).load_only(Enterprise.name),
            joinedload(TraceEvent.shipment)
            .joinedload(Shipment.destination_enterprise)
            .load_only(Enterprise.name),
        )
        .order_by(TraceEvent.occurred_at, TraceEvent.id)
    )


def timeline_for(code: TraceCode) -> list[TraceEvent]:
    """Return the events shown on ``code``'s timeline, oldest first, in one query.

    A box's own packed and unpacked events are left out, because each item inside has
    packed and unpacked events of its own.
    """
    events = list(
        db.session.scalars(_timeline_statement(), {"code_id": code.id, "batch_id": code.batch_id}).unique()
    )
    by_code: dict[int, list[TraceEvent]] = defaultdict(list)
    for event in events:
        if event.code_id is not None and event.kind in _PACKING_KINDS:
            by_code[event.code_id].append(event)
    packing = {code_id: intervals_from(found) for code_id, found in by_code.items()}
    intervals = _inherited_intervals(code.id, packing)

    return [event for event in events if _shown(event, code.id, intervals)]


def _shown(event: TraceEvent, code_id: int, intervals: list[Interval]) -> bool:
    """Whether ``event`` belongs on the timeline of ``code_id``: its own and its batch's
    events always; an event of a box only while the code was inside, packing steps never."""
    if event.code_id is None or event.code_id == code_id:
        return True
    if event.kind in _PACKING_KINDS:
        return False
    return any(
        interval.box_id == event.code_id and interval.covers(event.occurred_at) for interval in intervals
    )
