"""Forms of the code request and batch screens; the rules live in ``app``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from app.code_requests import CHARSET_LABELS
from app.code_rules import MAX_CODE_LENGTH, MIN_CODE_LENGTH


class CodeRequestForm(FlaskForm):
    # Text fields, not IntegerField: the domain layer parses them and explains errors.
    product_id = StringField(_l("Product"))
    batch_count = StringField(_l("Number of batches"), default="1")
    codes_per_batch = StringField(_l("Codes per batch"), default="1000")
    code_length = StringField(
        _l("Code length"),
        default="12",
        description=_l("Between %(low)d and %(high)d characters.", low=MIN_CODE_LENGTH, high=MAX_CODE_LENGTH),
    )
    charset = SelectField(
        _l("Character rule"),
        choices=[(charset.value, label) for charset, label in CHARSET_LABELS.items()],
        validate_choice=False,
    )
    case_sensitive = BooleanField(_l("Case sensitive"))
    batch_prefix = StringField(_l("Batch prefix"))
    remarks = TextAreaField(_l("Remarks"))


class BatchForm(FlaskForm):
    # The date picker sends YYYY-MM-DD; the domain layer parses and explains errors.
    production_date = StringField(_l("Production date"))
    production_team = StringField(_l("Production team"))
    description = TextAreaField(_l("Description"))
