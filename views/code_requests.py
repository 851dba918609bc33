"""Code request screens: the producer's form and list, the admin's review."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.code_requests import (
    CHARSET_LABELS,
    RETRY_STATES,
    STATUS_LABELS,
    RequestForm,
    approve_request,
    picker_products,
    producer_enterprise_id,
    reject_request,
    request_for,
    retry_request,
    submit_request,
    visible_requests,
)
from app.errors import DomainError
from app.extensions import db
from app.models import Batch
from app.models.codes import RequestStatus
from app.security import ROLE_PRODUCER, is_admin
from views.code_forms import CodeRequestForm
from views.forms import ActionForm, RejectForm, show_domain_error

REQUEST_VIEW = "CodeRequestView"
PERMISSIONS = {
    ROLE_PRODUCER: [
        ("can_list", REQUEST_VIEW),
        ("can_new", REQUEST_VIEW),
        ("can_show", REQUEST_VIEW),
        ("can_products", REQUEST_VIEW),
        ("can_progress", REQUEST_VIEW),
        ("menu_access", "Trace codes"),
        ("menu_access", "Code requests"),
        ("menu_access", "New code request"),
    ]
}


def _template_context() -> dict:
    return {
        "status_labels": STATUS_LABELS,
        "charset_labels": CHARSET_LABELS,
        "retry_states": RETRY_STATES,
        "statuses": RequestStatus,
        "admin": is_admin(),
        "action_form": ActionForm(),
    }


class CodeRequestView(BaseView):
    """Producers submit requests and follow their progress; the admin reviews them."""

    route_base = "/code-requests"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        status = request.args.get("status") or None
        requests = visible_requests(current_user, status)
        running = any(item.status in (RequestStatus.APPROVED, RequestStatus.GENERATING) for item in requests)
        return self.render_template(
            "codes/request_list.html",
            requests=requests,
            status=status,
            running=running,
            **_template_context(),
        )

    @expose("/progress")
    @has_access
    def progress(self):
        """Return status and progress of the listed requests as JSON, for live updates."""
        requests = visible_requests(current_user)
        return jsonify(
            [
                {
                    "id": item.id,
                    "status": item.status.value,
                    "status_label": str(STATUS_LABELS[item.status]),
                    "generated": item.generated_count,
                    "total": item.total_codes,
                }
                for item in requests
            ]
        )

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        enterprise_id = producer_enterprise_id(current_user)
        form = CodeRequestForm()
        status = 200
        if request.method == "POST":
            if not form.validate_on_submit():
                flash(_("The form has expired. Please try again."), "danger")
            else:
                data = RequestForm(
                    product_id=form.product_id.data,
                    batch_count=form.batch_count.data,
                    codes_per_batch=form.codes_per_batch.data,
                    code_length=form.code_length.data,
                    charset=form.charset.data,
                    case_sensitive=form.case_sensitive.data,
                    batch_prefix=form.batch_prefix.data,
                    remarks=form.remarks.data,
                )
                try:
                    code_request = submit_request(current_user, data)
                except DomainError as exc:
                    if exc.status_code == 403:
                        raise
                    show_domain_error(form, exc)
                    status = exc.status_code
                else:
                    flash(
                        _("Code request %(id)s was submitted and is waiting for review.", id=code_request.id),
                        "success",
                    )
                    return redirect(url_for(f"{REQUEST_VIEW}.list"))
        products = picker_products(enterprise_id, request.args.get("q", ""))
        return self.render_template(
            "codes/request_form.html", form=form, products=products, search=request.args.get("q", "")
        ), status

    @expose("/products")
    @has_access
    def products(self):
        """Return the producer's products matching ``q`` as JSON for the picker."""
        enterprise_id = producer_enterprise_id(current_user)
        items = picker_products(enterprise_id, request.args.get("q", ""))
        for item in items:
            item["thumbnail_url"] = (
                url_for("public.media", name=item["thumbnail"]) if item["thumbnail"] else None
            )
        return jsonify(items)

    @expose("/<int:request_id>")
    @has_access
    def show(self, request_id: int):
        code_request = request_for(current_user, request_id)
        batches = db.session.scalars(
            select(Batch).where(Batch.request_id == code_request.id).order_by(Batch.sequence)
        ).all()
        return self.render_template(
            "codes/request_show.html",
            item=code_request,
            batches=batches,
            reject_form=RejectForm(),
            **_template_context(),
        )

    def _review(self, request_id: int, form, action, success: str, category: str = "success"):
        """Run a review step on one request: 403/404 go to the error page, other refusals
        back to the request with their message."""
        if not form.validate_on_submit():
            abort(400)
        try:
            action()
        except DomainError as exc:
            if exc.status_code in (403, 404):
                raise
            flash(exc.message, "danger")
            return redirect(url_for(f"{REQUEST_VIEW}.show", request_id=request_id))
        flash(success, category)
        return redirect(url_for(f"{REQUEST_VIEW}.list"))

    @expose("/<int:request_id>/approve", methods=["POST"])
    @has_access
    def approve(self, request_id: int):
        return self._review(
            request_id,
            ActionForm(),
            lambda: approve_request(request_id, current_user),
            _("Code request %(id)s was approved; its codes are being generated.", id=request_id),
        )

    @expose("/<int:request_id>/reject", methods=["POST"])
    @has_access
    def reject(self, request_id: int):
        form = RejectForm()
        return self._review(
            request_id,
            form,
            lambda: reject_request(request_id, current_user, form.reason.data),
            _("Code request %(id)s was rejected.", id=request_id),
            "warning",
        )

    @expose("/<int:request_id>/retry", methods=["POST"])
    @has_access
    def retry(self, request_id: int):
        return self._review(
            request_id,
            ActionForm(),
            lambda: retry_request(request_id, current_user),
            _("Code request %(id)s was queued for generation again.", id=request_id),
        )


def register(app, appbuilder) -> None:
    appbuilder.add_view(
        CodeRequestView,
        "Code requests",
        label=_l("Code requests"),
        icon="fa-qrcode",
        category="Trace codes",
        category_label=_l("Trace code management"),
    )
    appbuilder.add_link(
        "New code request",
        href="/code-requests/new",
        label=_l("New code request"),
        icon="fa-plus",
        category="Trace codes",
    )
