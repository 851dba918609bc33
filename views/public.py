"""The public blueprint: health check, public images, registration and the user's own page."""

from __future__ import annotations

import logging
import os

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from kombu import Connection
from sqlalchemy import text

from app.accounts import register_user
from app.enterprises import application_of
from app.errors import DomainError
from app.extensions import db
from app.security import ensure_public_id, membership_of
from app.staff import accept_invitation, decline_invitation, pending_invitations_for
from app.uploads import upload_path
from views.forms import ActionForm, RegisterForm, show_domain_error

logger = logging.getLogger(__name__)

bp = Blueprint("public", __name__)

PERMISSIONS: dict[str, list[tuple[str, str]]] = {}


def register(app, appbuilder) -> None:
    app.register_blueprint(bp)


@bp.get("/health")
def health():
    """Report whether the database and the Celery broker are usable (200) or not (503)."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(value == "ok" for value in checks.values())
    return jsonify({"status": "ok" if healthy else "error", **checks}), 200 if healthy else 503


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # any driver error means "not usable"
        db.session.rollback()
        logger.warning("health check: database unavailable: %s", exc)
        return f"error: {type(exc).__name__}"


def _check_broker() -> str:
    url = current_app.config["CELERY_BROKER_URL"]
    try:
        with Connection(url, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as exc:  # kombu raises transport-specific errors
        logger.warning("health check: broker unavailable: %s", exc)
        return f"error: {type(exc).__name__}"


# Upload folders whose files anyone may see; business licences are served by their own
# view, to admins and the applicant only.
PUBLIC_MEDIA_FOLDERS = ("products", "categories", "articles", "logos", "profiles")


@bp.get("/media/<path:name>")
def media(name: str):
    """Serve a public upload (product, category, article and enterprise images)."""
    try:
        path = upload_path(name)
    except ValueError:
        abort(404)
    # The folder is judged after resolving the path, so "products/../licences" is refused.
    relative = os.path.relpath(path, os.path.realpath(current_app.config["UPLOAD_DIR"]))
    if relative.split(os.sep, 1)[0] not in PUBLIC_MEDIA_FOLDERS or not os.path.isfile(path):
        abort(404)
    response = send_file(path, max_age=7 * 24 * 3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/register", methods=["GET", "POST"])
def register_account():
    """Self-registration for consumers."""
    if current_user.is_authenticated:
        return redirect(url_for("public.me"))
    form = RegisterForm()
    if form.is_submitted() and not form.validate():
        flash(_("The form has expired. Please try again."), "danger")
    elif form.is_submitted():
        try:
            user = register_user(
                form.username.data,
                form.password.data,
                form.confirm_password.data,
                name=form.name.data,
                email=form.email.data,
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            login_user(user)
            flash(_("Welcome! Your account has been created."), "success")
            return redirect(url_for("public.me"))
    return render_template("h5/register.html", form=form)


@bp.get("/me")
@login_required
def me():
    """Show the user's own page: public ID, enterprise and pending invitations."""
    ensure_public_id(current_user)
    return render_template(
        "h5/me.html",
        member=membership_of(current_user.id),
        application=application_of(current_user),
        invitations=pending_invitations_for(current_user),
        action_form=ActionForm(),
    )


@bp.post("/me/invitations/<int:invitation_id>/accept")
@login_required
def accept(invitation_id: int):
    return _answer_invitation(accept_invitation, invitation_id, _("You have joined the enterprise."))


@bp.post("/me/invitations/<int:invitation_id>/decline")
@login_required
def decline(invitation_id: int):
    return _answer_invitation(decline_invitation, invitation_id, _("The invitation was declined."))


def _answer_invitation(action, invitation_id: int, success: str):
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "danger")
        return redirect(url_for("public.me"))
    try:
        action(current_user, invitation_id)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        flash(exc.message, "danger")
        return redirect(url_for("public.me"))
    flash(success, "success")
    return redirect(url_for("public.me"))
