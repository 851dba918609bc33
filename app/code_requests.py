"""Code requests (溯源码申请): submission by a producer, review by the admin.

Approval commits the request as "approved" and then enqueues the generation task with
the request id. The task (``tasks.codes``) writes the batches and codes and moves the
request to "completed" or "failed". A failed request is retried by the admin.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.code_rules import (
    MAX_CODE_LENGTH,
    MIN_CODE_LENGTH,
    code_space,
    smallest_accepted_length,
    space_is_large_enough,
)
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.models import CodeRequest, Product, SuyuanUser
from app.models.base import utcnow
from app.models.codes import Charset, RequestStatus
from app.models.enterprise import EnterpriseStatus, EnterpriseType
from app.security import is_admin, membership_of

logger = logging.getLogger(__name__)

MAX_BATCHES = 1000
MAX_CODES_PER_BATCH = 20_000_000
MAX_CODES_PER_REQUEST = 20_000_000
MAX_PREFIX_LENGTH = 16
MAX_REMARKS = 500
MAX_REJECT_REASON = 500
PREFIX_PATTERN = re.compile(r"^[0-9A-Za-z_-]*$")

STATUS_LABELS = {
    RequestStatus.PENDING: _l("Under review"),
    RequestStatus.REJECTED: _l("Rejected"),
    RequestStatus.APPROVED: _l("Approved, waiting to generate"),
    RequestStatus.GENERATING: _l("Generating"),
    RequestStatus.COMPLETED: _l("Completed"),
    RequestStatus.FAILED: _l("Failed"),
}
CHARSET_LABELS = {
    Charset.MIXED: _l("Letters and digits"),
    Charset.LETTERS: _l("Letters only"),
    Charset.DIGITS: _l("Digits only"),
}
# States that count towards the issued codes of an alphabet and length.
COUNTED_STATES = (
    RequestStatus.PENDING,
    RequestStatus.APPROVED,
    RequestStatus.GENERATING,
    RequestStatus.COMPLETED,
    RequestStatus.FAILED,
)
# States from which the admin may start the generation task again.
RETRY_STATES = (RequestStatus.FAILED, RequestStatus.APPROVED, RequestStatus.GENERATING)


@dataclass
class RequestForm:
    """The fields of a code request as typed by the producer (strings from the form)."""

    product_id: str
    batch_count: str
    codes_per_batch: str
    code_length: str
    charset: str
    case_sensitive: bool
    batch_prefix: str
    remarks: str


def producer_enterprise_id(user: SuyuanUser) -> int:
    """Return the id of the approved producer enterprise ``user`` belongs to.

    Raises ``PermissionDenied`` for anyone else.
    """
    member = membership_of(user.id)
    if (
        member is None
        or member.enterprise.status != EnterpriseStatus.APPROVED
        or member.enterprise.type != EnterpriseType.PRODUCER
    ):
        raise PermissionDenied(_("Only staff of an approved producer enterprise can request trace codes."))
    return member.enterprise_id


def _whole_number(raw, label: str, field: str, low: int, high: int) -> int:
    """Parse a whole number from ``low`` to ``high``. Text, fractions and negative numbers
    get the same message as values out of range, because the fix is the same."""
    text = str(raw if raw is not None else "").strip()
    # isdecimal() rather than isdigit(): int() rejects superscripts such as "²".
    value = int(text) if text.isdecimal() and len(text) <= 18 else None
    if value is None or not low <= value <= high:
        raise ValidationFailed(
            _(
                "%(label)s must be a whole number from %(low)s to %(high)s, got %(value)s.",
                label=label,
                low=f"{low:,}",
                high=f"{high:,}",
                value=f"{value:,}" if value is not None else text,
            ),
            field=field,
        )
    return value


def issued_codes(charset: Charset, case_sensitive: bool, length: int, exclude_id: int | None = None) -> int:
    """Return the codes requested so far with this alphabet and length, rejected ones aside."""
    query = select(func.coalesce(func.sum(CodeRequest.batch_count * CodeRequest.codes_per_batch), 0)).where(
        CodeRequest.charset == charset,
        CodeRequest.code_length == length,
        CodeRequest.status.in_(COUNTED_STATES),
    )
    if charset != Charset.DIGITS:
        query = query.where(CodeRequest.case_sensitive == case_sensitive)
    if exclude_id is not None:
        query = query.where(CodeRequest.id != exclude_id)
    return int(db.session.scalar(query))


def check_code_space(
    requested: int, charset: Charset, case_sensitive: bool, length: int, exclude_id: int | None = None
) -> None:
    """Raise ``ValidationFailed`` unless the code space stays below one-in-a-million use.

    The bound: (issued + requested) / alphabet_size ** length < 1e-6, so a random guess
    hits a valid code with probability below one in a million.
    """
    issued = issued_codes(charset, case_sensitive, length, exclude_id) + requested
    if space_is_large_enough(issued, charset, case_sensitive, length):
        return
    smallest = smallest_accepted_length(issued, charset, case_sensitive)
    if smallest is None:
        hint = _("No length up to %(max)d is enough; choose a larger alphabet.", max=MAX_CODE_LENGTH)
    else:
        hint = _("The smallest accepted length is %(length)d.", length=smallest)
    # Plain whole numbers, never scientific notation: a failing space is below
    # issued * 1,000,000, so it has few enough digits to print in full.
    space = code_space(charset, case_sensitive, length)
    if issued < space:
        message = _(
            "The code space is too small: this rule and length %(length)d allow %(space)s codes, "
            "and with %(issued)s codes issued one in every %(odds)s of them would be valid. "
            "It must stay below one in a million (1 in 1,000,000), so a guessed code is almost "
            "never valid. %(hint)s",
            length=length,
            space=f"{space:,}",
            issued=f"{issued:,}",
            odds=f"{space // issued:,}",
            hint=hint,
        )
    else:
        message = _(
            "The code space is too small: this rule and length %(length)d allow only %(space)s "
            "codes, not enough for the %(issued)s codes requested and issued. %(hint)s",
            length=length,
            space=f"{space:,}",
            issued=f"{issued:,}",
            hint=hint,
        )
    raise ValidationFailed(message, field="code_length")


def _clean(form: RequestForm, enterprise_id: int) -> dict:
    """Validate every field of ``form``; return the values for a ``CodeRequest``."""
    product_id = str(form.product_id or "").strip()
    product = db.session.get(Product, int(product_id)) if product_id.isdigit() else None
    if product is None or product.enterprise_id != enterprise_id:
        raise ValidationFailed(_("Please choose one of your products."), field="product_id")

    batch_count = _whole_number(form.batch_count, _("Number of batches"), "batch_count", 1, MAX_BATCHES)
    codes_per_batch = _whole_number(
        form.codes_per_batch, _("Codes per batch"), "codes_per_batch", 1, MAX_CODES_PER_BATCH
    )
    total = batch_count * codes_per_batch
    if total > MAX_CODES_PER_REQUEST:
        raise ValidationFailed(
            _(
                "A request may contain at most %(max)s codes, got %(total)s. "
                "Lower the number of batches or the codes per batch.",
                max=f"{MAX_CODES_PER_REQUEST:,}",
                total=f"{total:,}",
            ),
            field="codes_per_batch",
        )
    length = _whole_number(
        form.code_length, _("Code length"), "code_length", MIN_CODE_LENGTH, MAX_CODE_LENGTH
    )

    try:
        charset = Charset(form.charset)
    except ValueError:
        raise ValidationFailed(_("Please choose a character rule."), field="charset") from None
    case_sensitive = bool(form.case_sensitive) and charset != Charset.DIGITS

    prefix = (form.batch_prefix or "").strip()
    if len(prefix) > MAX_PREFIX_LENGTH or not PREFIX_PATTERN.match(prefix):
        raise ValidationFailed(
            _(
                "The batch prefix may have at most %(max)d letters, digits, '-' or '_', got %(prefix)s.",
                max=MAX_PREFIX_LENGTH,
                prefix=prefix,
            ),
            field="batch_prefix",
        )
    remarks = (form.remarks or "").strip()
    if len(remarks) > MAX_REMARKS:
        raise ValidationFailed(
            _("Remarks may have at most %(max)d characters.", max=MAX_REMARKS), field="remarks"
        )

    check_code_space(total, charset, case_sensitive, length)
    return {
        "product_id": product.id,
        "batch_count": batch_count,
        "codes_per_batch": codes_per_batch,
        "code_length": length,
        "charset": charset,
        "case_sensitive": case_sensitive,
        "batch_prefix": prefix,
        "remarks": remarks or None,
    }


def submit_request(user: SuyuanUser, form: RequestForm) -> CodeRequest:
    """Submit a code request for one of the user's products; it waits for review.

    Raises ``PermissionDenied`` unless the user is staff of an approved producer and
    ``ValidationFailed`` for bad input (nothing is stored then).
    """
    enterprise_id = producer_enterprise_id(user)
    values = _clean(form, enterprise_id)
    code_request = CodeRequest(enterprise_id=enterprise_id, requested_by_id=user.id, **values)
    db.session.add(code_request)
    db.session.commit()
    logger.info(
        "code request %s submitted by user %s: %d x %d codes",
        code_request.id,
        user.id,
        code_request.batch_count,
        code_request.codes_per_batch,
    )
    return code_request


def request_for(user: SuyuanUser, request_id: int) -> CodeRequest:
    """Return a request the user may see: any for the admin, own enterprise's otherwise.

    Raises ``NotFound`` for missing requests and for those of other enterprises alike,
    so guessed ids reveal nothing.
    """
    code_request = db.session.get(CodeRequest, request_id)
    if code_request is None:
        raise NotFound(_("Code request %(id)s was not found.", id=request_id))
    if is_admin(user):
        return code_request
    member = membership_of(user.id)
    if member is None or member.enterprise_id != code_request.enterprise_id:
        raise NotFound(_("Code request %(id)s was not found.", id=request_id))
    return code_request


def _reviewable(request_id: int, admin: SuyuanUser) -> CodeRequest:
    if not is_admin(admin):
        raise PermissionDenied(_("Only platform administrators can review code requests."))
    code_request = db.session.get(CodeRequest, request_id)
    if code_request is None:
        raise NotFound(_("Code request %(id)s was not found.", id=request_id))
    return code_request


def approve_request(request_id: int, admin: SuyuanUser, *, enqueue: bool = True) -> CodeRequest:
    """Approve a pending request and enqueue its generation (unless ``enqueue`` is False,
    for callers that run ``app.generation.generate_request`` themselves).

    The code-space bound is checked again, since other requests may have been approved
    since this one was submitted. Raises ``Conflict`` unless the request is pending.
    """
    code_request = _reviewable(request_id, admin)
    if code_request.status != RequestStatus.PENDING:
        raise Conflict(_("Code request %(id)s is not waiting for review.", id=request_id))
    check_code_space(
        code_request.total_codes,
        code_request.charset,
        code_request.case_sensitive,
        code_request.code_length,
        exclude_id=code_request.id,
    )
    code_request.status = RequestStatus.APPROVED
    code_request.reviewed_by_id = admin.id
    code_request.reviewed_at = utcnow()
    code_request.reject_reason = None
    db.session.commit()
    logger.info("code request %s approved by admin %s", request_id, admin.id)
    if enqueue:
        enqueue_generation(code_request.id)
    return code_request


def reject_request(request_id: int, admin: SuyuanUser, reason: str) -> CodeRequest:
    """Reject a pending request with a reason that is shown to the producer."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Please give the reason for rejection."), field="reason")
    if len(reason) > MAX_REJECT_REASON:
        raise ValidationFailed(
            _("The reason may have at most %(max)d characters.", max=MAX_REJECT_REASON), field="reason"
        )
    code_request = _reviewable(request_id, admin)
    if code_request.status != RequestStatus.PENDING:
        raise Conflict(_("Code request %(id)s is not waiting for review.", id=request_id))
    code_request.status = RequestStatus.REJECTED
    code_request.reject_reason = reason
    code_request.reviewed_by_id = admin.id
    code_request.reviewed_at = utcnow()
    db.session.commit()
    logger.info("code request %s rejected by admin %s", request_id, admin.id)
    return code_request


