"""Extension objects shared by the whole application.

Each is created unbound here and bound to an app in ``create_app``. The AppBuilder
itself is made per app (see ``create_app``) so tests can build many apps in one process.
"""

import sqlite3

from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from sqlalchemy import event
from sqlalchemy.engine import Engine

# One metadata for our tables and Flask-AppBuilder's ab_* tables, so Alembic migrates both.
db = SQLA(metadata=Model.metadata)
migrate = Migrate()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    """Make SQLite fit a web app: WAL lets readers run beside one writer, the busy
    timeout makes writers wait instead of failing, and foreign keys are enforced."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
