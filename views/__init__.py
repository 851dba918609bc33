"""Back-office views, APIs and the public blueprint.

Each module exposes ``register(appbuilder)`` and a ``PERMISSIONS`` table mapping a role
name to the (permission, view) pairs it grants. ``flask suyuan init`` writes the merged
tables to the database; see ``app.security.sync_roles``.
"""

from __future__ import annotations

from flask import Flask

from views import enterprises, errors, public, staff

MODULES = (enterprises, staff, public)

PERMISSION_TABLES = [module.PERMISSIONS for module in MODULES]


def register_views(app: Flask, appbuilder) -> None:
    """Register every view module on ``appbuilder`` and the public blueprints on ``app``."""
    errors.register(app)
    for module in MODULES:
        module.register(app, appbuilder)
