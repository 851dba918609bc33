"""Shared pieces of the trace steps: the acting enterprise, per-code results, code locks.

Every step (pack, unpack, ship, record, write-off) takes a list of scanned inputs and
returns one ``CodeResult`` per input: applied, or refused with a reason that names the
code. A refused code changes nothing; the others of the same call are applied in the
same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.errors import PermissionDenied, ValidationFailed
from app.extensions import db
from app.i18n import local_datetime
from app.lookup import find_trace_code, normalize_code_input
from app.models import Enterprise, SuyuanUser, TraceCode
from app.models.codes import CodeKind, CodeStatus
from app.models.enterprise import EnterpriseStatus, EnterpriseType
from app.security import membership_of

# Codes accepted in one call; larger sets go by batch (pack or ship a whole batch).
MAX_CODES_PER_CALL = 1000

STATUS_NAMES = {
    CodeStatus.NEW: "new",
    CodeStatus.PACKED: "packed",
    CodeStatus.SHIPPED: "shipped",
    CodeStatus.SOLD: "sold",
    CodeStatus.VOID: "void",
}
STATUS_LABELS = {
    CodeStatus.NEW: _l("Not yet shipped"),
    CodeStatus.PACKED: _l("Packed"),
    CodeStatus.SHIPPED: _l("Shipped"),
    CodeStatus.SOLD: _l("Sold"),
    CodeStatus.VOID: _l("Void"),
}
# Statuses of a code that is still in the factory.
IN_FACTORY = (CodeStatus.NEW, CodeStatus.PACKED)


@dataclass
class CodeResult:
    """The outcome of one scanned input: applied, or refused with the reason."""

    code: str
    applied: bool
    message: str
    status: str | None = None
    kind: str | None = None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "applied": self.applied,
            "message": self.message,
            "status": self.status,
            "kind": self.kind,
        }


@dataclass
class StepOutcome:
    """The results of one step, with the shipment or box it created or used."""

    action: str
    results: list[CodeResult] = field(default_factory=list)
    shipment_id: int | None = None
    box_code: str | None = None

    @property
    def applied_count(self) -> int:
        return sum(1 for result in self.results if result.applied)

    def as_dict(self) -> dict:
        return {
            "action": self.action,
            "applied": self.applied_count,
            "refused": len(self.results) - self.applied_count,
            "shipment_id": self.shipment_id,
            "box": self.box_code,
            "results": [result.as_dict() for result in self.results],
        }


def status_label(status: int) -> str:
    return str(STATUS_LABELS[CodeStatus(status)])


def kind_name(code: TraceCode) -> str:
    return "box" if code.kind == CodeKind.BOX else "item"


def applied(code: TraceCode, message: str) -> CodeResult:
    return CodeResult(code.code, True, message, STATUS_NAMES[CodeStatus(code.status)], kind_name(code))


def refused(code_text: str, message: str, code: TraceCode | None = None) -> CodeResult:
    status = STATUS_NAMES[CodeStatus(code.status)] if code is not None else None
    return CodeResult(code_text, False, message, status, kind_name(code) if code is not None else None)


def acting_enterprise(
    user: SuyuanUser | None, allowed: tuple[EnterpriseType, ...], denied: str
) -> Enterprise:
    """Return the approved enterprise ``user`` acts for, when its type is in ``allowed``.

    Raises ``PermissionDenied`` with ``denied`` for admins, consumers, members of a
    pending or rejected enterprise and enterprises of another type.
    """
    if user is None or not getattr(user, "is_authenticated", True):
        raise PermissionDenied(denied)
    member = membership_of(user.id)
    if member is None:
        raise PermissionDenied(denied)
    enterprise = member.enterprise
    if enterprise.status != EnterpriseStatus.APPROVED or enterprise.type not in allowed:
        raise PermissionDenied(denied)
    return enterprise


def clean_code_inputs(raw_codes) -> list[str]:
    """Return the scanned inputs as a list of strings; raise when there are none or too many."""
    if isinstance(raw_codes, str):
        raw_codes = [raw_codes]
    if not isinstance(raw_codes, list | tuple) or not all(isinstance(item, str) for item in raw_codes):
        raise ValidationFailed(_("The codes must be a list of code texts or label URLs."), field="codes")
    codes = [item for item in raw_codes if item.strip()]
    if not codes:
        raise ValidationFailed(_("Scan or enter at least one code."), field="codes")
    if len(codes) > MAX_CODES_PER_CALL:
        raise ValidationFailed(
            _(
                "At most %(max)d codes can be sent at once, got %(count)d. "
                "Split the list, or pack or ship the whole batch.",
                max=MAX_CODES_PER_CALL,
                count=len(codes),
            ),
            field="codes",
        )
    return codes


def display_code(raw: str) -> str:
    """Return the code text for a message: the normalised input, or the raw input cut short."""
    return normalize_code_input(raw) or raw.strip()[:40]


def lock_code(raw: str) -> TraceCode | None:
    """Find the code ``raw`` denotes and lock its row until the transaction ends.

    The refresh reloads a row this session loaded before the lock was taken, so the
    checks that follow read the state another transaction may just have committed.
    SQLite ignores the lock, but it runs one writer at a time.

    NOTE: rows are locked in input order, so two PostgreSQL calls that share codes in
    opposite orders can deadlock. PostgreSQL then aborts one of them with an error
    (HTTP 500) and nothing of that call is stored.
    """
    code = find_trace_code(raw, for_update=True)
    if code is not None:
        db.session.refresh(code)
    return code


def not_found(raw: str) -> CodeResult:
    return refused(
        display_code(raw),
        _("Code %(code)s was not found. Check the code and scan it again.", code=display_code(raw)),
    )


def foreign(code: TraceCode) -> CodeResult:
    return refused(
        code.code,
        _(
            "Code %(code)s belongs to another enterprise. You can pack and ship only your own codes.",
            code=code.code,
        ),
        code,
    )


def sale_details(code: TraceCode) -> dict[str, str]:
    """Return when and by whom ``code`` was sold, as message parameters ``time`` and ``enterprise``."""
    seller = db.session.get(Enterprise, code.sold_by_enterprise_id) if code.sold_by_enterprise_id else None
    return {
        "time": local_datetime(code.sold_at),
        "enterprise": seller.name if seller is not None else _("an unknown enterprise"),
    }


def parent_code(code: TraceCode) -> str | None:
    """Return the code of the box ``code`` is packed in, or None."""
    if code.parent_id is None:
        return None
    return db.session.scalar(select(TraceCode.code).where(TraceCode.id == code.parent_id))
