"""Consumer content: favorites, feedback, query history, the public catalogue and articles.

Each change of state is one function that validates, owns its transaction and raises a
typed error. The H5 views and the admin views call these functions.
"""

from __future__ import annotations

import functools
import logging

import nh3
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, ALLOWED_URL_SCHEMES, sanitize_html
from app.models import Article, Batch, Category, Favorite, Feedback, Product, ScanLog, TraceCode
from app.models.base import utcnow
from app.models.content import ArticleKind
from app.uploads import check_image, delete_upload, store_image

logger = logging.getLogger(__name__)

FEEDBACK_MAX_LENGTH = 2000
CONTACT_MAX_LENGTH = 100
PAGE_SIZE = 20
SEARCH_MAX_LENGTH = 50


# --- public catalogue -------------------------------------------------------------------


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.sort_order, Category.name)))


def catalogue(category_id: int | None = None, search: str | None = None, page: int = 1) -> list[Product]:
    """On-shelf products, newest first, optionally of one category and matching ``search``
    (product name or product code)."""
    query = select(Product).where(Product.on_shelf.is_(True))
    if category_id:
        query = query.where(Product.category_id == category_id)
    search = (search or "").strip()[:SEARCH_MAX_LENGTH]
    if search:
        pattern = f"%{_escape_like(search)}%"
        query = query.where(
            or_(Product.name.ilike(pattern, escape="\\"), Product.product_code.ilike(pattern, escape="\\"))
        )
    query = query.order_by(Product.id.desc()).limit(PAGE_SIZE).offset(max(page - 1, 0) * PAGE_SIZE)
    return list(db.session.scalars(query))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def public_product(product_id: int) -> Product:
    """Return an on-shelf product; an off-shelf or missing one raises ``NotFound``."""
    product = db.session.get(Product, product_id)
    if product is None or not product.on_shelf:
        raise NotFound(_("Product %(id)s does not exist or is no longer on sale.", id=product_id))
    return product


def local_html(html: str | None) -> str:
    """Stored rich text with every image that points at another host removed.

    Rich text is sanitised when it is written but may still name outside images; H5 pages
    load nothing from other hosts (slow or blocked networks), so those images are dropped
    here. Relative links (our own ``/media/...``) stay.
    """
    if not html:
        return ""
    return _local_html(html)


# The result depends on the text alone, and a scan page shows the same enterprise
# profile on every view, so the cleaned text is kept instead of parsed again.
@functools.lru_cache(maxsize=128)
def _local_html(html: str) -> str:

    def keep_local_images(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src" and not (value.startswith("/") and not value.startswith("//")):
            return None
        return value

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=keep_local_images,
    )


# --- favorites --------------------------------------------------------------------------


def is_favorite(user_id: int, product_id: int) -> bool:
    return (
        db.session.scalar(
            select(Favorite.id).where(Favorite.user_id == user_id, Favorite.product_id == product_id)
        )
        is not None
    )


def toggle_favorite(user_id: int, product_id: int) -> bool:
    """Add the product to the user's favorites, or remove it if it is there already.

    Returns True when the product is a favorite afterwards. Raises ``NotFound`` for an
    off-shelf or missing product (removing an existing favorite of one still works).
    """
    existing = db.session.scalar(
        select(Favorite).where(Favorite.user_id == user_id, Favorite.product_id == product_id)
    )
    if existing is not None:
        db.session.delete(existing)
        db.session.commit()
        return False
    public_product(product_id)
    db.session.add(Favorite(user_id=user_id, product_id=product_id))
    try:
        db.session.commit()
    except IntegrityError:
        # A second tap that raced the first one: the favorite exists, which is what was asked.
        db.session.rollback()
    return True


def favorites_of(user_id: int) -> list[Favorite]:
    return list(
        db.session.scalars(
            select(Favorite).where(Favorite.user_id == user_id).order_by(Favorite.created_at.desc())
        )
    )


# --- query history ----------------------------------------------------------------------


def history_of(user_id: int, category_id: int | None = None, limit: int = 50) -> list[tuple]:
    """The user's latest queries: (scan log, code text, product or None), newest first,
    optionally only of products in ``category_id``."""
    query = (
        select(ScanLog, TraceCode.code, Product)
        .join(TraceCode, TraceCode.id == ScanLog.code_id)
        .outerjoin(Batch, Batch.id == TraceCode.batch_id)
        .outerjoin(Product, Product.id == Batch.product_id)
        .where(ScanLog.user_id == user_id)
    )
    if category_id:
        query = query.where(Product.category_id == category_id)
    query = query.order_by(ScanLog.scanned_at.desc(), ScanLog.id.desc()).limit(limit)
    return [tuple(row) for row in db.session.execute(query)]


# --- feedback ---------------------------------------------------------------------------


def submit_feedback(user_id: int, content: str | None, contact: str | None = None) -> Feedback:
    """Store a feedback message of the user. Raises ``ValidationFailed`` when the message
    is empty or too long, or the contact is too long."""
    content = (content or "").strip()
    contact = (contact or "").strip()
    if not content:
        raise ValidationFailed(_("Please write your feedback before sending it."), field="content")
    if len(content) > FEEDBACK_MAX_LENGTH:
        raise ValidationFailed(
            _(
                "The feedback is too long: %(length)d characters, the limit is %(limit)d.",
                length=len(content),
                limit=FEEDBACK_MAX_LENGTH,
            ),
            field="content",
        )
    if len(contact) > CONTACT_MAX_LENGTH:
        raise ValidationFailed(
            _("The contact is too long: the limit is %(limit)d characters.", limit=CONTACT_MAX_LENGTH),
            field="contact",
        )
    feedback = Feedback(user_id=user_id, content=content, contact=contact or None)
    db.session.add(feedback)
    db.session.commit()
    logger.info("feedback %s received from user %s", feedback.id, user_id)
    return feedback


def feedback_of(user_id: int) -> list[Feedback]:
    return list(
        db.session.scalars(
            select(Feedback).where(Feedback.user_id == user_id).order_by(Feedback.created_at.desc())
        )
    )


# --- articles ---------------------------------------------------------------------------


def published_articles(kind: str | None = None) -> list[Article]:
    query = select(Article).where(Article.published.is_(True))
    if kind:
        query = query.where(Article.kind == kind)
    return list(db.session.scalars(query.order_by(Article.published_at.desc(), Article.id.desc()).limit(50)))


def published_article(article_id: int) -> Article:
    article = db.session.get(Article, article_id)
    if article is None or not article.published:
        raise NotFound(_("Article %(id)s does not exist or is not published.", id=article_id))
    return article


def prepare_article(article: Article, cover_upload=None) -> None:
    """Clean an article before the admin view saves it: sanitise the body, store a new
    cover image (replacing the old one), set the publishing time when first published.

    Raises ``ValidationFailed`` for an empty title or a bad image. Does not commit: the
    admin view's save owns the transaction.
    """
    try:
        article.kind = ArticleKind(article.kind)
    except ValueError:
        raise ValidationFailed(
            _("Unknown article type “%(kind)s”: choose news or announcement.", kind=article.kind),
            field="kind",
        ) from None
    article.title = (article.title or "").strip()
    if not article.title:
        raise ValidationFailed(_("Please enter a title for the article."), field="title")
    article.body_html = sanitize_html(article.body_html)
    if cover_upload is not None and getattr(cover_upload, "filename", ""):
        checked = check_image(cover_upload, field="cover")
        old = article.cover_file
        article.cover_file = store_image(checked, "articles")
        delete_upload(old)
    if article.published and article.published_at is None:
        article.published_at = utcnow()
