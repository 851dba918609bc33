"""Shipments, trace events and scan logs."""

from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import string_enum, utcnow

_BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class EventKind(enum.StrEnum):
    PACKED = "packed"
    UNPACKED = "unpacked"
    SHIPPED = "shipped"
    HANDLED = "handled"
    SOLD = "sold"
    VOIDED = "voided"


class Shipment(Model):
    """A shipment from the factory (发货出厂) with its logistics fields."""

    __tablename__ = "shipment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    logistics_company: Mapped[str] = mapped_column(String(100))
    waybill_number: Mapped[str] = mapped_column(String(64))
    vehicle_number: Mapped[str | None] = mapped_column(String(32))
    shipped_at: Mapped[dt.datetime] = mapped_column(DateTime)
    shipper: Mapped[str] = mapped_column(String(64))
    destination_enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    enterprise = relationship("Enterprise", foreign_keys=[enterprise_id])
    destination_enterprise = relationship("Enterprise", foreign_keys=[destination_enterprise_id])
    created_by = relationship("SuyuanUser")


class TraceEvent(Model):
    """An append-only record of one step in a code's life.

    The subject is a code (item or box) or a whole batch. For packed and unpacked
    events ``box_id`` names the box, so a box's later events can be placed on each
    item's timeline for the time the item was inside.
    """

    __tablename__ = "trace_event"
    __table_args__ = (
        Index("ix_trace_event_code", "code_id", "occurred_at"),
        Index("ix_trace_event_batch", "batch_id", "occurred_at"),
        Index("ix_trace_event_box", "box_id"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    kind: Mapped[EventKind] = mapped_column(string_enum(EventKind, "trace_event_kind"))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("trace_code.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"))
    box_id: Mapped[int | None] = mapped_column(ForeignKey("trace_code.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    stage: Mapped[str | None] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(128))
    condition: Mapped[str | None] = mapped_column(String(64))
    remarks: Mapped[str | None] = mapped_column(Text)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipment.id"), index=True)

    enterprise = relationship("Enterprise")
    user = relationship("SuyuanUser")
    shipment = relationship("Shipment")


class ScanLog(Model):
    """One public query of a code: time, user when logged in, truncated IP, user agent."""

    __tablename__ = "scan_log"
    __table_args__ = (
        Index("ix_scan_log_code", "code_id", "scanned_at"),
        Index("ix_scan_log_user", "user_id", "scanned_at"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("trace_code.id"))
    scanned_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # IPv4 with the last octet zeroed, IPv6 cut to /48: enough to spot abuse, not a person.
    ip_prefix: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
