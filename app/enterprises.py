"""Enterprise applications and their review.

An applicant submits an application, which stays read-only while pending. The admin
approves it or rejects it with a reason. Approval makes the applicant the owner and
grants the back-office role of the type. After a rejection the applicant edits and
resubmits the same application.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.models import Enterprise, EnterpriseMember, SuyuanUser
from app.models.base import utcnow
from app.models.enterprise import EnterpriseStatus, EnterpriseType, MemberRole
from app.security import is_admin, membership_of, set_enterprise_role
from app.uploads import check_image, delete_upload, store_image
from app.validators import (
    require_text,
    validate_credit_code,
    validate_email_address,
    validate_mobile,
)

logger = logging.getLogger(__name__)

MAX_REJECT_REASON = 500


@dataclass
class ApplicationForm:
    """The fields of an enterprise application as typed by the applicant."""

    type: str
    name: str
    credit_code: str
    legal_representative: str
    registered_address: str
    detailed_address: str
    contact_name: str
    mobile: str
    email: str


def _clean(form: ApplicationForm) -> dict:
    """Validate every field and return the normalised values."""
    try:
        enterprise_type = EnterpriseType(form.type)
    except ValueError:
        raise ValidationFailed(_("Please choose an enterprise type."), field="type") from None
    return {
        "type": enterprise_type,
        "name": require_text(form.name, _("Enterprise name"), "name", 200),
        "credit_code": validate_credit_code(form.credit_code),
        "legal_representative": require_text(
            form.legal_representative, _("Legal representative"), "legal_representative", 64
        ),
        "registered_address": require_text(
            form.registered_address, _("Registered address"), "registered_address", 255
        ),
        "detailed_address": require_text(
            form.detailed_address, _("Detailed address"), "detailed_address", 255
        ),
        "contact_name": require_text(form.contact_name, _("Contact name"), "contact_name", 64),
        "mobile": validate_mobile(form.mobile),
        "email": validate_email_address(form.email),
    }


def application_of(user: SuyuanUser) -> Enterprise | None:
    """Return the application submitted by ``user``, whatever its state."""
    return db.session.scalar(select(Enterprise).where(Enterprise.applicant_id == user.id))


def submit_application(user: SuyuanUser, form: ApplicationForm, licence_upload) -> Enterprise:
    """Submit a new application, or resubmit a rejected one with corrections.

    The licence image is required for a new application and optional on resubmission
    (the stored one is kept). Raises ``PermissionDenied`` for admins and for members of
    an enterprise, ``Conflict`` while the application is pending or once it is approved,
    ``ValidationFailed`` for bad input. Nothing is stored unless everything is valid.
    """
    if is_admin(user):
        raise PermissionDenied(_("Platform administrators cannot apply for an enterprise."))

    existing = application_of(user)
    if existing is not None and existing.status == EnterpriseStatus.PENDING:
        raise Conflict(_("Your application is under review and cannot be changed now."))
    if existing is not None and existing.status == EnterpriseStatus.APPROVED:
        raise Conflict(_("Your application has already been approved."))
    if existing is None and membership_of(user.id) is not None:
        raise PermissionDenied(
            _("You already belong to an enterprise. A user can belong to one enterprise only.")
        )

    values = _clean(form)
    duplicate = db.session.scalar(
        select(Enterprise.id).where(
            Enterprise.credit_code == values["credit_code"],
            Enterprise.applicant_id != user.id,
        )
    )
    if duplicate is not None:
        raise Conflict(
            _("An enterprise with the credit code %(code)s has already applied.", code=values["credit_code"]),
            field="credit_code",
        )

    checked = None
    if licence_upload is not None and getattr(licence_upload, "filename", ""):
        checked = check_image(licence_upload, field="licence")
    elif existing is None:
        raise ValidationFailed(_("Please upload the business licence image."), field="licence")

    enterprise = existing or Enterprise(applicant_id=user.id)
    old_licence = enterprise.licence_file if checked is not None else None
    for key, value in values.items():
        setattr(enterprise, key, value)
    enterprise.status = EnterpriseStatus.PENDING
    enterprise.submitted_at = utcnow()
    enterprise.reviewed_at = None
    enterprise.reviewed_by_id = None

    stored = store_image(checked, "licences") if checked is not None else None
    if stored is not None:
        enterprise.licence_file = stored
    db.session.add(enterprise)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        delete_upload(stored)
        raise Conflict(
            _("An enterprise with the credit code %(code)s has already applied.", code=values["credit_code"]),
            field="credit_code",
        ) from None
    except Exception:
        db.session.rollback()
        delete_upload(stored)
        raise
    delete_upload(old_licence)
    logger.info("enterprise application %s submitted by user %s", enterprise.id, user.id)
    return enterprise


def _pending_application(enterprise_id: int, admin: SuyuanUser) -> Enterprise:
    if not is_admin(admin):
        raise PermissionDenied(_("Only platform administrators can review applications."))
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(_("Application %(id)s was not found.", id=enterprise_id))
    if enterprise.status != EnterpriseStatus.PENDING:
        raise Conflict(_("Application %(id)s is not waiting for review.", id=enterprise_id))
    return enterprise


def approve_application(enterprise_id: int, admin: SuyuanUser) -> Enterprise:
    """Approve a pending application: the applicant becomes owner and gets the type's role.

    Raises ``PermissionDenied`` for non-admins, ``NotFound``, and ``Conflict`` when the
    application is not pending or the applicant joined another enterprise meanwhile.
    """
    enterprise = _pending_application(enterprise_id, admin)
    applicant = enterprise.applicant
    other = membership_of(applicant.id)
    if other is not None and other.enterprise_id != enterprise.id:
        raise Conflict(
            _("The applicant already belongs to the enterprise %(name)s.", name=other.enterprise.name)
        )

    enterprise.status = EnterpriseStatus.APPROVED
    enterprise.reject_reason = None
    enterprise.reviewed_by_id = admin.id
    enterprise.reviewed_at = utcnow()
    if other is None:
        db.session.add(EnterpriseMember(enterprise=enterprise, user_id=applicant.id, role=MemberRole.OWNER))
    set_enterprise_role(applicant, enterprise.type)
    db.session.commit()
    logger.info("enterprise %s approved by admin %s", enterprise.id, admin.id)
    return enterprise


def reject_application(enterprise_id: int, admin: SuyuanUser, reason: str) -> Enterprise:
    """Reject a pending application with a reason the applicant will see."""
    reason = require_text(reason, _("Reason for rejection"), "reason", MAX_REJECT_REASON)
    enterprise = _pending_application(enterprise_id, admin)
    enterprise.status = EnterpriseStatus.REJECTED
    enterprise.reject_reason = reason
    enterprise.reviewed_by_id = admin.id
    enterprise.reviewed_at = utcnow()
    db.session.commit()
    logger.info("enterprise %s rejected by admin %s", enterprise.id, admin.id)
    return enterprise


def can_view_licence(enterprise: Enterprise, user) -> bool:
    """Only admins and the applicant may see a business licence."""
    return bool(user and user.is_authenticated and (is_admin(user) or enterprise.applicant_id == user.id))
