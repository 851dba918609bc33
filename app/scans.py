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
from sqlalchemy import DateTime, Integer, func, insert, select, text, update
from sqlalchemy.orm import joinedload

from app.errors import NotFound
from app.extensions import db
from app.lookup import find_trace_code
from app.models import Batch, Enterprise, Product, ScanLog, TraceCode, TraceEvent
from app.models.base import utcnow
from app.models.codes import CodeStatus
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
    # False when the view was not counted: the page staff return to after an action.
    counted: bool = True


@dataclass
class ScanResult:
    """Everything a scan page shows about one code, read in the transaction that counted
    the query: the code's own row just before the count, the timeline after it."""

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


# PostgreSQL counts and logs in one statement. The first CTE locks the row and reads its
# latest version (after waiting for a concurrent scan to commit), so "previous" is the last
# query before this one; the UPDATE then increments that version.
_COUNT_AND_LOG_POSTGRESQL = text(
    """
    WITH locked AS (
        SELECT id, last_scan_at FROM trace_code WHERE id = :code_id AND status <> :void FOR UPDATE
    ), counted AS (
        UPDATE trace_code SET scan_count = trace_code.scan_count + 1, last_scan_at = :now,
               first_scan_at = coalesce(trace_code.first_scan_at, :now)
        FROM locked WHERE trace_code.id = locked.id
        RETURNING trace_code.id, trace_code.scan_count, locked.last_scan_at AS previous
    ), logged AS (
        INSERT INTO scan_log (code_id, scanned_at, user_id, ip_prefix, user_agent)
        SELECT id, :now, :user_id, :ip_prefix, :user_agent FROM counted
    )
    SELECT scan_count, previous FROM counted
    """
).columns(scan_count=Integer, previous=DateTime)


def record_scan(
    code_id: int, *, user_id: int | None, remote_addr: str | None, user_agent: str | None
) -> ScanCount:
    """Count one query of ``code_id`` and write its scan log row, in one transaction.

    The count is incremented by the database (never read-modify-write), so concurrent
    scans never lose a count, and the previous query time is read under the same row lock.
    The query time is taken before the lock, so under contention a query may carry a time
    a few milliseconds earlier than the query counted before it.
    Raises ``NotFound`` when the code was voided since it was looked up. Commits; rolls
    back and re-raises on any error.
    """
    try:
        count = _count_and_log(code_id, user_id=user_id, remote_addr=remote_addr, user_agent=user_agent)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return count


def _count_and_log(
    code_id: int, *, user_id: int | None, remote_addr: str | None, user_agent: str | None
) -> ScanCount:
    """Count and log one query in the current transaction; the caller commits or rolls back.

    Raises ``NotFound`` when the code is void (voided since it was looked up).
    """
    now = utcnow()
    values = {
        "code_id": code_id,
        "void": int(CodeStatus.VOID),
        "now": now,
        "user_id": user_id,
        "ip_prefix": truncate_ip(remote_addr),
        "user_agent": (user_agent or "")[:USER_AGENT_LENGTH] or None,
    }
    if db.session.get_bind().dialect.name == "postgresql":
        row = db.session.execute(_COUNT_AND_LOG_POSTGRESQL, values).one_or_none()
    else:
        row = _count_and_log_portable(values)
    if row is None:
        # The code was voided after the look-up: it is not counted, like any void code.
        raise NotFound(unknown_code_message())
    query_count, previous = row
    return ScanCount(query_count=query_count, previous_query_at=previous, scanned_at=now)


