"""The JSON scan result GET /api/v1/trace/<code> and its OpenAPI entry."""

from __future__ import annotations

from tests.factories import login, make_admin
from tests.factories_scan import code_row, make_traced_item, scan_logs
from tests.test_scan_page import UNKNOWN_WARNING, simple_code


def test_trace_api_returns_the_scan_result(app, client):
    item = make_traced_item(app)

    body = client.get(f"/api/v1/trace/{item.code}").get_json()

    assert {
        "code",
        "status",
        "product",
        "enterprise",
        "batch",
        "events",
        "query_count",
        "previous_query_at",
    } <= set(body)
    assert body["code"] == item.code
    assert body["status"] == "sold"
    assert body["product"]["name"] == "五粮精酿 52度"
    assert body["product"]["image"] == "/media/products/wine.png"
    assert body["enterprise"]["id"] == item.producer_id
    assert body["batch"]["production_date"] == "2026-02-14"
    assert body["batch"]["production_team"] == "灌装二班"
    assert body["box"] == item.box_code
    assert [event["kind"] for event in body["events"]] == ["packed", "shipped", "handled", "sold"]
    shipment = body["events"][1]["shipment"]
    assert shipment["logistics_company"] == "顺丰速运"
    assert shipment["waybill_number"] == "SF1234567890"
    assert shipment["vehicle_number"] == "粤A12345"
    assert shipment["shipped_at"] == "2026-03-02T02:00:00Z"
    assert shipment["shipper"] == "李发货"
    assert shipment["destination_enterprise"]
    assert body["events"][2]["location"] == "三号仓 A-12 货架"
    assert body["sold_at"] == "2026-03-06T02:00:00Z"
    assert (body["query_count"], body["previous_query_at"]) == (1, None)


def test_trace_api_counts_like_the_page(app, client):
    code = simple_code(app)
    client.get(f"/t/{code}")
    body = client.get(f"/api/v1/trace/{code.lower()}").get_json()
    first_log = scan_logs(app, code)[0]
    assert body["query_count"] == 2
    assert body["previous_query_at"] == first_log.scanned_at.replace(microsecond=0).isoformat() + "Z"
    assert code_row(app, code)["logs"] == 2


def test_trace_api_unknown_code_404(app, client):
    code = simple_code(app)
    response = client.get("/api/v1/trace/ZZZZZZZZZZZZ")
    assert response.status_code == 404
    assert UNKNOWN_WARNING in response.get_json()["message"]
    assert code_row(app, code)["scan_count"] == 0


def test_trace_api_needs_no_login_and_no_token(app, client):
    code = simple_code(app)
    response = client.get(f"/api/v1/trace/{code}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_trace_api_is_in_the_openapi_spec(app, client):
    login(client, make_admin(app))
    spec = client.get("/api/v1/_openapi").get_json()
    operation = spec["paths"]["/api/v1/trace/{code}"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert {
        "code",
        "status",
        "product",
        "enterprise",
        "batch",
        "events",
        "query_count",
        "previous_query_at",
    } <= set(schema["properties"])
    assert "404" in operation["responses"]
