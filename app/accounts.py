"""Personal accounts: registration of consumers."""

from __future__ import annotations

import logging
import re

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.models import SuyuanUser
from app.security import ROLE_CONSUMER, new_public_id
from app.validators import validate_email_address

logger = logging.getLogger(__name__)

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
MIN_PASSWORD_LENGTH = 8


def validate_new_password(password: str, confirm: str) -> str:
    """Check a new password and its confirmation; return the password."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            _("The password must be at least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
            field="password",
        )
    if password != confirm:
        raise ValidationFailed(_("The two passwords do not match."), field="confirm_password")
    return password


def register_user(
    username: str,
    password: str,
    confirm_password: str,
    name: str = "",
    email: str = "",
    role_name: str = ROLE_CONSUMER,
) -> SuyuanUser:
    """Create an active account with the Consumer role and a fresh public ID.

    Raises ``ValidationFailed`` for a bad username, password or e-mail and ``Conflict``
    when the username or e-mail is taken. Commits.
    """
    username = (username or "").strip()
    if not USERNAME_PATTERN.match(username):
        raise ValidationFailed(
            _("The login name must be 3 to 64 letters, digits, dots, dashes or underscores."),
            field="username",
        )
    validate_new_password(password, confirm_password)
    email = validate_email_address(email) if (email or "").strip() else ""

    if db.session.scalar(select(SuyuanUser.id).where(func.lower(SuyuanUser.username) == username.lower())):
        raise Conflict(_("The login name %(name)s is already taken.", name=username), field="username")
    if email and db.session.scalar(
        select(SuyuanUser.id).where(func.lower(SuyuanUser.email) == email.lower())
    ):
        raise Conflict(_("The e-mail address %(email)s is already registered.", email=email), field="email")

    sm = current_app.appbuilder.sm
    role = sm.find_role(role_name)
    if role is None:
        raise RuntimeError(f"role {role_name!r} is missing: run `flask suyuan init` first")

    public_id = new_public_id()
    user = SuyuanUser(
        username=username,
        first_name=(name or username).strip()[:64],
        last_name="",
        # Flask-AppBuilder requires a unique e-mail; accounts without one get an address
        # under the reserved .invalid domain, which can never receive mail.
        email=email or f"{public_id}@users.suyuan.invalid",
        password=generate_password_hash(password),
        active=True,
        public_id=public_id,
        roles=[role],
    )
    db.session.add(user)
    db.session.commit()
    logger.info("user %s registered with public id %s", user.id, public_id)
    return user
