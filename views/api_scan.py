"""The scan result as JSON for apps and mini-programs: ``GET /api/v1/trace/<code>``.

Public like the scan page (no login, no JWT) and counted as a query like it. It is a
Flask-AppBuilder ``BaseApi`` so it appears in ``/api/v1/_openapi``; it has no
``@protect`` decorator, which is what makes it public.
"""

from __future__ import annotations

import datetime as dt

from flask import jsonify, request, url_for
from flask_appbuilder.api import BaseApi, expose
from flask_login import current_user

from app.content import local_html
from app.errors import NotFound
from app.scans import ScanResult, scan_code
from views.errors import error_response
from views.h5 import scan_rate_limit

PERMISSIONS: dict[str, list[tuple[str, str]]] = {}


def _time(value: dt.datetime | None) -> str | None:
    """Format a stored naive UTC time as ISO 8601 with an explicit ``Z`` zone."""
    return value.replace(microsecond=0).isoformat() + "Z" if value is not None else None


def _media(name: str | None) -> str | None:
    return url_for("public.media", name=name) if name else None


def scan_result_json(result: ScanResult) -> dict:
    """Build the JSON body of a scan result, as documented in the OpenAPI spec of ``TraceApi.get``."""
    code, product, enterprise, batch = result.code, result.product, result.enterprise, result.batch
    events = []
    for event in result.events:
        item = {
            "kind": event.kind.value,
            "occurred_at": _time(event.occurred_at),
            "enterprise": event.enterprise.name if event.enterprise is not None else None,
            "stage": event.stage,
            "location": event.location,
            "condition": event.condition,
            "remarks": event.remarks,
            "shipment": None,
        }
        shipment = event.shipment
        if shipment is not None:
            destination = shipment.destination_enterprise
            item["shipment"] = {
                "logistics_company": shipment.logistics_company,
                "waybill_number": shipment.waybill_number,
                "vehicle_number": shipment.vehicle_number,
                "shipped_at": _time(shipment.shipped_at),
                "shipper": shipment.shipper,
                "destination_enterprise": destination.name if destination is not None else None,
            }
        events.append(item)
    return {
        "code": code.code,
        "status": result.status_name,
        "product": {
            "id": product.id,
            "name": product.name,
            "image": _media(product.main_image),
            "url": url_for("h5.product", product_id=product.id) if product.on_shelf else None,
        }
        if product is not None
        else None,
        "enterprise": {
            "id": enterprise.id,
            "name": enterprise.name,
            "logo": _media(enterprise.logo_file),
            "profile_html": local_html(enterprise.profile_html),
        },
        "batch": {
            "batch_number": batch.batch_number,
            "production_date": batch.production_date.isoformat() if batch.production_date else None,
            "production_team": batch.production_team,
        }
        if batch is not None
        else None,
        "box": result.box.code if result.box is not None else None,
        "sold_at": _time(code.sold_at),
        "sold_by": result.sold_by.name if result.sold_by is not None else None,
        "events": events,
        "query_count": result.count.query_count,
        "previous_query_at": _time(result.count.previous_query_at),
        "counterfeit_warning": result.warning,
    }


class TraceApi(BaseApi):
    resource_name = "trace"
    openapi_spec_tag = "Trace"

    @expose("/<code>", methods=["GET"])
    @scan_rate_limit
    def get(self, code: str):
        """The scan result of a trace code; every call counts one query.
        ---
        get:
          summary: Scan result of a trace code (counts one query)
          description: >-
            Public, no login needed. The code may be typed in any case (for codes that
            are not case-sensitive), in full-width characters, or as the label URL.
            Times are UTC in ISO 8601.
          parameters:
          - in: path
            name: code
            required: true
            schema:
              type: string
          responses:
            200:
              description: The code is genuine; the query was counted
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      code: {type: string}
                      status: {type: string, enum: [new, packed, shipped, sold]}
                      product:
                        type: object
                        nullable: true
                        properties:
                          id: {type: integer}
                          name: {type: string}
                          image: {type: string, nullable: true}
                          url: {type: string, nullable: true}
                      enterprise:
                        type: object
                        properties:
                          id: {type: integer}
                          name: {type: string}
                          logo: {type: string, nullable: true}
                          profile_html: {type: string}
                      batch:
                        type: object
                        nullable: true
                        properties:
                          batch_number: {type: string}
                          production_date: {type: string, format: date, nullable: true}
                          production_team: {type: string, nullable: true}
                      box: {type: string, nullable: true}
                      sold_at: {type: string, format: date-time, nullable: true}
                      sold_by: {type: string, nullable: true}
                      events:
                        type: array
                        items:
                          type: object
                          properties:
                            kind:
                              type: string
                              enum: [packed, unpacked, shipped, handled, sold, voided]
                            occurred_at: {type: string, format: date-time}
                            enterprise: {type: string, nullable: true}
                            stage: {type: string, nullable: true}
                            location: {type: string, nullable: true}
                            condition: {type: string, nullable: true}
                            remarks: {type: string, nullable: true}
                            shipment:
                              type: object
                              nullable: true
                              properties:
                                logistics_company: {type: string}
                                waybill_number: {type: string}
                                vehicle_number: {type: string, nullable: true}
                                shipped_at: {type: string, format: date-time}
                                shipper: {type: string}
                                destination_enterprise: {type: string, nullable: true}
                      query_count: {type: integer}
                      previous_query_at: {type: string, format: date-time, nullable: true}
                      counterfeit_warning: {type: boolean}
            404:
              description: The code was not issued by this platform (or is void)
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message: {type: string}
                      status: {type: integer}
            429:
              description: Too many scans from this address; try again later
        """
        try:
            result = scan_code(
                code,
                user_id=current_user.id if current_user.is_authenticated else None,
                remote_addr=request.remote_addr,
                user_agent=request.user_agent.string,
            )
        except NotFound as exc:
            return error_response(404, exc.message)
        # Not self.response(): its first parameter is named ``code``, like our key.
        response = jsonify(scan_result_json(result))
        response.headers["Cache-Control"] = "no-store"
        return response


def register(app, appbuilder) -> None:
    appbuilder.add_api(TraceApi)
