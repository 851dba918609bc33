"""Back-office views, APIs and the public blueprint.

Every module of this package that defines ``register(app, appbuilder)`` and a
``PERMISSIONS`` table is a view module, registered at start-up. Its table maps a role
name to the (permission, view) pairs the role gets. ``flask suyuan init`` merges the
tables and writes the roles (see ``app.security.sync_roles``).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from flask import Flask

from views import errors


def view_modules() -> list[ModuleType]:
    """Import and return the view modules, sorted by name for a stable menu order."""
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda item: item.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register") and hasattr(module, "PERMISSIONS"):
            modules.append(module)
    return modules


def permission_tables() -> list[dict[str, list[tuple[str, str]]]]:
    return [module.PERMISSIONS for module in view_modules()]


def register_views(app: Flask, appbuilder) -> None:
    """Register every view module on ``appbuilder`` and the public blueprints on ``app``."""
    errors.register(app)
    for module in view_modules():
        module.register(app, appbuilder)
