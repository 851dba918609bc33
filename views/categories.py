"""Category management for the platform admin (分类管理)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from app.errors import DomainError
from app.extensions import db
from app.models import Category
from app.products import delete_category, save_category
from views.catalog_forms import CategoryForm
from views.display import DisplayInterface
from views.forms import ActionForm, show_domain_error
from views.products import media_url

CATEGORY_VIEW = "CategoryView"
# Admin only: the Admin role receives every permission, so no other role is listed.
PERMISSIONS: dict[str, list[tuple[str, str]]] = {}


def icon_html(stored_name: str | None) -> Markup:
    if not stored_name:
        return Markup('<span class="text-muted">—</span>')
    return Markup('<img src="%s" alt="" width="32">') % media_url(stored_name)


class CategoryView(ModelView):
    """List, add, edit and delete product categories."""

    datamodel = DisplayInterface(Category)
    route_base = "/admin/categories"
    base_permissions = ["can_list", "can_add", "can_edit", "can_delete"]
    base_order = ("sort_order", "asc")
    list_title = _l("Categories")
    add_title = _l("Add category")
    edit_title = _l("Edit category")
    list_columns = ["id", "icon_file", "name", "sort_order"]
    search_columns = ["name"]
    label_columns = {
        "id": _l("ID"),
        "icon_file": _l("Icon"),
        "name": _l("Category name"),
        "sort_order": _l("Order"),
    }
    formatters_columns = {"icon_file": icon_html}

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        return self._form_page(None, self.add_title)

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        category = db.session.get(Category, pk)
        if category is None:
            abort(404)
        return self._form_page(category, self.edit_title)

    def _form_page(self, category: Category | None, title):
        form = CategoryForm(obj=category if request.method == "GET" else None)
        if request.method == "POST":
            if not form.validate_on_submit():
                flash(_("The form has expired. Please try again."), "danger")
            else:
                try:
                    saved = save_category(
                        current_user,
                        category.id if category else None,
                        form.name.data,
                        form.sort_order.data,
                        request.files.get("icon"),
                    )
                except DomainError as exc:
                    if exc.status_code in (403, 404):
                        raise
                    db.session.rollback()
                    show_domain_error(form, exc)
                    return self._render(form, title, category), exc.status_code
                flash(_("The category %(name)s was saved.", name=saved.name), "success")
                return redirect(url_for(f"{CATEGORY_VIEW}.list"))
        return self._render(form, title, category)

    def _render(self, form, title, category):
        return self.render_template(
            "products/category_form.html", title=title, form=form, category=category, media_url=media_url
        )

    @expose("/delete/<int:pk>", methods=["POST"])
    @has_access
    def delete(self, pk):
        if not ActionForm().validate_on_submit():
            abort(400)
        try:
            delete_category(current_user, pk)
        except DomainError as exc:
            if exc.status_code in (403, 404):
                raise
            flash(exc.message, "danger")
        else:
            flash(_("The category was deleted."), "success")
        return redirect(url_for(f"{CATEGORY_VIEW}.list"))


def register(app, appbuilder) -> None:
    appbuilder.add_view(
        CategoryView,
        "Categories",
        label=_l("Categories"),
        icon="fa-tags",
        category="Products",
        category_label=_l("Product management"),
    )
