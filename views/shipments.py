"""Shipments of a producer (发货记录): list and detail with what was shipped and where."""

from __future__ import annotations

from flask import abort
from flask_appbuilder import ModelView, expose, has_access
from flask_babel import lazy_gettext as _l

from app.models import Shipment
from app.security import ROLE_PRODUCER, EnterpriseRowFilter
from app.trace.shipping import shipment_contents
from views.display import DisplayInterface
from views.trace_actions import CATEGORY

PERMISSIONS = {
    ROLE_PRODUCER: [
        ("can_list", "ShipmentView"),
        ("can_show", "ShipmentView"),
        ("menu_access", CATEGORY),
        ("menu_access", "Shipments"),
    ]
}


class ShipmentView(ModelView):
    """Read-only list of the enterprise's shipments; admins see all of them."""

    datamodel = DisplayInterface(Shipment)
    route_base = "/shipments"
    base_permissions = ["can_list", "can_show"]
    base_filters = [["enterprise_id", EnterpriseRowFilter, None]]
    base_order = ("shipped_at", "desc")
    list_title = _l("Shipments")
    show_title = _l("Shipment")
    show_template = "trace/shipment_show.html"
    list_columns = [
        "shipped_at",
        "logistics_company",
        "waybill_number",
        "vehicle_number",
        "shipper",
        "destination_enterprise",
        "item_count",
    ]
    show_columns = [*list_columns, "enterprise", "created_by", "created_at"]
    search_columns = ["logistics_company", "waybill_number", "vehicle_number", "shipper"]
    label_columns = {
        "shipped_at": _l("Ship time"),
        "logistics_company": _l("Logistics company"),
        "waybill_number": _l("Waybill number"),
        "vehicle_number": _l("Vehicle number"),
        "shipper": _l("Shipper"),
        "destination_enterprise": _l("Destination enterprise"),
        "item_count": _l("Items"),
        "enterprise": _l("Enterprise"),
        "created_by": _l("Recorded by"),
        "created_at": _l("Recorded at"),
    }

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        shipment = self.datamodel.get(pk, self._base_filters)
        if shipment is None:
            abort(404)
        widgets = self._get_show_widget(pk, shipment)
        return self.render_template(
            self.show_template,
            pk=pk,
            title=self.show_title,
            widgets=widgets,
            related_views=self._related_views,
            shipment=shipment,
            contents=shipment_contents(shipment),
        )


def register(app, appbuilder) -> None:
    appbuilder.add_view(
        ShipmentView,
        "Shipments",
        label=_l("Shipments"),
        icon="fa-list-alt",
        category=CATEGORY,
        category_label=_l("Trace operations"),
    )
