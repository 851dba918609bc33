"""The baseline of bench/scan.py: a bare WSGI app that does only a scan's required writes.

``GET /t/<code>`` increments the code's count and inserts the scan log row in one
transaction with raw psycopg, and returns a few bytes. No framework, no template, no
session: the fastest a scan can be on this database. Served by gunicorn with the same
settings as the real app; the database URL comes from ``SUYUAN_DATABASE_URL``.
"""

from __future__ import annotations

import os
import threading

import psycopg

_local = threading.local()

COUNT_AND_LOG = """
WITH counted AS (
    UPDATE trace_code SET scan_count = scan_count + 1, last_scan_at = now() at time zone 'utc'
    WHERE code = %(code)s RETURNING id, scan_count
)
INSERT INTO scan_log (code_id, scanned_at, ip_prefix, user_agent)
SELECT id, now() at time zone 'utc', %(ip)s, %(agent)s FROM counted
RETURNING (SELECT scan_count FROM counted)
"""


def _connection() -> psycopg.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        url = os.environ["SUYUAN_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        connection = psycopg.connect(url)
        _local.connection = connection
    return connection


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if not path.startswith("/t/"):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    connection = _connection()
    with connection.transaction():
        row = connection.execute(
            COUNT_AND_LOG,
            {
                "code": path[3:],
                "ip": environ.get("REMOTE_ADDR"),
                "agent": environ.get("HTTP_USER_AGENT", "")[:255],
            },
        ).fetchone()
    if row is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"unknown code"]
    body = f"query {row[0]}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
