"""The public H5 pages: the scan result page (/t/<code>), home with the scan entry,
catalogue, product detail, news, and the "me" sub-pages (history, favorites, feedback).

Thin by design: every rule lives in ``app.scans`` and ``app.content``.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.content import (
    catalogue,
    categories,
    favorites_of,
    feedback_of,
    history_of,
    is_favorite,
    local_html,
    public_product,
    published_article,
    published_articles,
    submit_feedback,
    toggle_favorite,
)
from app.errors import DomainError, NotFound
from app.extensions import limiter
from app.lookup import normalize_code_input
from app.scans import scan_code
from app.security import current_enterprise
from views.forms import ActionForm, FeedbackForm, show_domain_error

logger = logging.getLogger(__name__)

bp = Blueprint("h5", __name__)

PERMISSIONS: dict[str, list[tuple[str, str]]] = {}

# Scans of the page and of the JSON API share one per-IP budget.
# NOTE: the IP is request.remote_addr. Behind a reverse proxy that is the proxy's address
# unless werkzeug's ProxyFix is configured, and then every client shares one budget.
scan_rate_limit = limiter.shared_limit(lambda: current_app.config["SCAN_RATE_LIMIT"], scope="scan")
feedback_rate_limit = limiter.limit(
    lambda: current_app.config["FEEDBACK_RATE_LIMIT"], methods=["POST"], scope="feedback"
)


def register(app, appbuilder) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(local_html, "local_html")


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _no_store(response):
    """Mark ``response`` as not cacheable, because every view of a scan page counts one query."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/t/<code>")
@scan_rate_limit
def trace(code: str):
    """Show the scan result page, counting one query per view."""
    # Staff coming back from an action they took on this page are not a new query.
    returning_staff = request.args.get("after") == "action" and current_enterprise() is not None
    try:
        result = scan_code(
            code,
            user_id=_user_id(),
            remote_addr=request.remote_addr,
            user_agent=request.user_agent.string,
            count_query=not returning_staff,
        )
    except NotFound as exc:
        page = render_template(
            "h5/trace_unknown.html", message=exc.message, code=normalize_code_input(code) or code[:32]
        )
        return _no_store(current_app.make_response((page, 404)))
    page = render_template(
        "h5/trace.html",
        result=result,
        trace_code=result.code,
        threshold=current_app.config["SCAN_WARNING_THRESHOLD"],
    )
    return _no_store(current_app.make_response(page))


@bp.get("/h5/")
def home():
    return render_template("h5/home.html", news=published_articles()[:5])


@bp.get("/h5/scan")
def scan_entry():
    """Open the scan page for the code or pasted label URL typed on the home page."""
    code = normalize_code_input(request.args.get("code"))
    if not code:
        typed = (request.args.get("code") or "").strip()[:60]
        message = _(
            "“%(value)s” is not a trace code. Enter the code printed under the QR code, or paste its link.",
            value=typed,
        )
        flash(message, "danger")
        return render_template("h5/home.html", news=published_articles()[:5]), 400
    return redirect(url_for("h5.trace", code=code))


@bp.get("/h5/products")
def products():
    category_id = request.args.get("category", type=int)
    search = request.args.get("q", "")
    return render_template(
        "h5/catalogue.html",
        categories=categories(),
        products=catalogue(category_id, search),
        category_id=category_id,
        search=search,
    )


@bp.get("/h5/products/<int:product_id>")
def product(product_id: int):
    item = public_product(product_id)
    favorite = current_user.is_authenticated and is_favorite(current_user.id, item.id)
    return render_template("h5/product.html", product=item, favorite=favorite, action_form=ActionForm())


@bp.post("/h5/products/<int:product_id>/favorite")
@login_required
def favorite(product_id: int):
    if not ActionForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "danger")
        return redirect(url_for("h5.product", product_id=product_id))
    added = toggle_favorite(current_user.id, product_id)
    flash(_("Added to your favorites.") if added else _("Removed from your favorites."), "success")
    target = request.form.get("next")
    if target == "favorites":
        return redirect(url_for("h5.my_favorites"))
    return redirect(url_for("h5.product", product_id=product_id))


@bp.get("/h5/news")
def news():
    kind = request.args.get("kind")
    kind = kind if kind in ("news", "announcement") else None
    return render_template("h5/news.html", articles=published_articles(kind), kind=kind)


@bp.get("/h5/news/<int:article_id>")
def article(article_id: int):
    return render_template("h5/article.html", article=published_article(article_id))


@bp.get("/me/history")
@login_required
def my_history():
    category_id = request.args.get("category", type=int)
    return render_template(
        "h5/history.html",
        rows=history_of(current_user.id, category_id),
        categories=categories(),
        category_id=category_id,
    )


@bp.get("/me/favorites")
@login_required
def my_favorites():
    return render_template(
        "h5/favorites.html", favorites=favorites_of(current_user.id), action_form=ActionForm()
    )


@bp.route("/me/feedback", methods=["GET", "POST"])
@login_required
@feedback_rate_limit
def my_feedback():
    form = FeedbackForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                submit_feedback(current_user.id, form.content.data, form.contact.data)
            except DomainError as exc:
                show_domain_error(form, exc)
                status = exc.status_code
            else:
                flash(_("Thank you. Your feedback was sent to the platform."), "success")
                return redirect(url_for("h5.my_feedback"))
        else:
            flash(_("The form has expired. Please try again."), "danger")
            status = 400
    return render_template(
        "h5/feedback.html",
        form=form,
        sent=feedback_of(current_user.id),
        phone=current_app.config["CONTACT_PHONE"],
    ), status
