"""Display values for the list and show pages of Flask-AppBuilder.

FAB prints values with ``str()``: stored UTC times with microseconds, ``None`` and
``False``. Every ModelView of the back office uses ``DisplayInterface``, so each of its
columns shows times in the platform time zone, booleans as 是/否 and missing values as
empty cells, without a formatter per column.
"""

from __future__ import annotations

import datetime as dt

from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _

from app.i18n import local_date, local_datetime


def display_value(value):
    """Return the text a list or show page prints for a stored value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return local_datetime(value)
    if isinstance(value, dt.date):
        return local_date(value)
    return value


class DisplayInterface(SQLAInterface):
    """SQLAInterface whose list and show values are ready for display (see display_value).

    Formatters in ``formatters_columns`` receive these display values, not the raw ones.
    """

    @staticmethod
    def _get_attr_value(item, col):
        return display_value(SQLAInterface._get_attr_value(item, col))