def _count_and_log_portable(values: dict) -> tuple[int, dt.datetime | None] | None:
    """Count and log in three statements, for databases without data-modifying CTEs (SQLite).

    The UPDATE comes first and takes the write lock until the commit, so the latest scan
    log row read next belongs to the query just before this one.
    """
    code_id, now = values["code_id"], values["now"]
    query_count = db.session.execute(
        update(TraceCode)
        .where(TraceCode.id == code_id, TraceCode.status != CodeStatus.VOID)
        .values(
            scan_count=TraceCode.scan_count + 1,
            last_scan_at=now,
            first_scan_at=func.coalesce(TraceCode.first_scan_at, now),
        )
        .returning(TraceCode.scan_count)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if query_count is None:
        return None
    previous = db.session.scalar(select(func.max(ScanLog.scanned_at)).where(ScanLog.code_id == code_id))
    db.session.execute(
        insert(ScanLog).values(
            code_id=code_id,
            scanned_at=now,
            user_id=values["user_id"],
            ip_prefix=values["ip_prefix"],
            user_agent=values["user_agent"],
        )
    )
    return query_count, previous


def _commit_keeping_loaded() -> None:
    """Commit without expiring the loaded rows, so the page renders what was read in the
    transaction instead of reloading each row in a new one."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


# Everything the page shows about the code itself, read with the look-up in one query.
# Only the columns the page and the JSON API show are read from the batch, product,
# enterprise and box rows (another column, if ever used, loads on first access).
_PAGE_LOADS = (
    joinedload(TraceCode.batch).load_only(
        Batch.enterprise_id,
        Batch.product_id,
        Batch.batch_number,
        Batch.production_date,
        Batch.production_team,
    ),
    joinedload(TraceCode.batch)
    .joinedload(Batch.product)
    .load_only(Product.name, Product.main_image, Product.on_shelf),
    joinedload(TraceCode.batch)
    .joinedload(Batch.enterprise)
    .load_only(
        Enterprise.name, Enterprise.logo_file, Enterprise.profile_html, Enterprise.address, Enterprise.phone
    ),
    joinedload(TraceCode.parent).load_only(TraceCode.code),
)


def scan_code(
    raw: str | None,
    *,
    user_id: int | None,
    remote_addr: str | None,
    user_agent: str | None,
    count_query: bool = True,
) -> ScanResult:
    """Look up ``raw`` (typed, scanned or pasted), count the query and return the result.

    One transaction: the look-up (which reads the batch, product, producer and box with
    the code), the count with its scan log row, and the timeline, then one commit.
    Raises ``NotFound`` with the counterfeit warning when the code is unknown or void;
    nothing is counted or logged then. With ``count_query=False`` the view is neither
    counted nor logged, and the result carries the current count.
    """
    try:
        code = find_trace_code(raw, options=_PAGE_LOADS)
        if code is None or code.status == CodeStatus.VOID:
            raise NotFound(unknown_code_message())
        if count_query:
            count = _count_and_log(code.id, user_id=user_id, remote_addr=remote_addr, user_agent=user_agent)
        else:
            count = ScanCount(code.scan_count, code.last_scan_at, utcnow(), counted=False)
        # Read after the count in the same transaction: a step that changes this code's row
        # waits for the count's row lock until the commit.
        events = timeline_for(code)
        batch = code.batch
        product = batch.product if batch is not None else None
        if batch is not None and batch.enterprise_id == code.enterprise_id:
            enterprise = batch.enterprise
        else:
            enterprise = db.session.get(Enterprise, code.enterprise_id)
        # Usually already loaded with the timeline's sold event, so no query.
        sold_by = None
        if code.sold_by_enterprise_id is not None:
            sold_by = db.session.get(Enterprise, code.sold_by_enterprise_id)
        _commit_keeping_loaded()
    except Exception:
        db.session.rollback()
        raise
    threshold = current_app.config["SCAN_WARNING_THRESHOLD"]
    return ScanResult(
        code=code,
        product=product,
        enterprise=enterprise,
        batch=batch,
        box=code.parent,
        events=events,
        sold_by=sold_by,
        count=count,
        warning=count.query_count > threshold,
        status_name=STATUS_NAMES.get(CodeStatus(code.status), "new"),
    )
