"""Public scans of trace codes (扫码知溯源): counting, logging and the scan result.

A scan page view and the JSON form of it both call ``scan_code``: it looks the code up,
counts the query and writes the scan log row in one transaction, and returns everything
the page shows. Unknown and void codes raise ``NotFound`` and change nothing.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.errors import NotFound
from app.extensions import db
from app.lookup import find_trace_code
from app.models import Batch, Enterprise, Product, ScanLog, TraceCode, TraceEvent
from app.models.base import utcnow
from app.models.codes import CodeKind, CodeStatus
from app.timeline import timeline_for

USER_AGENT_LENGTH = 255
STATUS_NAMES = {
    CodeStatus.NEW: "new",
    CodeStatus.PACKED: "packed",
    CodeStatus.SHIPPED: "shipped",
    CodeStatus.SOLD: "sold",
    CodeStatus.VOID: "void",
}


@dataclass(frozen=True)
class ScanCount:
    """The outcome of counting one query: its number and the time of the query before it."""

    query_count: int
    previous_query_at: dt.datetime | None
    scanned_at: dt.datetime


@dataclass
class ScanResult:
    """Everything a scan page shows about one code, read after the query was counted."""

    code: TraceCode
    product: Product | None
    enterprise: Enterprise
    batch: Batch | None
    box: TraceCode | None
    events: list[TraceEvent]
    sold_by: Enterprise | None
    count: ScanCount
    warning: bool
    status_name: str = field(default="")


def truncate_ip(address: str | None) -> str | None:
    """Return the network part of an IP address: IPv4 /24, IPv6 /48 (an IPv4-mapped IPv6
    address counts as IPv4). Returns None for a missing or unreadable address."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def unknown_code_message() -> str:
    return _(
        "This code was not issued by this platform. The item may be counterfeit: "
        "do not trust it, and tell the seller or the brand owner."
    )


def record_scan(
    code_id: int, *, user_id: int | None, remote_addr: str | None, user_agent: str | None
) -> ScanCount:
    """Count one query of ``code_id`` and write its scan log row, in one transaction.

    The UPDATE increments the count in the database (never read-modify-write), so
    concurrent scans never lose a count. It also takes the row lock (PostgreSQL) or the
    write lock (SQLite) until the commit, so the latest scan log row read next is the
    query just before this one. Commits; rolls back and re-raises on any error.
    """
    now = utcnow()
    try:
        query_count = db.session.execute(
            update(TraceCode)
            .where(TraceCode.id == code_id)
            .values(
                scan_count=TraceCode.scan_count + 1,
                last_scan_at=now,
                first_scan_at=func.coalesce(TraceCode.first_scan_at, now),
            )
            .returning(TraceCode.scan_count)
            .execution_options(synchronize_session=False)
        ).scalar_one()
        previous = db.session.scalar(select(func.max(ScanLog.scanned_at)).where(ScanLog.code_id == code_id))
        db.session.add(
            ScanLog(
                code_id=code_id,
                scanned_at=now,
                user_id=user_id,
                ip_prefix=truncate_ip(remote_addr),
                user_agent=(user_agent or "")[:USER_AGENT_LENGTH] or None,
            )
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ScanCount(query_count=query_count, previous_query_at=previous, scanned_at=now)


def scan_code(
    raw: str | None, *, user_id: int | None, remote_addr: str | None, user_agent: str | None
) -> ScanResult:
    """Look up ``raw`` (typed, scanned or pasted), count the query and return the result.

    Raises ``NotFound`` with the counterfeit warning when the code is unknown or void;
    nothing is counted or logged then.
    """
    code = find_trace_code(raw)
    if code is None or code.status == CodeStatus.VOID:
        raise NotFound(unknown_code_message())

    count = record_scan(code.id, user_id=user_id, remote_addr=remote_addr, user_agent=user_agent)
    db.session.refresh(code)

    batch = code.batch
    product = batch.product if batch is not None else None
    enterprise = db.session.get(Enterprise, code.enterprise_id)
    box = code.parent if code.parent_id is not None else None
    sold_by = db.session.get(Enterprise, code.sold_by_enterprise_id) if code.sold_by_enterprise_id else None
    threshold = current_app.config["SCAN_WARNING_THRESHOLD"]
    return ScanResult(
        code=code,
        product=product,
        enterprise=enterprise,
        batch=batch,
        box=box,
        events=timeline_for(code),
        sold_by=sold_by,
        count=count,
        warning=count.query_count > threshold,
        status_name=STATUS_NAMES.get(CodeStatus(code.status), "new"),
    )


def is_box(code: TraceCode) -> bool:
    return code.kind == CodeKind.BOX
