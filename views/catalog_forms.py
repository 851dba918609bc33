"""WTForms forms of the product, category and enterprise profile screens.

They carry CSRF protection and rendering only; ``app.products`` validates the values.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField


class ProductForm(FlaskForm):
    name = StringField(_l("Product name"))
    product_code = StringField(
        _l("Product code"), description=_l("Optional. A 13- or 14-digit barcode number is checked as a GTIN.")
    )
    category_id = SelectField(_l("Category"), validate_choice=False)
    price = StringField(_l("Price (yuan)"))
    main_image = FileField(_l("Main image"))
    gallery = MultipleFileField(_l("Gallery images"))
    description_html = TextAreaField(
        _l("Product description"),
        description=_l("HTML is allowed; scripts, event handlers and styles are removed when saved."),
    )
    on_shelf = BooleanField(_l("On shelf"))


class CategoryForm(FlaskForm):
    name = StringField(_l("Category name"))
    sort_order = StringField(_l("Order"), description=_l("Smaller numbers are shown first."))
    icon = FileField(_l("Icon"))


class ProfileForm(FlaskForm):
    logo = FileField(_l("Logo"))
    phone = StringField(_l("Phone"))
    address = StringField(_l("Address"))
    profile_html = TextAreaField(
        _l("Enterprise profile"),
        description=_l("HTML is allowed; scripts, event handlers and styles are removed when saved."),
    )
