"""Packing, shipping, handling records and write-off of trace codes.

Each step is one function that checks the role and row rules, owns one transaction
and returns a result per scanned code. The life cycle of a code is
new → packed → shipped → sold, or void.
"""

from app.trace.actions import ACTIONS, allowed_actions, apply_action
from app.trace.common import CodeResult, StepOutcome
from app.trace.packing import box_label_png, create_box, pack, unpack
from app.trace.records import RecordFields, record, sell
from app.trace.shipping import ShipmentFields, ship

__all__ = [
    "ACTIONS",
    "CodeResult",
    "RecordFields",
    "ShipmentFields",
    "StepOutcome",
    "allowed_actions",
    "apply_action",
    "box_label_png",
    "create_box",
    "pack",
    "record",
    "sell",
    "ship",
    "unpack",
]
