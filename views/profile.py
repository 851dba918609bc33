"""The enterprise profile (企业图文), edited by the owner and staff of an enterprise."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.errors import DomainError
from app.extensions import db
from app.products import ProfileData, profile_enterprise_of, update_profile
from app.security import ROLE_DISTRIBUTOR, ROLE_PRODUCER, ROLE_STORAGE
from views.catalog_forms import ProfileForm
from views.forms import show_domain_error
from views.products import media_url

PROFILE_VIEW = "EnterpriseProfileView"
PERMISSIONS = {
    role: [
        ("can_edit", PROFILE_VIEW),
        ("menu_access", "Enterprise"),
        ("menu_access", "Enterprise profile"),
    ]
    for role in (ROLE_PRODUCER, ROLE_STORAGE, ROLE_DISTRIBUTOR)
}


class EnterpriseProfileView(BaseView):
    """Edit the public profile of the user's own enterprise: text, logo, phone, address."""

    route_base = "/enterprise/profile"
    default_view = "edit"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def edit(self):
        try:
            enterprise = profile_enterprise_of(current_user)
        except DomainError:
            abort(403)
        form = ProfileForm(obj=enterprise if request.method == "GET" else None)
        status = 200
        if request.method == "POST":
            if not form.validate_on_submit():
                flash(_("The form has expired. Please try again."), "danger")
            else:
                data = ProfileData(
                    profile_html=form.profile_html.data, phone=form.phone.data, address=form.address.data
                )
                try:
                    update_profile(current_user, data, request.files.get("logo"))
                except DomainError as exc:
                    if exc.status_code in (403, 404):
                        raise
                    db.session.rollback()
                    show_domain_error(form, exc)
                    status = exc.status_code
                else:
                    flash(_("The enterprise profile was saved."), "success")
                    return redirect(url_for(f"{PROFILE_VIEW}.edit"))
        return self.render_template(
            "products/profile.html", form=form, enterprise=enterprise, media_url=media_url
        ), status


def register(app, appbuilder) -> None:
    appbuilder.add_view(
        EnterpriseProfileView,
        "Enterprise profile",
        label=_l("Enterprise profile"),
        icon="fa-id-card",
        category="Enterprise",
        category_label=_l("Enterprise management"),
    )
