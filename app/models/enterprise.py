"""Enterprises, their members and staff invitations."""

from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import string_enum, utcnow


class EnterpriseType(enum.StrEnum):
    PRODUCER = "producer"
    STORAGE = "storage"
    DISTRIBUTOR = "distributor"


class EnterpriseStatus(enum.StrEnum):
    PENDING = "pending"
    REJECTED = "rejected"
    APPROVED = "approved"


class MemberRole(enum.StrEnum):
    OWNER = "owner"
    STAFF = "staff"


class InvitationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


TYPE_LABELS = {
    EnterpriseType.PRODUCER: _l("Producer"),
    EnterpriseType.STORAGE: _l("Storage / logistics"),
    EnterpriseType.DISTRIBUTOR: _l("Distributor"),
}
INVITATION_LABELS = {
    InvitationStatus.PENDING: _l("Waiting for an answer"),
    InvitationStatus.ACCEPTED: _l("Accepted"),
    InvitationStatus.DECLINED: _l("Declined"),
    InvitationStatus.CANCELLED: _l("Withdrawn"),
}
STATUS_LABELS = {
    EnterpriseStatus.PENDING: _l("Under review"),
    EnterpriseStatus.REJECTED: _l("Rejected"),
    EnterpriseStatus.APPROVED: _l("Approved"),
}


class Enterprise(Model):
    """An enterprise application and, once approved, the enterprise itself.

    One row per applicant: a rejected application is edited and resubmitted in place.
    """

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[EnterpriseType] = mapped_column(string_enum(EnterpriseType, "enterprise_type"))
    status: Mapped[EnterpriseStatus] = mapped_column(
        string_enum(EnterpriseStatus, "enterprise_status"), default=EnterpriseStatus.PENDING, index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    legal_representative: Mapped[str] = mapped_column(String(64))
    registered_address: Mapped[str] = mapped_column(String(255))
    detailed_address: Mapped[str] = mapped_column(String(255))
    licence_file: Mapped[str] = mapped_column(String(255))
    contact_name: Mapped[str] = mapped_column(String(64))
    mobile: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(320))

    applicant_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), unique=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reject_reason: Mapped[str | None] = mapped_column(Text)

    # The public profile (图文), edited by the owner and staff once approved.
    profile_html: Mapped[str | None] = mapped_column(Text)
    logo_file: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(255))

    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    applicant = relationship("SuyuanUser", foreign_keys=[applicant_id])
    reviewed_by = relationship("SuyuanUser", foreign_keys=[reviewed_by_id])
    members: Mapped[list[EnterpriseMember]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan"
    )

    @property
    def is_approved(self) -> bool:
        return self.status == EnterpriseStatus.APPROVED

    @property
    def type_label(self) -> str:
        return str(TYPE_LABELS[self.type])

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    def __repr__(self) -> str:
        return self.name


class EnterpriseMember(Model):
    """A user's membership of an enterprise. The unique user index enforces one enterprise
    per user."""

    __tablename__ = "enterprise_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), unique=True)
    role: Mapped[MemberRole] = mapped_column(string_enum(MemberRole, "member_role"))
    joined_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    enterprise: Mapped[Enterprise] = relationship(back_populates="members")
    user = relationship("SuyuanUser")

    def __repr__(self) -> str:
        return f"{self.user} @ {self.enterprise}"


class StaffInvitation(Model):
    """An owner's invitation of a user, by public ID, to join the enterprise as staff."""

    __tablename__ = "staff_invitation"
    __table_args__ = (Index("ix_staff_invitation_user_status", "user_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"))
    status: Mapped[InvitationStatus] = mapped_column(
        string_enum(InvitationStatus, "invitation_status"), default=InvitationStatus.PENDING
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    enterprise: Mapped[Enterprise] = relationship()
    user = relationship("SuyuanUser", foreign_keys=[user_id])
    invited_by = relationship("SuyuanUser", foreign_keys=[invited_by_id])

    @property
    def status_label(self) -> str:
        return str(INVITATION_LABELS[self.status])
