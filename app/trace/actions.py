"""One entry point for the trace steps, shared by the JSON API and the scan-gun screens,
and the list of steps a user may take on a code."""

from __future__ import annotations

from flask_babel import gettext as _

from app.errors import ValidationFailed
from app.models import SuyuanUser, TraceCode
from app.models.codes import CodeKind, CodeStatus
from app.models.enterprise import EnterpriseStatus, EnterpriseType
from app.security import membership_of
from app.trace.common import IN_FACTORY, StepOutcome
from app.trace.packing import pack, unpack
from app.trace.records import SELLABLE, RecordFields, record, sell
from app.trace.shipping import ShipmentFields, ship

ACTIONS = ("pack", "unpack", "ship", "record", "sell")


def allowed_actions(user, trace_code: TraceCode) -> list[str]:
    """Return the steps ``user`` may take on ``trace_code`` now, in display order.

    Producers pack, unpack and ship their own codes while these are in the factory.
    Every approved enterprise adds records to codes that are not void. Distributors
    write off codes that are not sold or void. Admins and consumers get none.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    member = membership_of(user.id)
    if member is None or member.enterprise.status != EnterpriseStatus.APPROVED:
        return []
    enterprise = member.enterprise
    actions = []
    if enterprise.type == EnterpriseType.PRODUCER and trace_code.enterprise_id == enterprise.id:
        if trace_code.status == CodeStatus.NEW and trace_code.parent_id is None:
            actions += ["pack", "ship"]
        if trace_code.status == CodeStatus.PACKED and trace_code.parent_id is not None:
            actions.append("unpack")
        if trace_code.kind == CodeKind.BOX and trace_code.status in IN_FACTORY and "pack" not in actions:
            actions.append("pack")
    if trace_code.status != CodeStatus.VOID:
        actions.append("record")
    if enterprise.type == EnterpriseType.DISTRIBUTOR and trace_code.status in SELLABLE:
        actions.append("sell")
    return actions


def _text(payload: dict, name: str) -> str:
    value = payload.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise ValidationFailed(_("The field %(field)s must be text.", field=name), field=name)
    return str(value)


def apply_action(user: SuyuanUser, payload: dict) -> StepOutcome:
    """Run the step named by ``payload["action"]`` with the step's fields from ``payload``.

    Fields: ``codes`` for every step; ``box`` and ``batch`` for pack; ``batch``,
    ``shipment_id`` and the shipment fields for ship; ``stage``, ``location``,
    ``condition`` and ``remarks`` for record. Raises ``ValidationFailed`` for an unknown
    action and whatever the step raises.
    """
    if not isinstance(payload, dict):
        raise ValidationFailed(_("The request body must be a JSON object."))
    action = payload.get("action")
    if action not in ACTIONS:
        raise ValidationFailed(
            _(
                "Unknown action %(action)s. Use one of: %(actions)s.",
                action=action,
                actions=", ".join(ACTIONS),
            ),
            field="action",
        )
    codes = payload.get("codes")

    if action == "pack":
        return pack(
            user, codes, box=_text(payload, "box") or None, batch_number=_text(payload, "batch") or None
        )
    if action == "unpack":
        return unpack(user, codes)
    if action == "ship":
        shipment_id = payload.get("shipment_id")
        if shipment_id is not None and not isinstance(shipment_id, int):
            raise ValidationFailed(_("shipment_id must be a whole number."), field="shipment_id")
        fields = ShipmentFields(
            logistics_company=_text(payload, "logistics_company"),
            waybill_number=_text(payload, "waybill_number"),
            shipper=_text(payload, "shipper"),
            vehicle_number=_text(payload, "vehicle_number"),
            shipped_at=_text(payload, "shipped_at") or None,
            destination_enterprise_id=payload.get("destination_enterprise_id"),
        )
        return ship(
            user, codes, fields, batch_number=_text(payload, "batch") or None, shipment_id=shipment_id
        )
    if action == "record":
        fields = RecordFields(
            stage=_text(payload, "stage"),
            location=_text(payload, "location"),
            condition=_text(payload, "condition"),
            remarks=_text(payload, "remarks"),
        )
        return record(user, codes, fields)
    return sell(user, codes)
