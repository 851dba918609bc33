"""Products of producer enterprises, the admin's categories and the enterprise profile.

The owner and staff of a producer publish, edit, shelve and delete their enterprise's
products. The platform admin may edit, shelve and delete any product but publishes
none, because every product belongs to a producer. Another enterprise's product is
reported as not found, so ids cannot be probed. Every function validates all input
before it changes anything and owns one transaction.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.extensions import db
from app.html import sanitize_html
from app.images import delete_image_with_thumbnail, make_thumbnail, thumbnail_name
from app.models import (
    Batch,
    Category,
    CodeRequest,
    Enterprise,
    Favorite,
    Product,
    ProductImage,
    SuyuanUser,
)
from app.models.enterprise import EnterpriseStatus, EnterpriseType
from app.security import is_admin, membership_of
from app.uploads import CheckedImage, check_image, delete_upload, store_image
from app.validators import require_text

logger = logging.getLogger(__name__)

MAX_GALLERY_IMAGES = 9
MAX_RICH_TEXT = 100_000
MAX_PRICE = Decimal("9999999999.99")  # the column is NUMERIC(12, 2)
PRODUCT_CODE_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
GTIN_LENGTHS = (13, 14)


# ---------------------------------------------------------------- validators


def gtin_check_digit(body: str) -> str:
    """Return the GS1 check digit of a GTIN without its last digit.

    From the right, digits are weighted 3, 1, 3, ...; the check digit brings the sum
    up to a multiple of ten.
    """
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def validate_product_code(raw: str | None) -> str | None:
    """Validate an optional product code (商品编码).

    A code of 13 or 14 digits is a GTIN (EAN-13 / GTIN-14) and must carry the right
    check digit. Other codes may use letters, digits, ``.``, ``_`` and ``-``.
    """
    code = (raw or "").strip()
    if not code:
        return None
    if not PRODUCT_CODE_PATTERN.match(code):
        raise ValidationFailed(
            _(
                "The product code %(code)s is invalid: use up to 32 letters, digits, dots, "
                "dashes or underscores.",
                code=code,
            ),
            field="product_code",
        )
    if code.isdigit() and len(code) in GTIN_LENGTHS:
        expected = gtin_check_digit(code[:-1])
        if code[-1] != expected:
            raise ValidationFailed(
                _(
                    "The product code %(code)s is not a valid GTIN: the check digit should be "
                    "%(expected)s, not %(actual)s. Please copy the barcode number again.",
                    code=code,
                    expected=expected,
                    actual=code[-1],
                ),
                field="product_code",
            )
    return code


def parse_price(raw) -> Decimal:
    """Parse a price in yuan: a non-negative number with at most two decimals."""
    if raw is None or isinstance(raw, bool) or (isinstance(raw, str) and not raw.strip()):
        raise ValidationFailed(_("Please enter the price in yuan, e.g. 12.50."), field="price")
    text = str(raw).strip()
    try:
        price = Decimal(text)
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite():
        raise ValidationFailed(
            _("The price %(value)s is not a number. Enter an amount in yuan, e.g. 12.50.", value=text),
            field="price",
        )
    if price < 0:
        raise ValidationFailed(
            _("The price %(value)s is negative. Enter 0 or more yuan.", value=text), field="price"
        )
    # The range comes first: quantize() raises InvalidOperation on huge exponents (1e30).
    if price > MAX_PRICE:
        raise ValidationFailed(
            _("The price %(value)s is too large: the limit is %(limit)s yuan.", value=text, limit=MAX_PRICE),
            field="price",
        )
    if price != price.quantize(Decimal("0.01")):
        raise ValidationFailed(
            _("The price %(value)s has more than two decimals (fen).", value=text), field="price"
        )
    return price.quantize(Decimal("0.01"))


def clean_rich_text(raw: str | None, field: str) -> str:
    """Sanitise rich text (no scripts, event handlers or ``javascript:`` URLs)."""
    if raw and len(raw) > MAX_RICH_TEXT:
        raise ValidationFailed(
            _("The text is too long: the limit is %(limit)d characters.", limit=MAX_RICH_TEXT), field=field
        )
    return sanitize_html(raw)


def _optional_text(raw: str | None, label: str, field: str, max_length: int) -> str | None:
    value = (raw or "").strip()
    if not value:
        return None
    return require_text(value, label, field, max_length)


def _has_upload(upload) -> bool:
    return upload is not None and bool(getattr(upload, "filename", ""))


# ---------------------------------------------------------------- who acts


def producer_enterprise_of(user: SuyuanUser) -> Enterprise | None:
    """Return the approved producer enterprise that ``user`` belongs to, or None."""
    member = membership_of(user.id)
    if member is None:
        return None
    enterprise = member.enterprise
    if enterprise.status != EnterpriseStatus.APPROVED or enterprise.type != EnterpriseType.PRODUCER:
        return None
    return enterprise


def _product_manager_scope(user: SuyuanUser) -> int | None:
    """Return the enterprise id whose products ``user`` manages, or None for the admin.

    Raises ``PermissionDenied`` for users who manage no products.
    """
    if is_admin(user):
        return None
    enterprise = producer_enterprise_of(user)
    if enterprise is None:
        raise PermissionDenied(_("Only producer enterprises manage products."))
    return enterprise.id


def get_product(user: SuyuanUser, product_id) -> Product:
    """Return a product the user may manage; another enterprise's product is not found."""
    scope = _product_manager_scope(user)
    product = db.session.get(Product, _as_id(product_id))
    if product is None or (scope is not None and product.enterprise_id != scope):
        raise NotFound(_("Product %(id)s was not found.", id=product_id))
    return product


