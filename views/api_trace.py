"""JSON API for warehouse apps and ERP systems: ``POST /api/v1/trace/actions``.

Authenticated like the other APIs (a JWT from ``/api/v1/security/login``, sent as
``Authorization: Bearer <token>``). The rules are those of the back-office screens,
because both call ``app.trace.apply_action``.
"""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect
from flask_babel import gettext as _

from app.errors import ValidationFailed
from app.security import ROLE_DISTRIBUTOR, ROLE_PRODUCER, ROLE_STORAGE
from app.trace import apply_action

PERMISSIONS = {
    role: [("can_post", "TraceActionsApi")] for role in (ROLE_PRODUCER, ROLE_STORAGE, ROLE_DISTRIBUTOR)
}

_CODE_RESULT = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "The code as read from the input"},
        "applied": {"type": "boolean"},
        "message": {"type": "string", "description": "What was done, or why the code was refused"},
        "status": {
            "type": "string",
            "nullable": True,
            "enum": ["new", "packed", "shipped", "sold", "void", None],
            "description": "Status of the code after the step; null for unknown codes and batches",
        },
        "kind": {"type": "string", "nullable": True, "enum": ["item", "box", None]},
    },
}
_ERROR = {
    "type": "object",
    "properties": {"message": {"type": "string"}, "status": {"type": "integer"}},
}


class TraceActionsApi(BaseApi):
    """Pack, unpack, ship, record and write off codes; one result per code."""

    resource_name = "trace"
    openapi_spec_tag = "Trace actions"
    method_permission_name = {"actions": "post"}
    openapi_spec_component_schemas = ()
    openapi_spec_methods = {
        "actions": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["action", "codes"],
                                "properties": {
                                    "action": {
                                        "type": "string",
                                        "enum": ["pack", "unpack", "ship", "record", "sell"],
                                    },
                                    "codes": {
                                        "type": "array",
                                        "maxItems": 1000,
                                        "items": {"type": "string"},
                                        "description": "Codes or label URLs as scanned",
                                    },
                                    "box": {
                                        "type": "string",
                                        "description": "pack: the box to pack into; omitted makes a new box",
                                    },
                                    "batch": {
                                        "type": "string",
                                        "description": "pack, ship: a batch number; every code of it",
                                    },
                                    "shipment_id": {
                                        "type": "integer",
                                        "description": "ship: add the codes to this shipment",
                                    },
                                    "logistics_company": {"type": "string", "maxLength": 100},
                                    "waybill_number": {"type": "string", "maxLength": 64},
                                    "vehicle_number": {"type": "string", "maxLength": 32},
                                    "shipper": {"type": "string", "maxLength": 64},
                                    "shipped_at": {
                                        "type": "string",
                                        "format": "date-time",
                                        "description": "ISO 8601; without offset the platform time zone",
                                    },
                                    "destination_enterprise_id": {"type": "integer"},
                                    "stage": {"type": "string", "maxLength": 64},
                                    "location": {"type": "string", "maxLength": 128},
                                    "condition": {"type": "string", "maxLength": 64},
                                    "remarks": {"type": "string", "maxLength": 1000},
                                },
                            }
                        }
                    },
                },
            }
        }
    }

    @expose("/actions", methods=["POST"])
    @protect()
    def actions(self):
        """Apply one trace step to a list of codes.
        ---
        post:
          summary: Pack, unpack, ship, record or write off codes
          description: >-
            pack, unpack and ship are for producers on their own codes; record for any
            approved producer, storage or distributor enterprise; sell (write-off) for
            distributors. Each code is applied or refused with the reason; a refused code
            changes nothing.
          responses:
            200:
              description: One result per code
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      action: {type: string}
                      applied: {type: integer}
                      refused: {type: integer}
                      shipment_id: {type: integer, nullable: true}
                      box: {type: string, nullable: true}
                      results:
                        type: array
                        items:
                          $ref: '#/components/schemas/TraceCodeResult'
            400:
              description: Invalid body or fields
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/TraceError'
            401:
              $ref: '#/components/responses/401'
            403:
              description: The user's enterprise may not take this step
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/TraceError'
            404:
              description: Box, batch or shipment not found among the enterprise's own
              content:
                application/json:
                  schema:
                    $ref: '#/components/schemas/TraceError'
        """
        payload = request.get_json(silent=True)
        if payload is None:
            raise ValidationFailed(_("The request body must be a JSON object."))
        # The JWT user: flask_login's current_user is anonymous on token requests.
        outcome = apply_action(self.appbuilder.sm.current_user, payload)
        return self.response(200, **outcome.as_dict())

    def add_apispec_components(self, api_spec) -> None:
        super().add_apispec_components(api_spec)
        for name, schema in (("TraceCodeResult", _CODE_RESULT), ("TraceError", _ERROR)):
            if name not in api_spec.components.schemas:
                api_spec.components.schema(name, schema)


def register(app, appbuilder) -> None:
    appbuilder.add_api(TraceActionsApi)
