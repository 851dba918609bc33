"""REST API for products: ``/api/v1/product/`` (Flask-AppBuilder's ModelRestApi).

Clients log in at ``/api/v1/security/login`` and send the token as a Bearer header.
Reads use the same ``EnterpriseRowFilter`` as the screens; writes go through the same
domain functions in ``app.products``, so no rule is written twice. Images are uploaded
through the screens only; the API manages the other fields and the shelf status.
"""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _

from app.errors import DomainError
from app.extensions import db
from app.models import Product
from app.products import ProductData, create_product, delete_products, get_product, update_product
from app.security import ROLE_PRODUCER, EnterpriseRowFilter, acting_user

PRODUCT_API = "ProductApi"
PERMISSIONS = {
    ROLE_PRODUCER: [
        ("can_get", PRODUCT_API),
        ("can_info", PRODUCT_API),
        ("can_post", PRODUCT_API),
        ("can_put", PRODUCT_API),
        ("can_delete", PRODUCT_API),
    ]
}

WRITABLE_FIELDS = ("name", "product_code", "price", "category", "description_html", "on_shelf")


class ProductApi(ModelRestApi):
    """Products of the caller's enterprise (all products for the admin)."""

    resource_name = "product"
    datamodel = SQLAInterface(Product)
    base_filters = [["enterprise_id", EnterpriseRowFilter, None]]
    openapi_spec_tag = "Products"

    list_columns = [
        "id",
        "name",
        "product_code",
        "price",
        "category.id",
        "category.name",
        "on_shelf",
        "main_image",
        "enterprise.id",
        "enterprise.name",
        "updated_at",
    ]
    show_columns = [*list_columns, "description_html", "images.file", "images.thumbnail_file"]
    add_columns = list(WRITABLE_FIELDS)
    edit_columns = list(WRITABLE_FIELDS)
    search_columns = ["id", "name", "product_code", "on_shelf"]
    order_columns = ["id", "name", "price", "updated_at"]
    base_order = ("id", "desc")

    def post_headless(self):
        body, error = self._json_body()
        if error is not None:
            return error
        try:
            product = create_product(acting_user(), _product_data(body))
        except DomainError as exc:
            return self._domain_error(exc)
        return self.response(201, id=product.id, result=self.show_model_schema.dump(product))

    def _visible(self, pk) -> Product | None:
        """Return the product if it passes the row filter; a non-numeric id matches nothing."""
        if not str(pk).isdigit():
            return None
        return self.datamodel.get(int(pk), self._base_filters)

    def put_headless(self, pk):
        if self._visible(pk) is None:
            return self.response_404()
        body, error = self._json_body()
        if error is not None:
            return error
        try:
            product = get_product(acting_user(), pk)
            product = update_product(acting_user(), product.id, _product_data(body, product))
        except DomainError as exc:
            return self._domain_error(exc)
        return self.response(200, result=self.show_model_schema.dump(product))

    def delete_headless(self, pk):
        product = self._visible(pk)
        if product is None:
            return self.response_404()
        try:
            delete_products(acting_user(), [product.id])
        except DomainError as exc:
            return self._domain_error(exc)
        return self.response(200, message=_("The product was deleted."))

    def _json_body(self):
        body = request.get_json(silent=True) if request.is_json else None
        if not isinstance(body, dict):
            return None, self.response_400(message=_("The request body must be a JSON object."))
        unknown = sorted(set(body) - set(WRITABLE_FIELDS))
        if unknown:
            return None, self.response(
                422,
                message=_(
                    "Unknown fields: %(fields)s. Writable fields are: %(allowed)s.",
                    fields=", ".join(unknown),
                    allowed=", ".join(WRITABLE_FIELDS),
                ),
            )
        return body, None

    def _domain_error(self, exc: DomainError):
        db.session.rollback()
        payload = {"message": exc.message}
        if exc.field:
            payload["field"] = exc.field
        return self.response(exc.status_code, **payload)


def _product_data(body: dict, product: Product | None = None) -> ProductData:
    """Build the product fields from a JSON body; absent fields keep the product's values."""

    def value(field, current):
        return body.get(field, current)

    return ProductData(
        name=value("name", product.name if product else ""),
        price=value("price", str(product.price) if product else None),
        product_code=value("product_code", product.product_code if product else None),
        category_id=value("category", product.category_id if product else None),
        description_html=value("description_html", product.description_html if product else None),
        on_shelf=value("on_shelf", product.on_shelf if product else False),
    )


def register(app, appbuilder) -> None:
    appbuilder.add_api(ProductApi)