def _as_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _products_for_change(user: SuyuanUser, product_ids: Iterable) -> list[Product]:
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        raise ValidationFailed(_("Please select at least one product."))
    return [get_product(user, product_id) for product_id in ids]


# ---------------------------------------------------------------- products


@dataclass
class ProductData:
    """The fields of a product as typed in the form or sent to the API."""

    name: str
    price: object
    product_code: str | None = None
    category_id: object = None
    description_html: str | None = None
    on_shelf: bool = False


def _clean_product(data: ProductData) -> dict:
    if not isinstance(data.on_shelf, bool):
        raise ValidationFailed(_("The shelf status must be true or false."), field="on_shelf")
    return {
        "name": require_text(_as_text(data.name), _("Product name"), "name", 200),
        "product_code": validate_product_code(_as_text(data.product_code)),
        "price": parse_price(data.price),
        "category_id": _clean_category_id(data.category_id),
        "description_html": clean_rich_text(_as_text(data.description_html), "description_html"),
        "on_shelf": data.on_shelf,
    }


def _as_text(value) -> str | None:
    """Return API values such as numbers as text; the validators expect strings."""
    return None if value is None else str(value)


def _clean_category_id(raw) -> int | None:
    if raw in (None, "", "__None"):
        return None
    category_id = _as_id(raw)
    if db.session.get(Category, category_id) is None:
        raise ValidationFailed(_("Category %(id)s does not exist.", id=raw), field="category_id")
    return category_id


def _check_gallery(uploads: Sequence, existing: int) -> list[CheckedImage]:
    uploads = [upload for upload in uploads if _has_upload(upload)]
    if existing + len(uploads) > MAX_GALLERY_IMAGES:
        raise ValidationFailed(
            _("A product can have at most %(limit)d gallery images.", limit=MAX_GALLERY_IMAGES),
            field="gallery",
        )
    return [check_image(upload, field="gallery") for upload in uploads]


