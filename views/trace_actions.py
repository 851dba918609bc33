"""Scan-gun screens for packing, shipping, handling records and write-off, the phone
forms of the scan page, and box labels.

A keyboard-wedge scanner types the code or label URL into the focused input and presses
Enter. Then app/static/scan.js posts the scan to ``apply`` at once and shows the result.
All rules live in ``app.trace``; these views only collect the fields.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from app.errors import DomainError, NotFound
from app.extensions import db
from app.lookup import find_trace_code, normalize_code_input
from app.models import Enterprise
from app.models.codes import CodeKind
from app.models.enterprise import EnterpriseStatus, EnterpriseType
from app.security import ROLE_DISTRIBUTOR, ROLE_PRODUCER, ROLE_STORAGE, current_enterprise
from app.trace import ACTIONS, allowed_actions, apply_action, box_label_png
from app.trace.common import STATUS_LABELS
from views.forms import ActionForm

STATION_VIEW = "TraceStationView"
CATEGORY = "Trace operations"
_ALL = (ROLE_PRODUCER, ROLE_STORAGE, ROLE_DISTRIBUTOR)


def _grants(role: str) -> list[tuple[str, str]]:
    pairs = [
        ("can_apply", STATION_VIEW),
        ("can_record", STATION_VIEW),
        ("menu_access", CATEGORY),
        ("menu_access", "Add handling records"),
    ]
    if role == ROLE_PRODUCER:
        pairs += [
            ("can_pack", STATION_VIEW),
            ("can_ship", STATION_VIEW),
            ("menu_access", "Pack"),
            ("menu_access", "Unpack"),
            ("menu_access", "Ship"),
        ]
    if role == ROLE_DISTRIBUTOR:
        pairs += [("can_sell", STATION_VIEW), ("menu_access", "Write off")]
    return pairs


PERMISSIONS = {role: _grants(role) for role in _ALL}

# The fields each scan-gun screen shows above the scan input.
STATION_FIELDS = {
    "pack": ("box", "batch"),
    "unpack": (),
    "ship": (
        "logistics_company",
        "waybill_number",
        "vehicle_number",
        "shipper",
        "shipped_at",
        "destination_enterprise_id",
        "batch",
    ),
    "record": ("stage", "location", "condition", "remarks"),
    "sell": (),
}
STATION_TITLES = {
    "pack": _l("Pack (scan gun)"),
    "unpack": _l("Take out of boxes (scan gun)"),
    "ship": _l("Ship from the factory (scan gun)"),
    "record": _l("Add handling records (scan gun)"),
    "sell": _l("Write off (scan gun)"),
}
STATION_HELP = {
    "pack": _l(
        "Scan a box code first, or leave it empty: the first scan then creates a new box. "
        "Each following scan packs that item or box into it."
    ),
    "unpack": _l("Each scan takes that item or box out of the box it is packed in."),
    "ship": _l(
        "Fill in the shipment, then scan items or boxes. The first scan creates the shipment; "
        "the following scans join it."
    ),
    "record": _l(
        "Fill in the record, then scan. Each scan saves the record for that code and keeps "
        "stage, location and condition for the next scan."
    ),
    "sell": _l("Each scan writes that item off as sold. A box code writes off every unsold item in it."),
}
FIELD_LABELS = {
    "box": _l("Box code"),
    "batch": _l("Whole batch (batch number)"),
    "logistics_company": _l("Logistics company"),
    "waybill_number": _l("Waybill number"),
    "vehicle_number": _l("Vehicle number"),
    "shipper": _l("Shipper"),
    "shipped_at": _l("Ship time"),
    "destination_enterprise_id": _l("Destination enterprise ID (optional)"),
    "stage": _l("Stage"),
    "location": _l("Location"),
    "condition": _l("Condition"),
    "remarks": _l("Remarks"),
}
FIELD_HINTS = {
    "box": _l("Scan the box label, or leave empty for a new box"),
    "batch": _l("Packs or ships every code of the batch at once"),
    "stage": _l("e.g. warehousing, exhibition"),
    "location": _l("e.g. line number, address, shelf, vehicle"),
    "condition": _l("e.g. normal, damaged"),
}
REQUIRED_FIELDS = {"logistics_company", "waybill_number", "shipper", "stage"}


def _check_csrf() -> None:
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    try:
        validate_csrf(request.headers.get("X-CSRFToken") or request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        abort(400, _("The form has expired. Reload the page and try again."))


def _destinations() -> list[Enterprise]:
    """Approved storage companies and distributors a producer can name as the receiver."""
    return list(
        db.session.scalars(
            select(Enterprise)
            .where(
                Enterprise.status == EnterpriseStatus.APPROVED,
                Enterprise.type.in_([EnterpriseType.STORAGE, EnterpriseType.DISTRIBUTOR]),
            )
            .order_by(Enterprise.name)
        )
    )


def _phone_redirect(code_text: str):
    code = normalize_code_input(code_text)
    # With "after=action" the scan page does not count the return as a consumer query.
    return redirect(f"/t/{code}?after=action" if code else url_for("TraceStationView.record"))


class TraceStationView(BaseView):
    """The scan-gun screens, the JSON endpoint they post to, phone forms and box labels."""

    route_base = "/trace"
    default_view = "record"
    method_permission_name = {
        "pack": "pack",
        "unpack": "pack",
        "box_label": "pack",
        "ship": "ship",
        "record": "record",
        "sell": "sell",
        "apply": "apply",
        "phone": "apply",
    }

    def _station(self, step: str):
        prefill = {name: request.args.get(name, "") for name in STATION_FIELDS[step]}
        return self.render_template(
            "trace/station.html",
            step=step,
            title=STATION_TITLES[step],
            help_text=STATION_HELP[step],
            fields=STATION_FIELDS[step],
            labels=FIELD_LABELS,
            hints=FIELD_HINTS,
            required=REQUIRED_FIELDS,
            prefill=prefill,
            csrf=generate_csrf(),
            enterprise=current_enterprise(),
            destinations=_destinations() if "destination_enterprise_id" in STATION_FIELDS[step] else [],
        )

    @expose("/pack")
    @has_access
    def pack(self):
        return self._station("pack")

    @expose("/unpack")
    @has_access
    def unpack(self):
        return self._station("unpack")

    @expose("/ship")
    @has_access
    def ship(self):
        return self._station("ship")

    @expose("/record")
    @has_access
    def record(self):
        return self._station("record")

    @expose("/sell")
    @has_access
    def sell(self):
        return self._station("sell")

    @expose("/apply", methods=["POST"])
    @has_access
    def apply(self):
        """Apply one step to the posted codes; the body is the JSON of the trace actions API."""
        _check_csrf()
        payload = request.get_json(silent=True)
        outcome = apply_action(current_user, payload)
        return jsonify(outcome.as_dict())

    @expose("/phone/<action>", methods=["POST"])
    @has_access
    def phone(self, action: str):
        """Apply a step from the scan page's forms to one code and return to that page."""
        if action not in ACTIONS:
            abort(404)
        code_text = request.form.get("code", "")
        if not ActionForm().validate_on_submit():
            flash(_("The form has expired. Please try again."), "danger")
            return _phone_redirect(code_text)
        payload = {name: value for name, value in request.form.items() if name != "csrf_token"}
        payload.update(action=action, codes=[code_text])
        try:
            outcome = apply_action(current_user, payload)
        except DomainError as exc:
            if exc.status_code == 403:
                raise
            flash(exc.message, "danger")
            return _phone_redirect(code_text)
        for result in outcome.results:
            flash(result.message, "success" if result.applied else "danger")
        if action == "record" and request.form.get("next") == "scan":
            kept = {name: request.form.get(name, "") for name in ("stage", "location", "condition")}
            return redirect(url_for("TraceStationView.record", **kept))
        return _phone_redirect(code_text)

    @expose("/boxes/<code>/label.png")
    @has_access
    def box_label(self, code: str):
        """Serve the PNG label of a box of the user's enterprise; 404 for any other code."""
        box = find_trace_code(code)
        enterprise = current_enterprise()
        if (
            box is None
            or box.kind != CodeKind.BOX
            or enterprise is None
            or box.enterprise_id != enterprise.id
        ):
            raise NotFound(_("Box %(code)s was not found among your enterprise's boxes.", code=code))
        response = Response(box_label_png(box.code), mimetype="image/png")
        response.headers["Content-Disposition"] = f'inline; filename="box-{box.code}.png"'
        return response


def register(app, appbuilder) -> None:
    appbuilder.add_view_no_menu(TraceStationView)
    links = (
        ("Pack", "TraceStationView.pack", _l("Pack"), "fa-archive"),
        ("Unpack", "TraceStationView.unpack", _l("Take out of boxes"), "fa-dropbox"),
        ("Ship", "TraceStationView.ship", _l("Ship from the factory"), "fa-truck"),
        ("Add handling records", "TraceStationView.record", _l("Add handling records"), "fa-map-marker"),
        ("Write off", "TraceStationView.sell", _l("Write off"), "fa-check-square-o"),
    )
    for name, endpoint, label, icon in links:
        appbuilder.add_link(
            name,
            href=endpoint,
            label=label,
            icon=icon,
            category=CATEGORY,
            category_label=_l("Trace operations"),
            category_icon="fa-qrcode",
        )
    app.add_template_global(allowed_actions, "trace_allowed_actions")
    app.add_template_global(STATUS_LABELS, "trace_status_labels")
    app.add_template_global(generate_csrf, "trace_csrf_token")
