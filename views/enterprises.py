"""Enterprise application (applicant side) and review (admin side)."""

from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.enterprises import (
    ApplicationForm as ApplicationData,
)
from app.enterprises import (
    application_of,
    approve_application,
    can_view_licence,
    reject_application,
    submit_application,
)
from app.errors import DomainError
from app.extensions import db
from app.models import Enterprise
from app.models.enterprise import EnterpriseStatus
from app.security import (
    ROLE_CONSUMER,
    ROLE_DISTRIBUTOR,
    ROLE_PRODUCER,
    ROLE_STORAGE,
)
from app.uploads import upload_path
from views.display import DisplayInterface
from views.forms import ActionForm, ApplicationForm, RejectForm, show_domain_error

APPLY_VIEW = "EnterpriseApplicationView"
PERMISSIONS = {
    role: [
        ("can_apply", APPLY_VIEW),
        ("can_licence", APPLY_VIEW),
        ("menu_access", "Enterprise"),
        ("menu_access", "Apply for an enterprise"),
    ]
    for role in (ROLE_CONSUMER, ROLE_PRODUCER, ROLE_STORAGE, ROLE_DISTRIBUTOR)
}


class EnterpriseApplicationView(BaseView):
    """The applicant's form: submit, see the review outcome, correct and resubmit."""

    route_base = "/enterprise"
    default_view = "apply"

    @expose("/apply", methods=["GET", "POST"])
    @has_access
    def apply(self):
        application = application_of(current_user)
        form = ApplicationForm(obj=application if request.method == "GET" else None)
        if application is not None and request.method == "GET":
            form.type.data = application.type.value
        editable = application is None or application.status == EnterpriseStatus.REJECTED

        if request.method == "POST":
            if not form.validate_on_submit():
                flash(_("The form has expired. Please try again."), "danger")
            else:
                data = ApplicationData(
                    **{name: getattr(form, name).data or "" for name in ApplicationData.__dataclass_fields__}
                )
                try:
                    submit_application(current_user, data, request.files.get("licence"))
                except DomainError as exc:
                    if exc.status_code == 403:
                        raise
                    show_domain_error(form, exc)
                    return self.render_template(
                        "enterprise/apply.html", form=form, application=application, editable=editable
                    ), exc.status_code
                flash(_("Your application has been submitted and is waiting for review."), "success")
                return redirect(url_for(f"{APPLY_VIEW}.apply"))

        return self.render_template(
            "enterprise/apply.html", form=form, application=application, editable=editable
        )

    @expose("/licence/<int:enterprise_id>")
    @has_access
    def licence(self, enterprise_id: int):
        """Serve a business licence image to an admin or the applicant; 404 for anyone else."""
        enterprise = db.session.get(Enterprise, enterprise_id)
        if enterprise is None or not can_view_licence(enterprise, current_user):
            abort(404)
        response = send_file(upload_path(enterprise.licence_file))
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


class EnterpriseReviewView(ModelView):
    """Admin list of all applications with approve and reject actions."""

    datamodel = DisplayInterface(Enterprise)
    route_base = "/admin/enterprises"
    base_permissions = ["can_list", "can_show", "can_approve", "can_reject"]
    list_title = _l("Enterprise applications")
    show_title = _l("Enterprise application")
    list_columns = [
        "name",
        "type_label",
        "status_label",
        "credit_code",
        "contact_name",
        "mobile",
        "submitted_at",
    ]
    search_columns = ["name", "credit_code", "contact_name", "mobile"]
    show_template = "enterprise/review_show.html"
    show_columns = [
        "type_label",
        "status_label",
        "name",
        "credit_code",
        "legal_representative",
        "registered_address",
        "detailed_address",
        "contact_name",
        "mobile",
        "email",
        "applicant",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "reject_reason",
    ]
    label_columns = {
        "type_label": _l("Enterprise type"),
        "status_label": _l("Status"),
        "type": _l("Enterprise type"),
        "status": _l("Status"),
        "name": _l("Enterprise name"),
        "credit_code": _l("Unified social credit code"),
        "legal_representative": _l("Legal representative"),
        "registered_address": _l("Registered address"),
        "detailed_address": _l("Detailed address"),
        "contact_name": _l("Contact name"),
        "mobile": _l("Mobile number"),
        "email": _l("E-mail"),
        "applicant": _l("Applicant"),
        "submitted_at": _l("Submitted at"),
        "reviewed_by": _l("Reviewed by"),
        "reviewed_at": _l("Reviewed at"),
        "reject_reason": _l("Reason for rejection"),
    }
    base_order = ("submitted_at", "desc")

    def show_extra(self, pk):
        return {
            "reject_form": RejectForm(),
            "action_form": ActionForm(),
            "view_name": self.__class__.__name__,
        }

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        enterprise = self.datamodel.get(pk, self._base_filters)
        if enterprise is None:
            abort(404)
        widgets = self._get_show_widget(pk, enterprise)
        self.update_redirect()
        return self.render_template(
            self.show_template,
            pk=pk,
            title=self.show_title,
            widgets=widgets,
            related_views=self._related_views,
            enterprise=enterprise,
            pending=enterprise.status == EnterpriseStatus.PENDING,
            **self.show_extra(pk),
        )

    @expose("/approve/<int:pk>", methods=["POST"])
    @has_access
    def approve(self, pk: int):
        if not ActionForm().validate_on_submit():
            abort(400)
        enterprise = approve_application(pk, current_user)
        flash(_("%(name)s has been approved.", name=enterprise.name), "success")
        # The pending queue no longer contains the application, so show it in the full list.
        return redirect(url_for("EnterpriseReviewView.show", pk=pk))

    @expose("/reject/<int:pk>", methods=["POST"])
    @has_access
    def reject(self, pk: int):
        form = RejectForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            enterprise = reject_application(pk, current_user, form.reason.data)
        except DomainError as exc:
            if exc.field != "reason":
                raise
            flash(exc.message, "danger")
            return redirect(url_for(f"{self.__class__.__name__}.show", pk=pk))
        flash(_("%(name)s has been rejected.", name=enterprise.name), "warning")
        return redirect(url_for("EnterpriseReviewView.show", pk=pk))


class PendingApplicationView(EnterpriseReviewView):
    """The review queue: pending applications only, oldest first."""

    route_base = "/admin/enterprises/pending"
    class_permission_name = "EnterpriseReviewView"
    list_title = _l("Pending applications")
    base_filters = [["status", FilterEqual, EnterpriseStatus.PENDING.value]]
    base_order = ("submitted_at", "asc")


def register(app, appbuilder) -> None:
    appbuilder.add_view(
        EnterpriseApplicationView,
        "Apply for an enterprise",
        label=_l("Enterprise application"),
        icon="fa-building",
        category="Enterprise",
        category_label=_l("Enterprise management"),
    )
    appbuilder.add_view(
        PendingApplicationView,
        "Pending applications",
        label=_l("Pending applications"),
        icon="fa-hourglass-half",
        category="Review",
        category_label=_l("Review"),
    )
    appbuilder.add_view(
        EnterpriseReviewView,
        "All applications",
        label=_l("All enterprise applications"),
        icon="fa-list",
        category="Review",
    )