class _StoredFiles:
    """Images written during one change, removed again if the transaction fails."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def store(self, checked: CheckedImage, folder: str, thumbnail: bool = True) -> str:
        name = store_image(checked, folder)
        self.names.append(name)
        if thumbnail:
            make_thumbnail(name)
        return name

    def discard(self) -> None:
        for name in self.names:
            delete_image_with_thumbnail(name)


def _commit(stored: _StoredFiles) -> None:
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        stored.discard()
        raise


def create_product(user: SuyuanUser, data: ProductData, main_image=None, gallery: Sequence = ()) -> Product:
    """Publish a product (发布商品) for the user's producer enterprise.

    Raises ``PermissionDenied`` for anyone but producer owners and staff (the admin
    included: a product always belongs to a producer), ``ValidationFailed`` for bad
    fields or images. Nothing is stored unless everything is valid.
    """
    scope = _product_manager_scope(user)
    if scope is None:
        raise PermissionDenied(_("Products are published by producer enterprises, not by administrators."))
    values = _clean_product(data)
    checked_main = check_image(main_image, field="main_image") if _has_upload(main_image) else None
    checked_gallery = _check_gallery(gallery, existing=0)

    product = Product(enterprise_id=scope, **values)
    stored = _StoredFiles()
    try:
        if checked_main is not None:
            product.main_image = stored.store(checked_main, "products")
        _add_gallery(product, checked_gallery, stored)
        db.session.add(product)
    except Exception:
        db.session.rollback()
        stored.discard()
        raise
    _commit(stored)
    logger.info("product %s created by user %s for enterprise %s", product.id, user.id, scope)
    return product


def _add_gallery(product: Product, checked: list[CheckedImage], stored: _StoredFiles) -> None:
    order = max((image.sort_order for image in product.images), default=0)
    for offset, image in enumerate(checked, start=1):
        name = stored.store(image, "products")
        product.images.append(
            ProductImage(file=name, thumbnail_file=thumbnail_name(name), sort_order=order + offset)
        )


def update_product(
    user: SuyuanUser,
    product_id,
    data: ProductData,
    main_image=None,
    gallery: Sequence = (),
    remove_image_ids: Iterable = (),
) -> Product:
    """Change a product's fields; optionally replace the main image, add gallery images
    and remove gallery images by id.

    Raises ``NotFound`` for a product outside the user's enterprise, ``ValidationFailed``
    for bad input; nothing changes then.
    """
    product = get_product(user, product_id)
    values = _clean_product(data)
    remove_ids = {_as_id(image_id) for image_id in remove_image_ids}
    removed = [image for image in product.images if image.id in remove_ids]
    checked_main = check_image(main_image, field="main_image") if _has_upload(main_image) else None
    checked_gallery = _check_gallery(gallery, existing=len(product.images) - len(removed))

    old_main = product.main_image if checked_main is not None else None
    stored = _StoredFiles()
    try:
        for key, value in values.items():
            setattr(product, key, value)
        if checked_main is not None:
            product.main_image = stored.store(checked_main, "products")
        for image in removed:
            product.images.remove(image)
        _add_gallery(product, checked_gallery, stored)
    except Exception:
        db.session.rollback()
        stored.discard()
        raise
    _commit(stored)

    delete_image_with_thumbnail(old_main)
    for image in removed:
        delete_image_with_thumbnail(image.file)
    logger.info("product %s updated by user %s", product.id, user.id)
    return product


def products_with_codes(product_ids: Sequence[int]) -> set[int]:
    """Return the ids among ``product_ids`` that have batches (and so codes) or code requests."""
    if not product_ids:
        return set()
    with_batches = db.session.scalars(select(Batch.product_id).where(Batch.product_id.in_(product_ids)))
    with_requests = db.session.scalars(
        select(CodeRequest.product_id).where(CodeRequest.product_id.in_(product_ids))
    )
    return set(with_batches) | set(with_requests)


def delete_products(user: SuyuanUser, product_ids: Iterable) -> int:
    """Delete products with their images and favorites; all of them or none.

    Raises ``NotFound`` when one is outside the user's enterprise and ``Conflict`` when
    one already has trace codes or a code request (codes must keep scanning, so such a
    product can only be taken off shelf). Returns the number deleted.
    """
    products = _products_for_change(user, product_ids)
    blocked = products_with_codes([product.id for product in products])
    if blocked:
        names = ", ".join(product.name for product in products if product.id in blocked)
        raise Conflict(
            _(
                "%(names)s cannot be deleted because trace codes have been requested or issued "
                "for it. Take it off shelf instead: it leaves the catalogue and its codes still scan.",
                names=names,
            )
        )

    files = [product.main_image for product in products]
    files += [image.file for product in products for image in product.images]
    # Consumers' favorites of a deleted product would point at nothing.
    db.session.execute(delete(Favorite).where(Favorite.product_id.in_([product.id for product in products])))
    for product in products:
        db.session.delete(product)
    try:
        db.session.commit()
    except IntegrityError:
        # A code request may have been created for one of them in the meantime.
        db.session.rollback()
        raise Conflict(
            _(
                "The products could not be deleted because codes now refer to them. "
                "Take them off shelf instead."
            )
        ) from None
    for name in files:
        delete_image_with_thumbnail(name)
    logger.info("products %s deleted by user %s", [product.id for product in products], user.id)
    return len(products)


def set_on_shelf(user: SuyuanUser, product_ids: Iterable, on_shelf: bool) -> int:
    """Put products on shelf (上架) or take them off shelf (下架); returns the number changed.

    Off-shelf products leave the public catalogue but their codes still scan.
    """
    products = _products_for_change(user, product_ids)
    for product in products:
        product.on_shelf = on_shelf
    db.session.commit()
    logger.info(
        "products %s put %s shelf by user %s",
        [product.id for product in products],
        "on" if on_shelf else "off",
        user.id,
    )
    return len(products)


def code_statistics(product_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Return {product id: (code count, batch count)} for the given products."""
    if not product_ids:
        return {}
    rows = db.session.execute(
        select(Batch.product_id, func.coalesce(func.sum(Batch.code_count), 0), func.count(Batch.id))
        .where(Batch.product_id.in_(product_ids))
        .group_by(Batch.product_id)
    )
    return {product_id: (int(codes), int(batches)) for product_id, codes, batches in rows}


# ---------------------------------------------------------------- categories


def _require_admin(user: SuyuanUser) -> None:
    if not is_admin(user):
        raise PermissionDenied(_("Only platform administrators manage categories."))


