"""The scan page shows each role only the actions its enterprise type allows, and they work."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import TraceCode
from app.models.codes import CodeStatus
from tests.factories import login, make_admin, make_enterprise, make_user
from tests.factories_codes import make_batch, make_product
from tests.factories_trace import act, shipment_fields

ACTION_IDS = ("action-pack", "action-unpack", "action-ship", "action-record", "action-sell")


@pytest.fixture
def scanned_code(app):
    producer_id, producer = make_enterprise(app, "producer")
    product_id = make_product(app, producer_id)
    _, codes = make_batch(app, producer_id, product_id, 2)
    return producer, codes


def actions_on_page(client, code: str) -> set[str]:
    page = client.get(f"/t/{code}").get_data(as_text=True)
    return {action for action in ACTION_IDS if f'id="{action}"' in page}


def test_producer_sees_own_code_actions(app, client, scanned_code):
    producer, codes = scanned_code
    login(client, producer)
    shown = actions_on_page(client, codes[0])
    assert {"action-pack", "action-ship", "action-record"} <= shown
    assert "action-sell" not in shown


def test_other_producer_sees_only_record(app, client, scanned_code):
    _, codes = scanned_code
    _, other = make_enterprise(app, "producer")
    login(client, other)
    assert actions_on_page(client, codes[0]) == {"action-record"}


def test_storage_sees_only_record(app, client, scanned_code):
    _, codes = scanned_code
    _, storage = make_enterprise(app, "storage")
    login(client, storage)
    assert actions_on_page(client, codes[0]) == {"action-record"}


def ship(app, producer, codes) -> None:
    from app.trace import ship as ship_step

    act(app, producer, ship_step, codes, shipment_fields())


def test_distributor_sees_write_off_not_ship(app, client, scanned_code):
    producer, codes = scanned_code
    ship(app, producer, codes[:1])
    _, distributor = make_enterprise(app, "distributor")
    login(client, distributor)
    shown = actions_on_page(client, codes[0])
    assert "action-sell" in shown
    assert "action-ship" not in shown
    assert "action-pack" not in shown


@pytest.mark.parametrize("who", ["consumer", "admin", "anonymous"])
def test_no_actions_without_enterprise(app, client, scanned_code, who):
    _, codes = scanned_code
    if who == "consumer":
        login(client, make_user(app))
    elif who == "admin":
        login(client, make_admin(app))
    page = client.get(f"/t/{codes[0]}").get_data(as_text=True)
    assert 'id="trace-actions"' not in page


def test_distributor_writes_off_from_scan_page(app, client, scanned_code):
    producer, codes = scanned_code
    ship(app, producer, codes[:1])
    _, distributor = make_enterprise(app, "distributor")
    login(client, distributor)
    response = client.post("/trace/phone/sell", data={"code": codes[0]})
    assert response.status_code in (302, 303)
    with app.app_context():
        status = db.session.scalar(select(TraceCode.status).where(TraceCode.code == codes[0]))
    assert status == CodeStatus.SOLD


def test_storage_cannot_ship_from_scan_page(app, client, scanned_code):
    _, codes = scanned_code
    _, storage = make_enterprise(app, "storage")
    login(client, storage)
    client.post(
        "/trace/phone/ship",
        data={"code": codes[0], "logistics_company": "顺丰", "waybill_number": "SF1", "shipper": "李"},
    )
    with app.app_context():
        status = db.session.scalar(select(TraceCode.status).where(TraceCode.code == codes[0]))
    assert status == CodeStatus.NEW


def scan_count(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(TraceCode.scan_count).where(TraceCode.code == code))


def test_return_after_action_is_not_a_query(app, client, scanned_code):
    _, codes = scanned_code
    _, storage = make_enterprise(app, "storage")
    login(client, storage)
    client.get(f"/t/{codes[0]}")
    assert scan_count(app, codes[0]) == 1
    response = client.post(
        "/trace/phone/record",
        data={"code": codes[0], "stage": "仓储", "location": "A-1", "condition": "正常"},
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert scan_count(app, codes[0]) == 1
    assert "不计为一次查询" in page


def test_after_action_flag_counts_for_consumers(app, client, scanned_code):
    _, codes = scanned_code
    login(client, make_user(app))
    client.get(f"/t/{codes[0]}?after=action")
    assert scan_count(app, codes[0]) == 1
