"""Batch screens: list per product, edit, delete, label exports and their downloads."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.batches import batch_for, delete_batch, deletion_blocker, update_batch
from app.errors import Conflict, DomainError
from app.exports import (
    direct_export_limit,
    export_filename,
    export_job_for,
    exports_of_batch,
    parse_format,
    require_export_file,
    start_export,
)
from app.extensions import db
from app.labels import export_content_type, write_labels
from app.models import Batch, Product
from app.models.codes import ExportFormat
from app.security import ROLE_PRODUCER, current_enterprise_id, is_admin
from views.code_forms import BatchForm
from views.forms import ActionForm, show_domain_error

BATCH_VIEW = "BatchView"
PERMISSIONS = {
    ROLE_PRODUCER: [
        ("can_list", BATCH_VIEW),
        ("can_show", BATCH_VIEW),
        ("can_edit", BATCH_VIEW),
        ("can_delete", BATCH_VIEW),
        ("can_labels", BATCH_VIEW),
        ("can_download", BATCH_VIEW),
        ("menu_access", "Trace codes"),
        ("menu_access", "Batches"),
    ]
}


class BatchView(BaseView):
    """The producer's own batches, or every enterprise's batches for the admin."""

    route_base = "/batches"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        product_id = request.args.get("product_id", type=int)
        query = select(Batch).order_by(Batch.id.desc()).limit(500)
        products = select(Product).order_by(Product.name)
        if not is_admin():
            query = query.where(Batch.enterprise_id == current_enterprise_id())
            products = products.where(Product.enterprise_id == current_enterprise_id())
        if product_id:
            query = query.where(Batch.product_id == product_id)
        return self.render_template(
            "codes/batch_list.html",
            batches=db.session.scalars(query).all(),
            products=db.session.scalars(products.limit(500)).all(),
            product_id=product_id,
            action_form=ActionForm(),
        )

    @expose("/<int:batch_id>")
    @has_access
    def show(self, batch_id: int):
        batch = batch_for(current_user, batch_id)
        return self.render_template(
            "codes/batch_show.html",
            batch=batch,
            exports=exports_of_batch(batch.id),
            formats=list(ExportFormat),
            direct_limit=direct_export_limit(),
            deletion_blocker=deletion_blocker(batch),
            action_form=ActionForm(),
        )

    @expose("/<int:batch_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, batch_id: int):
        batch = batch_for(current_user, batch_id)
        form = BatchForm(obj=batch if request.method == "GET" else None)
        if request.method == "GET" and batch.production_date:
            form.production_date.data = batch.production_date.isoformat()
        status = 200
        if request.method == "POST":
            if not form.validate_on_submit():
                flash(_("The form has expired. Please try again."), "danger")
            else:
                try:
                    update_batch(
                        current_user,
                        batch_id,
                        form.production_date.data,
                        form.production_team.data,
                        form.description.data,
                    )
                except DomainError as exc:
                    if exc.status_code in (403, 404):
                        raise
                    show_domain_error(form, exc)
                    status = exc.status_code
                else:
                    flash(_("Batch %(number)s was saved.", number=batch.batch_number), "success")
                    return redirect(url_for(f"{BATCH_VIEW}.show", batch_id=batch_id))
        return self.render_template("codes/batch_edit.html", batch=batch, form=form), status

    @expose("/<int:batch_id>/delete", methods=["POST"])
    @has_access
    def delete(self, batch_id: int):
        if not ActionForm().validate_on_submit():
            abort(400)
        try:
            number = delete_batch(current_user, batch_id)
        except Conflict as exc:
            flash(exc.message, "danger")
            return redirect(url_for(f"{BATCH_VIEW}.show", batch_id=batch_id))
        flash(_("Batch %(number)s and its codes were deleted.", number=number), "success")
        return redirect(url_for(f"{BATCH_VIEW}.list"))

    @expose("/<int:batch_id>/labels/<label_format>", methods=["POST"])
    @has_access
    def labels(self, batch_id: int, label_format: str):
        """Export labels: inside the request for small batches, as a background job otherwise."""
        if not ActionForm().validate_on_submit():
            abort(400)
        batch = batch_for(current_user, batch_id)
        export_format = parse_format(label_format)
        if batch.complete and batch.code_count <= direct_export_limit():
            buffer = io.BytesIO()
            write_labels(batch, export_format, buffer)
            buffer.seek(0)
            return send_file(
                buffer,
                mimetype=export_content_type(batch, export_format),
                as_attachment=True,
                download_name=export_filename(batch, export_format),
            )
        start_export(current_user, batch, export_format)
        flash(
            _("The export was started. The download link appears below when it is ready."),
            "info",
        )
        return redirect(url_for(f"{BATCH_VIEW}.show", batch_id=batch_id))

    @expose("/exports/<int:job_id>/download")
    @has_access
    def download(self, job_id: int):
        job = export_job_for(current_user, job_id)
        path = require_export_file(job)
        return send_file(
            path,
            mimetype=export_content_type(job.batch, job.format),
            as_attachment=True,
            download_name=export_filename(job.batch, job.format),
        )


def register(app, appbuilder) -> None:
    appbuilder.add_view(
        BatchView,
        "Batches",
        label=_l("Batch management"),
        icon="fa-cubes",
        category="Trace codes",
        category_label=_l("Trace code management"),
    )