def _clean_category(name: str, sort_order) -> tuple[str, int]:
    name = require_text(name, _("Category name"), "name", 64)
    try:
        order = int(str(sort_order).strip() or 0) if sort_order is not None else 0
    except ValueError:
        raise ValidationFailed(
            _("The order %(value)s is not a whole number.", value=sort_order), field="sort_order"
        ) from None
    return name, order


def _category_name_taken(name: str, category_id: int | None) -> bool:
    query = select(Category.id).where(Category.name == name)
    if category_id is not None:
        query = query.where(Category.id != category_id)
    return db.session.scalar(query) is not None


def save_category(user: SuyuanUser, category_id, name: str, sort_order, icon=None) -> Category:
    """Create a category (``category_id`` None) or change one, with an optional icon image.

    Raises ``PermissionDenied`` for non-admins, ``NotFound``, ``Conflict`` for a name in
    use, ``ValidationFailed`` for bad input.
    """
    _require_admin(user)
    category = None
    if category_id is not None:
        category = db.session.get(Category, _as_id(category_id))
        if category is None:
            raise NotFound(_("Category %(id)s was not found.", id=category_id))
    name, order = _clean_category(name, sort_order)
    if _category_name_taken(name, category.id if category else None):
        raise Conflict(_("A category named %(name)s already exists.", name=name), field="name")
    checked_icon = check_image(icon, field="icon") if _has_upload(icon) else None

    category = category or Category()
    old_icon = category.icon_file if checked_icon is not None else None
    category.name = name
    category.sort_order = order
    stored = _StoredFiles()
    if checked_icon is not None:
        category.icon_file = stored.store(checked_icon, "categories", thumbnail=False)
    db.session.add(category)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        stored.discard()
        raise Conflict(_("A category named %(name)s already exists.", name=name), field="name") from None
    delete_upload(old_icon)
    logger.info("category %s saved by admin %s", category.id, user.id)
    return category


def delete_category(user: SuyuanUser, category_id) -> None:
    """Delete a category that no product uses; ``Conflict`` otherwise."""
    _require_admin(user)
    category = db.session.get(Category, _as_id(category_id))
    if category is None:
        raise NotFound(_("Category %(id)s was not found.", id=category_id))
    used = db.session.scalar(select(func.count(Product.id)).where(Product.category_id == category.id))
    if used:
        raise Conflict(
            _(
                "The category %(name)s is used by %(count)d products. Move them to another category first.",
                name=category.name,
                count=used,
            )
        )
    icon = category.icon_file
    db.session.delete(category)
    db.session.commit()
    delete_upload(icon)
    logger.info("category %s deleted by admin %s", category_id, user.id)


# ---------------------------------------------------------------- enterprise profile


@dataclass
class ProfileData:
    """The public profile (图文) of an enterprise."""

    profile_html: str | None
    phone: str | None
    address: str | None


PHONE_PATTERN = re.compile(r"^[0-9+\-() ]{3,32}$")


def _clean_profile(data: ProfileData) -> dict:
    phone = (data.phone or "").strip() or None
    if phone is not None and not PHONE_PATTERN.match(phone):
        raise ValidationFailed(
            _(
                "The phone number %(phone)s is invalid: use digits, spaces, +, - and brackets only.",
                phone=phone,
            ),
            field="phone",
        )
    return {
        "profile_html": clean_rich_text(data.profile_html, "profile_html"),
        "phone": phone,
        "address": _optional_text(data.address, _("Address"), "address", 255),
    }


def profile_enterprise_of(user: SuyuanUser) -> Enterprise:
    """Return the approved enterprise whose profile ``user`` (owner or staff) edits."""
    member = membership_of(user.id)
    if member is None or member.enterprise.status != EnterpriseStatus.APPROVED:
        raise PermissionDenied(_("Only members of an approved enterprise can edit its profile."))
    return member.enterprise


def update_profile(user: SuyuanUser, data: ProfileData, logo=None) -> Enterprise:
    """Save the enterprise profile of the user's enterprise, with an optional new logo."""
    enterprise = profile_enterprise_of(user)
    values = _clean_profile(data)
    checked_logo = check_image(logo, field="logo") if _has_upload(logo) else None

    old_logo = enterprise.logo_file if checked_logo is not None else None
    for key, value in values.items():
        setattr(enterprise, key, value)
    stored = _StoredFiles()
    if checked_logo is not None:
        enterprise.logo_file = stored.store(checked_logo, "logos")
    _commit(stored)
    delete_image_with_thumbnail(old_logo)
    logger.info("profile of enterprise %s updated by user %s", enterprise.id, user.id)
    return enterprise
