"""WTForms forms. They carry CSRF protection and rendering; the rules live in ``app``."""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import PasswordField, RadioField, StringField, TextAreaField

from app.errors import DomainError


class RegisterForm(FlaskForm):
    username = StringField(_l("Login name"))
    name = StringField(_l("Nickname"))
    email = StringField(_l("E-mail (optional)"))
    password = PasswordField(_l("Password"))
    confirm_password = PasswordField(_l("Confirm password"))


class ApplicationForm(FlaskForm):
    type = RadioField(
        _l("Enterprise type"),
        choices=[
            ("producer", _l("Producer")),
            ("storage", _l("Storage / logistics")),
            ("distributor", _l("Distributor")),
        ],
        validate_choice=False,  # the domain layer checks the type and explains the error
    )
    name = StringField(_l("Enterprise name"))
    credit_code = StringField(_l("Unified social credit code"))
    legal_representative = StringField(_l("Legal representative"))
    registered_address = StringField(_l("Registered address"))
    detailed_address = StringField(_l("Detailed address"))
    licence = FileField(_l("Business licence"))
    contact_name = StringField(_l("Contact name"))
    mobile = StringField(_l("Mobile number"))
    email = StringField(_l("E-mail"))


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason for rejection"))


class InviteForm(FlaskForm):
    public_id = StringField(_l("User ID"))


class ActionForm(FlaskForm):
    """A form with only the CSRF token, for buttons that post an action."""


def show_domain_error(form: FlaskForm, exc: DomainError) -> None:
    """Show a domain error under its form field, or as a flash message above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")


class FeedbackForm(FlaskForm):
    content = TextAreaField(_l("Your feedback"))
    contact = StringField(_l("Contact (optional)"))
