"""Security manager, roles as code and the row-level filter.

Roles and their permissions are defined by the ``PERMISSIONS`` tables of the view
modules and written to the database by ``flask suyuan init`` (``sync_roles``), never by
a web worker at start-up.
"""

from __future__ import annotations

import logging
import secrets

from flask import g
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import AuthDBView as FabAuthDBView
from flask_jwt_extended import get_current_user as get_jwt_user
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import EnterpriseMember, SuyuanUser
from app.models.enterprise import Enterprise, EnterpriseStatus, EnterpriseType

logger = logging.getLogger(__name__)

ROLE_ADMIN = "Admin"
ROLE_PRODUCER = "Producer"
ROLE_STORAGE = "Storage"
ROLE_DISTRIBUTOR = "Distributor"
ROLE_CONSUMER = "Consumer"
ROLE_PUBLIC = "Public"

ENTERPRISE_ROLES = {
    EnterpriseType.PRODUCER: ROLE_PRODUCER,
    EnterpriseType.STORAGE: ROLE_STORAGE,
    EnterpriseType.DISTRIBUTOR: ROLE_DISTRIBUTOR,
}
ALL_ROLES = (ROLE_ADMIN, ROLE_PRODUCER, ROLE_STORAGE, ROLE_DISTRIBUTOR, ROLE_CONSUMER)

PUBLIC_ID_DIGITS = 8


class AuthDBView(FabAuthDBView):
    """FAB's login form, with links to registration and the scan entry below it.

    It keeps FAB's class name, which is the endpoint prefix (``AuthDBView.login``) and the
    permission view name that templates and roles use.
    """

    login_template = "security/login.html"


class SuyuanSecurityManager(SecurityManager):
    """Flask-AppBuilder's manager with our user model and login page."""

    user_model = SuyuanUser
    authdbview = AuthDBView


def new_public_id() -> str:
    """Return an unused public user ID: random digits with no leading zero."""
    for _ in range(20):
        candidate = str(secrets.randbelow(9 * 10 ** (PUBLIC_ID_DIGITS - 1)) + 10 ** (PUBLIC_ID_DIGITS - 1))
        taken = db.session.scalar(select(SuyuanUser.id).where(SuyuanUser.public_id == candidate))
        if taken is None:
            return candidate
    raise RuntimeError("could not find a free public user ID after 20 attempts")


def ensure_public_id(user: SuyuanUser) -> str:
    """Give ``user`` a public ID if it has none (accounts made by FAB's own commands)."""
    if not user.public_id:
        user.public_id = new_public_id()
        db.session.commit()
    return user.public_id


def user_role_names(user) -> set[str]:
    return {role.name for role in getattr(user, "roles", []) or []}


def acting_user():
    """Return the user of the request: the session's, or the one of a verified API token.

    Flask-Login's ``current_user`` stays anonymous on API requests authenticated by
    Flask-AppBuilder's JWT, so code that serves both screens and APIs uses this.
    """
    if current_user and current_user.is_authenticated:
        return current_user
    try:
        return get_jwt_user()
    except RuntimeError:  # no token was verified in this request
        return None


def is_admin(user=None) -> bool:
    user = user if user is not None else acting_user()
    return bool(user and user.is_authenticated and ROLE_ADMIN in user_role_names(user))


def membership_of(user_id: int) -> EnterpriseMember | None:
    """Return the user's enterprise membership, or None."""
    return db.session.scalar(select(EnterpriseMember).where(EnterpriseMember.user_id == user_id))


def current_enterprise() -> Enterprise | None:
    """Return the approved enterprise of the logged-in user, cached for the request."""
    if "suyuan_enterprise" in g:
        return g.suyuan_enterprise
    enterprise = None
    user = acting_user()
    if user is not None and user.is_authenticated:
        member = membership_of(user.id)
        if member is not None and member.enterprise.status == EnterpriseStatus.APPROVED:
            enterprise = member.enterprise
    g.suyuan_enterprise = enterprise
    return enterprise


def current_enterprise_id() -> int:
    """Return the current user's enterprise id, or -1 (matches no row) when there is none."""
    enterprise = current_enterprise()
    return enterprise.id if enterprise is not None else -1


class EnterpriseRowFilter(BaseFilter):
    """Row-level security: non-admins see only rows of their own enterprise.

    Used as a ``base_filters`` entry and for related-field dropdowns, so list, show,
    edit, delete, bulk actions, searches and dropdowns all share one rule:
    ``base_filters = [["enterprise_id", EnterpriseRowFilter, None]]``.
    """

    name = "Own enterprise"
    arg_name = "own_enterprise"

    def apply(self, query, value):
        if is_admin():
            return query
        field = getattr(self.model, self.column_name)
        return query.filter(field == current_enterprise_id())


def collect_role_permissions() -> dict[str, set[tuple[str, str]]]:
    """Merge the ``PERMISSIONS`` tables of all view modules into role → {(permission, view)}."""
    from views import permission_tables

    merged: dict[str, set[tuple[str, str]]] = {role: set() for role in ALL_ROLES}
    for table in permission_tables():
        for role, pairs in table.items():
            merged.setdefault(role, set()).update(pairs)
    return merged


def sync_roles(appbuilder) -> None:
    """Create every view's permissions and set each role's permissions exactly as defined
    in code. The Admin role gets every permission. Safe to run again."""
    sm = appbuilder.sm
    # The roles must exist first: FAB grants each new permission to the Admin role as it
    # creates it, and stops adding a view's permissions when that role is missing.
    for role_name in (*ALL_ROLES, ROLE_PUBLIC):
        sm.add_role(role_name)
    appbuilder.add_permissions(update_perms=True)

    # Admin comes last so it receives the permissions created for the other roles too.
    definitions = sorted(collect_role_permissions().items(), key=lambda item: item[0] == ROLE_ADMIN)
    for role_name, pairs in definitions:
        role = sm.add_role(role_name)
        if role_name == ROLE_ADMIN:
            role.permissions = list(db.session.scalars(select(sm.permissionview_model)))
        else:
            role.permissions = [
                sm.add_permission_view_menu(permission, view) for permission, view in sorted(pairs)
            ]
        logger.info("role %s synced with %d permissions", role_name, len(role.permissions))
    db.session.commit()


def set_enterprise_role(user: SuyuanUser, enterprise_type: EnterpriseType | None) -> None:
    """Give ``user`` the back-office role of ``enterprise_type`` and drop other enterprise roles.

    ``None`` removes all enterprise roles. The caller commits.
    """
    sm = _security_manager()
    enterprise_role_names = set(ENTERPRISE_ROLES.values())
    roles = [role for role in user.roles if role.name not in enterprise_role_names]
    if enterprise_type is not None:
        roles.append(_role(sm, ENTERPRISE_ROLES[enterprise_type]))
    if not any(role.name == ROLE_CONSUMER for role in roles):
        roles.append(_role(sm, ROLE_CONSUMER))
    user.roles = roles


def _role(sm, name: str):
    role = sm.find_role(name)
    if role is None:
        raise RuntimeError(f"role {name!r} is missing: run `flask suyuan init` first")
    return role


def _security_manager():
    from flask import current_app

    return current_app.appbuilder.sm
