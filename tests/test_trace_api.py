"""The trace actions JSON API: JWT auth, per-code results, roles and the OpenAPI spec."""

import pytest

from app.models.codes import CodeStatus
from tests.factories import make_admin, make_enterprise, make_user
from tests.factories_trace import code_row, make_producer, ship_all

URL = "/api/v1/trace/actions"
SHIPMENT = {
    "logistics_company": "百世快递",
    "waybill_number": "34881648840154",
    "vehicle_number": "粤D234548",
    "shipper": "王师傅",
    "shipped_at": "2026-03-01T08:30:00+08:00",
}


def token_for(client, account) -> dict:
    response = client.post(
        "/api/v1/security/login",
        json={"username": account.username, "password": account.password, "provider": "db"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def test_api_pack_then_ship(client, app):
    producer = make_producer(app)
    headers = token_for(client, producer.owner)
    packed = client.post(URL, json={"action": "pack", "codes": producer.codes[:2]}, headers=headers)
    assert packed.status_code == 200
    assert packed.json["applied"] == 2
    box = packed.json["box"]

    shipped = client.post(
        URL,
        json={"action": "ship", "codes": [box, producer.codes[2], "NOSUCHCODE99"], **SHIPMENT},
        headers=headers,
    )
    assert shipped.status_code == 200
    body = shipped.json
    assert body["applied"] == 2
    assert body["refused"] == 1
    assert body["shipment_id"] is not None
    assert [result["applied"] for result in body["results"]] == [True, True, False]
    assert body["results"][0]["kind"] == "box"
    assert body["results"][0]["status"] == "shipped"
    assert "NOSUCHCODE99" in body["results"][2]["message"]
    assert code_row(app, producer.codes[0]).status == CodeStatus.SHIPPED


def test_api_record_and_sell(client, app):
    producer = make_producer(app)
    ship_all(app, producer)
    _, storage = make_enterprise(app, "storage")
    _, distributor = make_enterprise(app, "distributor")
    recorded = client.post(
        URL,
        json={"action": "record", "codes": producer.codes[:1], "stage": "仓储", "location": "A-01"},
        headers=token_for(client, storage),
    )
    assert recorded.json["applied"] == 1
    headers = token_for(client, distributor)
    first = client.post(URL, json={"action": "sell", "codes": producer.codes[:1]}, headers=headers)
    assert first.json["results"][0]["applied"] is True
    second = client.post(URL, json={"action": "sell", "codes": producer.codes[:1]}, headers=headers)
    assert second.status_code == 200
    assert second.json["results"][0]["applied"] is False
    assert second.json["results"][0]["status"] == "sold"


def test_api_cross_enterprise_ship_refused(client, app):
    mine = make_producer(app)
    theirs = make_producer(app)
    response = client.post(
        URL,
        json={"action": "ship", "codes": theirs.codes[:1], **SHIPMENT},
        headers=token_for(client, mine.owner),
    )
    assert response.status_code == 200
    assert response.json["results"][0]["applied"] is False
    assert response.json["shipment_id"] is None
    assert code_row(app, theirs.codes[0]).status == CodeStatus.NEW


@pytest.mark.parametrize(
    ("enterprise_type", "action"),
    [("storage", "pack"), ("storage", "ship"), ("distributor", "unpack"), ("producer", "sell")],
)
def test_api_step_denied_by_type(client, app, enterprise_type, action):
    producer = make_producer(app)
    _, owner = make_enterprise(app, enterprise_type)
    response = client.post(
        URL,
        json={"action": action, "codes": producer.codes[:1], **SHIPMENT},
        headers=token_for(client, owner),
    )
    assert response.status_code == 403
    assert response.json["status"] == 403
    assert response.json["message"]
    assert code_row(app, producer.codes[0]).status == CodeStatus.NEW


def test_api_denied_to_admin_and_consumer(client, app):
    producer = make_producer(app)
    for account in (make_admin(app), make_user(app)):
        response = client.post(
            URL,
            json={"action": "record", "codes": producer.codes[:1], "stage": "x"},
            headers=token_for(client, account),
        )
        assert response.status_code == 403


def test_api_requires_token(client, app):
    producer = make_producer(app)
    response = client.post(URL, json={"action": "sell", "codes": producer.codes[:1]})
    assert response.status_code == 401
    assert code_row(app, producer.codes[0]).status == CodeStatus.NEW


@pytest.mark.parametrize(
    "body",
    [
        {"action": "destroy", "codes": ["A"]},
        {"action": "sell", "codes": []},
        {"action": "sell", "codes": {"a": 1}},
        {"action": "sell", "codes": [1, 2]},
        {"action": "ship", "codes": ["A"], "waybill_number": ""},
        {"action": "record", "codes": ["A"], "stage": ""},
    ],
)
def test_api_bad_bodies(client, app, body):
    producer = make_producer(app)
    _, distributor = make_enterprise(app, "distributor")
    headers = token_for(client, producer.owner if body["action"] == "ship" else distributor)
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 400
    assert response.json["status"] == 400
    assert response.json["message"]


def test_api_non_json_body(client, app):
    _, distributor = make_enterprise(app, "distributor")
    response = client.post(URL, data="codes=A", headers=token_for(client, distributor))
    assert response.status_code == 400
    assert response.json["message"]


def test_openapi_documents_trace_actions(client, app):
    spec = client.get("/api/v1/_openapi", headers=token_for(client, make_admin(app))).json
    operation = spec["paths"]["/api/v1/trace/actions"]["post"]
    properties = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert properties["action"]["enum"] == ["pack", "unpack", "ship", "record", "sell"]
    assert "200" in {str(code) for code in operation["responses"]}
    assert "TraceCodeResult" in spec["components"]["schemas"]


def test_api_pack_and_ship_whole_batch(client, app):
    producer = make_producer(app, count=4)
    headers = token_for(client, producer.owner)
    packed = client.post(URL, json={"action": "pack", "batch": producer.batch_number}, headers=headers)
    assert packed.status_code == 200
    assert packed.json["applied"] == 1
    box = packed.json["box"]
    for code in producer.codes:
        assert code_row(app, code).status == CodeStatus.PACKED

    refused = client.post(
        URL, json={"action": "ship", "codes": [], "batch": producer.batch_number, **SHIPMENT}, headers=headers
    )
    assert refused.json["results"][0]["applied"] is False
    shipped = client.post(URL, json={"action": "ship", "codes": [box], **SHIPMENT}, headers=headers)
    assert shipped.json["results"][0]["applied"] is True
    for code in producer.codes:
        assert code_row(app, code).status == CodeStatus.SHIPPED


def test_api_unknown_batch_is_not_found(client, app):
    producer = make_producer(app)
    other = make_producer(app)
    response = client.post(
        URL, json={"action": "pack", "batch": other.batch_number}, headers=token_for(client, producer.owner)
    )
    assert response.status_code == 404
    assert other.batch_number in response.json["message"]