def retry_request(request_id: int, admin: SuyuanUser) -> CodeRequest:
    """Enqueue the generation of an approved request again, typically after a failure.

    Safe while a worker still runs it: generation resumes from the codes already
    written and locks each batch while it adds codes, so the count is never exceeded.
    """
    code_request = _reviewable(request_id, admin)
    if code_request.status not in RETRY_STATES:
        raise Conflict(
            _(
                "Code request %(id)s cannot be retried in the state %(state)s.",
                id=request_id,
                state=STATUS_LABELS[code_request.status],
            )
        )
    code_request.status = RequestStatus.APPROVED
    code_request.error = None
    db.session.commit()
    logger.info("code request %s retried by admin %s", request_id, admin.id)
    enqueue_generation(code_request.id)
    return code_request


def enqueue_generation(request_id: int) -> None:
    """Send the generation task for ``request_id`` and store its task id.

    When the broker cannot be reached, the request stays approved and its error field
    stores the failure. The request list then shows the error and the retry action.
    """
    from tasks.codes import generate_codes_task

    try:
        result = generate_codes_task.delay(request_id)
    except Exception as exc:  # kombu raises transport-specific errors
        logger.exception("could not enqueue the generation of code request %s", request_id)
        code_request = db.session.get(CodeRequest, request_id, populate_existing=True)
        code_request.error = f"could not enqueue the generation task: {type(exc).__name__}: {exc}"[:2000]
        db.session.commit()
        return
    code_request = db.session.get(CodeRequest, request_id)
    if code_request is not None and result.id:
        code_request.task_id = result.id
        db.session.commit()


