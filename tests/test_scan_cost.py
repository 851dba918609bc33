"""What one scan costs: SQL statements per view and no session cookie for anonymous scans.

Counts, never timings: the speed itself is measured by bench/scan.py.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db
from tests.factories import login, make_enterprise
from tests.factories_codes import make_batch, make_product
from tests.factories_scan import code_row, make_traced_item

# On SQLite: the look-up (code, batch, product, producer and box in one query), the
# count, the previous query time, the scan log row and the timeline.
SQLITE_STATEMENTS_PER_SCAN = 5


@contextmanager
def counted_statements(app):
    """Collect the SQL statements the app's engine runs inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def fresh_code(app) -> str:
    enterprise_id, _owner = make_enterprise(app, "producer")
    return make_batch(app, enterprise_id, make_product(app, enterprise_id), 1)[1][0]


def test_new_code_scan_statements(app, client):
    code = fresh_code(app)
    with counted_statements(app) as statements:
        response = client.get(f"/t/{code}")
    assert response.status_code == 200
    assert len(statements) == SQLITE_STATEMENTS_PER_SCAN, statements
    assert code_row(app, code)["logs"] == 1


def test_full_history_same_statements(app, client):
    # Box, shipment with destination, handling record, sale: all read by the same queries.
    item = make_traced_item(app)
    with counted_statements(app) as statements:
        page = client.get(f"/t/{item.code}").get_data(as_text=True)
    assert "顺丰速运" in page
    assert "三号仓 A-12 货架" in page
    assert item.box_code in page
    assert len(statements) == SQLITE_STATEMENTS_PER_SCAN, statements

    # The JSON form reads every field it returns from the same queries.
    with counted_statements(app) as statements:
        body = client.get(f"/api/v1/trace/{item.code}").get_json()
    assert body["enterprise"]["profile_html"] == "<p>百年酒厂，坐落于宜宾。</p>"
    assert len(statements) == SQLITE_STATEMENTS_PER_SCAN, statements


def test_unknown_code_one_statement(app, client):
    with counted_statements(app) as statements:
        response = client.get("/t/NOSUCHCODE0001")
    assert response.status_code == 404
    assert len(statements) == 1
    assert not any(text.lstrip().upper().startswith(("UPDATE", "INSERT")) for text in statements)


def test_anonymous_scan_sets_no_cookie(app, client):
    code = fresh_code(app)
    page = client.get(f"/t/{code}")
    api = client.get(f"/api/v1/trace/{code}")
    unknown = client.get("/t/NOSUCHCODE0001")
    for response in (page, api, unknown):
        assert "Set-Cookie" not in response.headers, response.headers
    assert "正品溯源码" in page.get_data(as_text=True)
    assert code_row(app, code)["scan_count"] == 2


def test_language_argument_without_cookie(app, client):
    code = fresh_code(app)
    response = client.get(f"/t/{code}?_l_=en")
    assert "Genuine trace code" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_chosen_language_on_scan_page(app, client):
    code = fresh_code(app)
    _enterprise_id, owner = make_enterprise(app, "producer")
    login(client, owner)
    client.get("/lang/en")
    assert "Genuine trace code" in client.get(f"/t/{code}").get_data(as_text=True)
    client.get("/lang/zh")
    assert "正品溯源码" in client.get(f"/t/{code}").get_data(as_text=True)


def test_back_office_stores_default_language(app, client):
    # The language menu of the back office reads the stored language.
    client.get("/login/")
    with client.session_transaction() as session:
        assert session.get("locale") == "zh"
