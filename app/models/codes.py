"""Code requests, batches, trace codes and label exports."""

from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import string_enum, utcnow


class Charset(enum.StrEnum):
    MIXED = "mixed"
    LETTERS = "letters"
    DIGITS = "digits"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    REJECTED = "rejected"
    APPROVED = "approved"
    GENERATING = "generating"
    COMPLETED = "completed"
    FAILED = "failed"


class CodeKind(enum.IntEnum):
    ITEM = 1
    BOX = 2


class CodeStatus(enum.IntEnum):
    """Life cycle of a trace code: new → packed → shipped → sold, or void.

    Stored as a small integer because the trace code table grows to hundreds of
    millions of rows.
    """

    NEW = 1
    PACKED = 2
    SHIPPED = 3
    SOLD = 4
    VOID = 5


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    URLS = "urls"
    ZIP = "zip"
    PDF = "pdf"


class ExportStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class CodeRequest(Model):
    """A producer's request for trace codes, reviewed by the admin."""

    __tablename__ = "code_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"))
    batch_count: Mapped[int] = mapped_column(Integer)
    codes_per_batch: Mapped[int] = mapped_column(Integer)
    code_length: Mapped[int] = mapped_column(SmallInteger)
    charset: Mapped[Charset] = mapped_column(string_enum(Charset, "code_charset"))
    case_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_prefix: Mapped[str] = mapped_column(String(16), default="")
    remarks: Mapped[str | None] = mapped_column(Text)

    status: Mapped[RequestStatus] = mapped_column(
        string_enum(RequestStatus, "code_request_status"),
        default=RequestStatus.PENDING,
        index=True,
    )
    reject_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    generated_count: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    task_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    enterprise = relationship("Enterprise")
    product = relationship("Product")
    requested_by = relationship("SuyuanUser", foreign_keys=[requested_by_id])
    reviewed_by = relationship("SuyuanUser", foreign_keys=[reviewed_by_id])

    @property
    def total_codes(self) -> int:
        return self.batch_count * self.codes_per_batch


class Batch(Model):
    """A production batch: a run of codes for one product, numbered prefix + sequence."""

    __tablename__ = "batch"
    __table_args__ = (UniqueConstraint("enterprise_id", "batch_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("code_request.id"), index=True)
    batch_number: Mapped[str] = mapped_column(String(40))
    sequence: Mapped[int] = mapped_column(Integer)
    code_count: Mapped[int] = mapped_column(Integer, default=0)
    # False while generation is still writing codes, so a half batch is never shown as done.
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    production_date: Mapped[dt.date | None] = mapped_column(Date)
    production_team: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    enterprise = relationship("Enterprise")
    product = relationship("Product")
    request = relationship("CodeRequest")

    def __repr__(self) -> str:
        return self.batch_number


class TraceCode(Model):
    """One printed code: an item or a box.

    Kept narrow because it grows to hundreds of millions of rows: no text besides the
    code itself, small integers for kind and status, and only the indexes lookups need.
    """

    __tablename__ = "trace_code"
    __table_args__ = (
        Index("ix_trace_code_batch_status", "batch_id", "status"),
        Index("ix_trace_code_parent", "parent_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[int] = mapped_column(SmallInteger, default=CodeKind.ITEM)
    # No foreign keys on enterprise_id and batch_id: PostgreSQL checks them row by row,
    # which made a bulk COPY of codes about twice as slow. The domain functions write
    # both from rows they have just read, and delete a batch's codes with the batch.
    enterprise_id: Mapped[int] = mapped_column(Integer, index=True)
    batch_id: Mapped[int | None] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("trace_code.id"))
    status: Mapped[int] = mapped_column(SmallInteger, default=CodeStatus.NEW)
    case_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    scan_count: Mapped[int] = mapped_column(Integer, default=0)
    first_scan_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_scan_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    sold_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    sold_by_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))

    batch = relationship("Batch", primaryjoin="foreign(TraceCode.batch_id) == Batch.id")
    parent = relationship("TraceCode", remote_side=[id])


class ExportJob(Model):
    """A label export of one batch, run in the background for large batches."""

    __tablename__ = "export_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    format: Mapped[ExportFormat] = mapped_column(string_enum(ExportFormat, "export_format"))
    status: Mapped[ExportStatus] = mapped_column(
        string_enum(ExportStatus, "export_status"), default=ExportStatus.PENDING
    )
    progress: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    file: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    batch = relationship("Batch")
