"""Product management for producers (商品管理), and every product for the admin.

Row-level security lives in one place: ``EnterpriseRowFilter`` in ``base_filters``
limits the list, search, detail and edit pages and the bulk actions; every change
then goes through ``app.products``, which checks ownership again.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.actions import action as fab_action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext, pgettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select

from app.errors import DomainError
from app.extensions import db
from app.images import thumbnail_name
from app.models import Category, Product
from app.products import (
    ProductData,
    code_statistics,
    create_product,
    delete_products,
    set_on_shelf,
    update_product,
)
from app.security import ROLE_PRODUCER, EnterpriseRowFilter
from views.catalog_forms import ProductForm
from views.display import DisplayInterface
from views.forms import ActionForm, show_domain_error

PRODUCT_VIEW = "ProductView"
PERMISSIONS = {
    ROLE_PRODUCER: [
        ("can_list", PRODUCT_VIEW),
        ("can_show", PRODUCT_VIEW),
        ("can_add", PRODUCT_VIEW),
        ("can_edit", PRODUCT_VIEW),
        ("can_delete", PRODUCT_VIEW),
        ("bulk_delete", PRODUCT_VIEW),
        ("put_on_shelf", PRODUCT_VIEW),
        ("take_off_shelf", PRODUCT_VIEW),
        ("menu_access", "Products"),
        ("menu_access", "Product list"),
    ]
}


def media_url(stored_name: str | None) -> str | None:
    """Return the public URL of a stored upload, or None."""
    return url_for("public.media", name=stored_name) if stored_name else None


def thumbnail_html(stored_name: str | None) -> Markup:
    if not stored_name:
        return Markup('<span class="text-muted">—</span>')
    return Markup('<img src="%s" alt="" class="suyuan-thumb" width="48">') % media_url(
        thumbnail_name(stored_name)
    )


def shelf_label(on_shelf: bool) -> str:
    return pgettext("shelf status", "On shelf") if on_shelf else pgettext("shelf status", "Off shelf")


def text_or_dash(value) -> str:
    return value if value else "—"


class ProductInterface(DisplayInterface):
    """The product model with the list-only columns: thumbnail, code and batch counts.

    The counts of a whole page come from one grouped query, not one query per row.
    """

    virtual_columns = ("thumbnail", "code_count", "batch_count", "shelf")

    def get_values(self, lst, list_columns):
        items = list(lst)
        statistics = code_statistics([item.id for item in items])
        real_columns = [column for column in list_columns if column not in self.virtual_columns]
        for item, values in zip(items, super().get_values(items, real_columns), strict=True):
            codes, batches = statistics.get(item.id, (0, 0))
            values.update(
                thumbnail=thumbnail_html(item.main_image),
                code_count=codes,
                batch_count=batches,
                shelf=shelf_label(item.on_shelf),
            )
            yield values


class ProductView(ModelView):
    """List, search, detail, publish, edit, delete and shelve products."""

    datamodel = ProductInterface(Product)
    route_base = "/products"
    base_filters = [["enterprise_id", EnterpriseRowFilter, None]]
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete"]
    base_order = ("id", "desc")

    list_template = "products/list.html"
    list_title = _l("Product list")
    show_title = _l("Product details")
    add_title = _l("Publish product")
    edit_title = _l("Edit product")
    list_columns = [
        "id",
        "thumbnail",
        "name",
        "product_code",
        "price",
        "code_count",
        "batch_count",
        "shelf",
        "enterprise",
    ]
    order_columns = ["id", "name", "product_code", "price"]
    search_columns = ["id", "name", "product_code", "category", "on_shelf", "enterprise"]
    # The enterprise dropdown of the search form lists only the user's own enterprise
    # (every enterprise for the admin).
    search_form_query_rel_fields = {"enterprise": [["id", EnterpriseRowFilter, None]]}
    label_columns = {
        "id": _l("ID"),
        "thumbnail": _l("Thumbnail"),
        "name": _l("Product name"),
        "product_code": _l("Product code"),
        "price": _l("Price (yuan)"),
        "code_count": _l("Trace codes"),
        "batch_count": _l("Batches"),
        "shelf": _l("Shelf status"),
        "on_shelf": _l("On shelf"),
        "category": _l("Category"),
        "enterprise": _l("Enterprise name"),
    }
    formatters_columns = {"product_code": text_or_dash}
    show_template = "products/show.html"

    # ------------------------------------------------------------ pages

    def _visible_product(self, pk) -> Product:
        product = self.datamodel.get(pk, self._base_filters)
        if product is None:
            abort(404)
        return product

    @expose("/show/<int:pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        product = self._visible_product(pk)
        codes, batches = code_statistics([product.id]).get(product.id, (0, 0))
        return self.render_template(
            self.show_template,
            title=self.show_title,
            product=product,
            code_count=codes,
            batch_count=batches,
            shelf=shelf_label(product.on_shelf),
            media_url=media_url,
            thumbnail_name=thumbnail_name,
            action_form=ActionForm(),
        )

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        form = _product_form()
        if request.method == "POST":
            if not form.validate_on_submit():
                flash(_("The form has expired. Please try again."), "danger")
            else:
                try:
                    product = create_product(
                        current_user,
                        _product_data(form),
                        request.files.get("main_image"),
                        request.files.getlist("gallery"),
                    )
                except DomainError as exc:
                    if exc.status_code in (403, 404):
                        raise
                    show_domain_error(form, exc)
                    return self._render_form(form, self.add_title, None), exc.status_code
                flash(_("The product %(name)s was published.", name=product.name), "success")
                return redirect(url_for(f"{PRODUCT_VIEW}.show", pk=product.id))
        return self._render_form(form, self.add_title, None)

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        product = self._visible_product(pk)
        form = _product_form(product if request.method == "GET" else None)
        if request.method == "POST":
            if not form.validate_on_submit():
                flash(_("The form has expired. Please try again."), "danger")
            else:
                try:
                    update_product(
                        current_user,
                        product.id,
                        _product_data(form),
                        request.files.get("main_image"),
                        request.files.getlist("gallery"),
                        request.form.getlist("remove_image"),
                    )
                except DomainError as exc:
                    if exc.status_code in (403, 404):
                        raise
                    db.session.rollback()
                    show_domain_error(form, exc)
                    return self._render_form(form, self.edit_title, product), exc.status_code
                flash(_("The product %(name)s was saved.", name=product.name), "success")
                return redirect(url_for(f"{PRODUCT_VIEW}.show", pk=product.id))
        return self._render_form(form, self.edit_title, product)

    def _render_form(self, form, title, product):
        return self.render_template(
            "products/product_form.html",
            title=title,
            form=form,
            product=product,
            media_url=media_url,
        )

    @expose("/delete/<int:pk>", methods=["POST"])
    @has_access
    def delete(self, pk):
        if not ActionForm().validate_on_submit():
            abort(400)
        product = self._visible_product(pk)
        return self._delete_and_redirect([product.id])

    # ------------------------------------------------------------ bulk actions

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        """Run a bulk action on the selected rows, which must all pass the row filter.

        Flask-AppBuilder 5.3.0 loads the selected rows without ``base_filters`` here, so
        this override applies them and returns 404 for any row outside the filter.
        """
        if not ActionForm().validate_on_submit():
            abort(400)
        name = request.form.get("action", "")
        if name not in self.actions:
            abort(404)
        permission = self.get_action_permission_name(name)
        if not self.appbuilder.sm.has_access(permission, self.class_permission_name):
            abort(403)
        items = [self._visible_product(pk) for pk in request.form.getlist("rowid")]
        return self.actions[name].func(items)

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        """Single-row actions are offered as buttons on the detail page instead."""
        abort(404)

    @fab_action("put_on_shelf", _l("Put on shelf"), icon="fa-arrow-up", single=False)
    def put_on_shelf(self, items):
        return self._shelve(items, True)

    @fab_action("take_off_shelf", _l("Take off shelf"), icon="fa-arrow-down", single=False)
    def take_off_shelf(self, items):
        return self._shelve(items, False)

    @fab_action(
        "bulk_delete",
        _l("Delete"),
        confirmation=_l("Delete the selected products?"),
        icon="fa-trash",
        single=False,
    )
    def bulk_delete(self, items):
        return self._delete_and_redirect([item.id for item in items])

    def _shelve(self, items, on_shelf: bool):
        try:
            count = set_on_shelf(current_user, [item.id for item in items], on_shelf)
        except DomainError as exc:
            if exc.status_code in (403, 404):
                raise
            flash(exc.message, "danger")
            return redirect(url_for(f"{PRODUCT_VIEW}.list"))
        if on_shelf:
            message = ngettext(
                "%(num)d product was put on shelf.", "%(num)d products were put on shelf.", count
            )
        else:
            message = ngettext(
                "%(num)d product was taken off shelf.", "%(num)d products were taken off shelf.", count
            )
        flash(message, "success")
        return redirect(url_for(f"{PRODUCT_VIEW}.list"))

    def _delete_and_redirect(self, product_ids: list[int]):
        try:
            count = delete_products(current_user, product_ids)
        except DomainError as exc:
            if exc.status_code in (403, 404):
                raise
            flash(exc.message, "danger")
            return redirect(url_for(f"{PRODUCT_VIEW}.list"))
        flash(ngettext("%(num)d product was deleted.", "%(num)d products were deleted.", count), "success")
        return redirect(url_for(f"{PRODUCT_VIEW}.list"))


def _product_form(product: Product | None = None) -> ProductForm:
    form = ProductForm(obj=product)
    categories = db.session.scalars(select(Category).order_by(Category.sort_order, Category.name))
    form.category_id.choices = [("", _("No category"))] + [(str(c.id), c.name) for c in categories]
    if product is not None:
        form.category_id.data = str(product.category_id or "")
        form.price.data = str(product.price)
    return form


def _product_data(form: ProductForm) -> ProductData:
    return ProductData(
        name=form.name.data or "",
        price=form.price.data,
        product_code=form.product_code.data,
        category_id=form.category_id.data,
        description_html=form.description_html.data,
        on_shelf=bool(form.on_shelf.data),
    )


def register(app, appbuilder) -> None:
    # Flask-AppBuilder's list templates add a CSRF token to their delete and bulk action
    # forms only when ``csrf_token`` is a Jinja global; our POST handlers check that token.
    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)
    appbuilder.add_view(
        ProductView,
        "Product list",
        label=_l("Product list"),
        icon="fa-cube",
        category="Products",
        category_label=_l("Product management"),
        category_icon="fa-cubes",
    )