def visible_requests(user: SuyuanUser, status: str | None = None, limit: int = 200) -> list[CodeRequest]:
    """Return the newest requests the user may see: all for the admin, own otherwise."""
    query = select(CodeRequest).order_by(CodeRequest.id.desc()).limit(limit)
    if not is_admin(user):
        member = membership_of(user.id)
        query = query.where(CodeRequest.enterprise_id == (member.enterprise_id if member else -1))
    if status in {state.value for state in RequestStatus}:
        query = query.where(CodeRequest.status == RequestStatus(status))
    return list(db.session.scalars(query))


def picker_products(enterprise_id: int, search: str = "", limit: int = 50) -> list[dict]:
    """Return the enterprise's products for the request form's picker.

    Each entry has id, name, product code, price, thumbnail (a stored upload name or
    None), code count and batch count. ``search`` matches the id or part of the name or
    product code.
    """
    from app.models import Batch, ProductImage

    batches = (
        select(
            Batch.product_id,
            func.count(Batch.id).label("batch_count"),
            func.coalesce(func.sum(Batch.code_count), 0).label("code_count"),
        )
        .where(Batch.enterprise_id == enterprise_id)
        .group_by(Batch.product_id)
        .subquery()
    )
    thumbnail = (
        select(ProductImage.thumbnail_file)
        .where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.sort_order, ProductImage.id)
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(Product, batches.c.batch_count, batches.c.code_count, thumbnail.label("thumbnail"))
        .outerjoin(batches, batches.c.product_id == Product.id)
        .where(Product.enterprise_id == enterprise_id)
        .order_by(Product.id.desc())
        .limit(limit)
    )
    search = (search or "").strip()
    if search:
        pattern = f"%{search}%"
        condition = Product.name.ilike(pattern) | Product.product_code.ilike(pattern)
        if search.isdigit():
            condition = condition | (Product.id == int(search))
        query = query.where(condition)
    return [
        {
            "id": product.id,
            "name": product.name,
            "product_code": product.product_code or "",
            "price": str(product.price),
            "thumbnail": thumb or product.main_image,
            "batch_count": int(batch_count or 0),
            "code_count": int(code_count or 0),
        }
        for product, batch_count, code_count, thumb in db.session.execute(query)
    ]
