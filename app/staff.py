"""Staff of an enterprise: invitation by public user ID, acceptance, removal.

A user joins an enterprise only by accepting an invitation, and belongs to at most one
enterprise. The unique index on ``enterprise_member.user_id`` enforces the second rule too.
"""

from __future__ import annotations

import logging
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.models import EnterpriseMember, StaffInvitation, SuyuanUser
from app.models.base import utcnow
from app.models.enterprise import EnterpriseStatus, InvitationStatus, MemberRole
from app.security import membership_of, set_enterprise_role

logger = logging.getLogger(__name__)


def _owned_enterprise_member(owner: SuyuanUser) -> EnterpriseMember:
    member = membership_of(owner.id)
    if (
        member is None
        or member.role != MemberRole.OWNER
        or member.enterprise.status != EnterpriseStatus.APPROVED
    ):
        raise PermissionDenied(_("Only the owner of an approved enterprise can manage staff."))
    return member


def invite_staff(owner: SuyuanUser, public_id: str) -> StaffInvitation:
    """Invite the user with ``public_id`` to join the owner's enterprise as staff.

    The invitation changes nothing until the user accepts it. Raises ``NotFound`` for an
    unknown ID and ``Conflict`` when the user already belongs to an enterprise or has a
    pending invitation from this one.
    """
    member = _owned_enterprise_member(owner)
    public_id = unicodedata.normalize("NFKC", public_id or "").strip()
    if not public_id.isdigit():
        raise ValidationFailed(_("A user ID consists of digits only."), field="public_id")
    user = db.session.scalar(select(SuyuanUser).where(SuyuanUser.public_id == public_id))
    if user is None:
        raise NotFound(_("No user has the ID %(id)s.", id=public_id), field="public_id")
    if membership_of(user.id) is not None:
        raise Conflict(_("User %(id)s already belongs to an enterprise.", id=public_id), field="public_id")
    pending = db.session.scalar(
        select(StaffInvitation.id).where(
            StaffInvitation.enterprise_id == member.enterprise_id,
            StaffInvitation.user_id == user.id,
            StaffInvitation.status == InvitationStatus.PENDING,
        )
    )
    if pending is not None:
        raise Conflict(_("User %(id)s already has a pending invitation.", id=public_id), field="public_id")

    invitation = StaffInvitation(enterprise_id=member.enterprise_id, user_id=user.id, invited_by_id=owner.id)
    db.session.add(invitation)
    db.session.commit()
    logger.info("user %s invited to enterprise %s by %s", user.id, member.enterprise_id, owner.id)
    return invitation


def _own_pending_invitation(user: SuyuanUser, invitation_id: int) -> StaffInvitation:
    invitation = db.session.get(StaffInvitation, invitation_id)
    # Another user's invitation is reported as missing, so ids cannot be probed.
    if invitation is None or invitation.user_id != user.id:
        raise NotFound(_("Invitation %(id)s was not found.", id=invitation_id))
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict(_("This invitation has already been accepted, declined or withdrawn."))
    return invitation


def accept_invitation(user: SuyuanUser, invitation_id: int) -> EnterpriseMember:
    """Accept an invitation: the user becomes staff and gets the enterprise type's role."""
    invitation = _own_pending_invitation(user, invitation_id)
    if membership_of(user.id) is not None:
        raise Conflict(_("You already belong to an enterprise. A user can belong to one enterprise only."))
    if invitation.enterprise.status != EnterpriseStatus.APPROVED:
        raise Conflict(_("This enterprise is no longer active."))

    member = EnterpriseMember(enterprise_id=invitation.enterprise_id, user_id=user.id, role=MemberRole.STAFF)
    invitation.status = InvitationStatus.ACCEPTED
    invitation.responded_at = utcnow()
    db.session.add(member)
    set_enterprise_role(user, invitation.enterprise.type)
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent acceptance of another invitation won the unique user index.
        db.session.rollback()
        raise Conflict(
            _("You already belong to an enterprise. A user can belong to one enterprise only.")
        ) from None
    logger.info("user %s joined enterprise %s as staff", user.id, invitation.enterprise_id)
    return member


def decline_invitation(user: SuyuanUser, invitation_id: int) -> StaffInvitation:
    """Decline an invitation; nothing else changes."""
    invitation = _own_pending_invitation(user, invitation_id)
    invitation.status = InvitationStatus.DECLINED
    invitation.responded_at = utcnow()
    db.session.commit()
    return invitation


def cancel_invitation(owner: SuyuanUser, invitation_id: int) -> StaffInvitation:
    """Withdraw a pending invitation of the owner's enterprise."""
    member = _owned_enterprise_member(owner)
    invitation = db.session.get(StaffInvitation, invitation_id)
    if invitation is None or invitation.enterprise_id != member.enterprise_id:
        raise NotFound(_("Invitation %(id)s was not found.", id=invitation_id))
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict(_("This invitation has already been accepted, declined or withdrawn."))
    invitation.status = InvitationStatus.CANCELLED
    invitation.responded_at = utcnow()
    db.session.commit()
    return invitation


def remove_staff(owner: SuyuanUser, member_id: int) -> None:
    """Remove a staff member; the user loses the enterprise role. The owner cannot be removed."""
    owner_member = _owned_enterprise_member(owner)
    member = db.session.get(EnterpriseMember, member_id)
    if member is None or member.enterprise_id != owner_member.enterprise_id:
        raise NotFound(_("Staff member %(id)s was not found.", id=member_id))
    if member.role == MemberRole.OWNER:
        raise Conflict(_("The owner cannot be removed from the enterprise."))
    user = member.user
    db.session.delete(member)
    set_enterprise_role(user, None)
    db.session.commit()
    logger.info("user %s removed from enterprise %s by %s", user.id, owner_member.enterprise_id, owner.id)


def members_of(enterprise_id: int) -> list[EnterpriseMember]:
    return list(
        db.session.scalars(
            select(EnterpriseMember)
            .where(EnterpriseMember.enterprise_id == enterprise_id)
            .order_by(EnterpriseMember.role, EnterpriseMember.joined_at)  # owner before staff
        )
    )


def pending_invitations_for(user: SuyuanUser) -> list[StaffInvitation]:
    return list(
        db.session.scalars(
            select(StaffInvitation)
            .where(StaffInvitation.user_id == user.id, StaffInvitation.status == InvitationStatus.PENDING)
            .order_by(StaffInvitation.created_at.desc())
        )
    )


def invitations_of(enterprise_id: int) -> list[StaffInvitation]:
    return list(
        db.session.scalars(
            select(StaffInvitation)
            .where(StaffInvitation.enterprise_id == enterprise_id)
            .order_by(StaffInvitation.created_at.desc())
        )
    )
