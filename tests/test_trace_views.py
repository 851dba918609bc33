"""Scan-gun screens, phone forms, box labels, shipments and the scan page actions."""

import pytest
from flask import render_template_string
from flask_login import login_user

from app.extensions import db
from app.models import SuyuanUser, TraceCode
from app.models.codes import CodeStatus
from app.trace import allowed_actions, create_box, pack, sell, ship
from tests.factories import login, make_admin, make_enterprise, make_user
from tests.factories_trace import act, code_row, make_producer, set_status, ship_all, shipment_fields

STATIONS = ("pack", "unpack", "ship", "record", "sell")
ALLOWED_STATIONS = {
    "producer": {"pack", "unpack", "ship", "record"},
    "storage": {"record"},
    "distributor": {"record", "sell"},
}


@pytest.mark.parametrize("enterprise_type", ["producer", "storage", "distributor"])
def test_station_pages_per_role(client, app, enterprise_type):
    _, owner = make_enterprise(app, enterprise_type)
    login(client, owner)
    for station in STATIONS:
        response = client.get(f"/trace/{station}")
        expected = 200 if station in ALLOWED_STATIONS[enterprise_type] else 403
        assert response.status_code == expected, station
        if expected == 200:
            page = response.get_data(as_text=True)
            assert 'id="scan-input"' in page
            assert "scan.js" in page


def test_station_pages_closed_to_consumer(client, app):
    login(client, make_user(app))
    for station in STATIONS:
        assert client.get(f"/trace/{station}").status_code == 403, station


def test_station_pages_redirect_anonymous(client, app):
    response = client.get("/trace/record")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]


def test_apply_endpoint_runs_step(client, app):
    producer = make_producer(app)
    login(client, producer.owner)
    first = client.post("/trace/apply", json={"action": "pack", "codes": [producer.codes[0]], "box": ""})
    assert first.status_code == 200
    box = first.json["box"]
    second = client.post("/trace/apply", json={"action": "pack", "codes": [producer.codes[1]], "box": box})
    assert second.json["results"][0]["applied"] is True
    assert code_row(app, producer.codes[1]).parent_id == code_row(app, box).id


def test_apply_endpoint_checks_csrf(client, app):
    producer = make_producer(app)
    login(client, producer.owner)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(
        "/trace/apply",
        json={"action": "pack", "codes": [producer.codes[0]]},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert code_row(app, producer.codes[0]).status == CodeStatus.NEW


def test_apply_endpoint_refuses_step_of_other_type(client, app):
    producer = make_producer(app)
    _, storage = make_enterprise(app, "storage")
    login(client, storage)
    response = client.post(
        "/trace/apply",
        json={"action": "ship", "codes": producer.codes[:1]},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 403
    assert response.json["message"]


def test_phone_write_off_returns_to_scan_page(client, app):
    producer = make_producer(app)
    ship_all(app, producer)
    _, distributor = make_enterprise(app, "distributor")
    login(client, distributor)
    response = client.post("/trace/phone/sell", data={"code": producer.codes[0]})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/t/{producer.codes[0]}?after=action")
    assert code_row(app, producer.codes[0]).status == CodeStatus.SOLD
    again = client.post("/trace/phone/sell", data={"code": producer.codes[0]}, follow_redirects=False)
    assert again.status_code == 302
    with client.session_transaction() as session:
        messages = [message for _, message in session.get("_flashes", [])]
    assert any(producer.codes[0] in message for message in messages)


def test_phone_record_save_and_scan_next_keeps_fields(client, app):
    producer = make_producer(app)
    _, storage = make_enterprise(app, "storage")
    login(client, storage)
    response = client.post(
        "/trace/phone/record",
        data={
            "code": producer.codes[0],
            "stage": "仓储",
            "location": "A-01",
            "condition": "正常",
            "next": "scan",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="仓储"' in page
    assert 'value="A-01"' in page
    assert 'value="正常"' in page


def test_phone_pack_denied_to_storage(client, app):
    producer = make_producer(app)
    _, storage = make_enterprise(app, "storage")
    login(client, storage)
    response = client.post("/trace/phone/pack", data={"code": producer.codes[0]})
    assert response.status_code == 403
    assert code_row(app, producer.codes[0]).status == CodeStatus.NEW


def test_box_label_served_to_owner_only(client, app):
    mine = make_producer(app)
    theirs = make_producer(app)
    box = act(app, mine.owner, create_box)
    login(client, mine.owner)
    response = client.get(f"/trace/boxes/{box.code}/label.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert client.get(f"/trace/boxes/{mine.codes[0]}/label.png").status_code == 404
    client.get("/logout/")
    login(client, theirs.owner)
    assert client.get(f"/trace/boxes/{box.code}/label.png").status_code == 404


def test_shipments_list_and_detail_are_per_enterprise(client, app):
    mine = make_producer(app)
    theirs = make_producer(app)
    destination_id, _ = make_enterprise(app, "distributor")
    box = act(app, mine.owner, pack, mine.codes[:2]).box_code
    my_shipment = act(
        app,
        mine.owner,
        ship,
        [box, mine.codes[2]],
        shipment_fields(waybill_number="MINE-001", destination_enterprise_id=destination_id),
    ).shipment_id
    their_shipment = act(
        app, theirs.owner, ship, theirs.codes[:1], shipment_fields(waybill_number="THEIRS-9")
    ).shipment_id

    login(client, mine.owner)
    listing = client.get("/shipments/list/").get_data(as_text=True)
    assert "MINE-001" in listing
    assert "THEIRS-9" not in listing
    detail = client.get(f"/shipments/show/{my_shipment}")
    assert detail.status_code == 200
    page = detail.get_data(as_text=True)
    assert box in page
    assert mine.codes[2] in page
    with app.app_context():
        from app.models import Enterprise

        destination_name = db.session.get(Enterprise, destination_id).name
    assert destination_name in page
    assert client.get(f"/shipments/show/{their_shipment}").status_code == 404
    assert client.get("/shipments/show/999999").status_code == 404


@pytest.mark.parametrize("enterprise_type", ["storage", "distributor"])
def test_shipments_closed_to_other_types(client, app, enterprise_type):
    _, owner = make_enterprise(app, enterprise_type)
    login(client, owner)
    assert client.get("/shipments/list/").status_code == 403
    assert client.get("/shipments/show/1").status_code == 403


def test_admin_sees_all_shipments(client, app):
    producer = make_producer(app)
    act(app, producer.owner, ship, producer.codes[:1], shipment_fields(waybill_number="ANY-42"))
    login(client, make_admin(app))
    assert "ANY-42" in client.get("/shipments/list/").get_data(as_text=True)


def actions_for(app, account, code: str) -> list[str]:
    with app.test_request_context():
        user = db.session.get(SuyuanUser, account.id) if account else None
        row = db.session.query(TraceCode).filter_by(code=code).one()
        return allowed_actions(user, row)


def test_allowed_actions_per_role(app):
    producer = make_producer(app)
    other = make_producer(app)
    _, storage = make_enterprise(app, "storage")
    _, distributor = make_enterprise(app, "distributor")
    code = producer.codes[0]
    assert actions_for(app, producer.owner, code) == ["pack", "ship", "record"]
    assert actions_for(app, other.owner, code) == ["record"]
    assert actions_for(app, storage, code) == ["record"]
    assert actions_for(app, distributor, code) == ["record"]
    ship_all(app, producer, [code])
    assert actions_for(app, distributor, code) == ["record", "sell"]
    assert actions_for(app, make_admin(app), code) == []
    assert actions_for(app, make_user(app), code) == []
    assert actions_for(app, None, code) == []


def test_allowed_actions_follow_status(app):
    producer = make_producer(app)
    _, distributor = make_enterprise(app, "distributor")
    box = act(app, producer.owner, pack, producer.codes[:1]).box_code
    assert actions_for(app, producer.owner, producer.codes[0]) == ["unpack", "record"]
    assert actions_for(app, producer.owner, box) == ["pack", "ship", "record"]
    act(app, producer.owner, ship, [box], shipment_fields())
    assert actions_for(app, producer.owner, producer.codes[0]) == ["record"]
    act(app, distributor, sell, producer.codes[:1])
    assert actions_for(app, distributor, producer.codes[0]) == ["record"]
    set_status(app, producer.codes[1], CodeStatus.VOID)
    assert actions_for(app, distributor, producer.codes[1]) == []


@pytest.mark.parametrize(
    ("enterprise_type", "present", "absent"),
    [
        ("producer", ["action-pack", "action-ship", "action-record"], ["action-sell"]),
        ("storage", ["action-record"], ["action-pack", "action-ship", "action-sell"]),
        ("distributor", ["action-record", "action-sell"], ["action-pack", "action-ship"]),
    ],
)
def test_scan_partial_shows_allowed_forms(app, enterprise_type, present, absent):
    producer = make_producer(app)
    account = producer.owner if enterprise_type == "producer" else make_enterprise(app, enterprise_type)[1]
    if enterprise_type == "distributor":
        ship_all(app, producer, producer.codes[:1])  # only shipped codes can be sold
    with app.test_request_context():
        login_user(db.session.get(SuyuanUser, account.id))
        row = db.session.query(TraceCode).filter_by(code=producer.codes[0]).one()
        html = render_template_string('{% include "trace/_scan_actions.html" %}', trace_code=row)
    for form_id in present:
        assert f'id="{form_id}"' in html, form_id
    for form_id in absent:
        assert f'id="{form_id}"' not in html, form_id


def test_scan_partial_empty_for_consumer(app):
    producer = make_producer(app)
    consumer = make_user(app)
    with app.test_request_context():
        login_user(db.session.get(SuyuanUser, consumer.id))
        row = db.session.query(TraceCode).filter_by(code=producer.codes[0]).one()
        html = render_template_string('{% include "trace/_scan_actions.html" %}', trace_code=row)
    assert "trace-actions" not in html


@pytest.mark.parametrize(
    ("enterprise_type", "shown", "hidden"),
    [
        ("producer", ["/trace/pack", "/trace/ship", "/trace/record", "/shipments/list/"], ["/trace/sell"]),
        ("storage", ["/trace/record"], ["/trace/pack", "/trace/ship", "/trace/sell", "/shipments/list/"]),
        ("distributor", ["/trace/record", "/trace/sell"], ["/trace/pack", "/trace/ship", "/shipments/list/"]),
    ],
)
def test_trace_menu_per_role(client, app, enterprise_type, shown, hidden):
    _, owner = make_enterprise(app, enterprise_type)
    login(client, owner)
    page = client.get("/trace/record").get_data(as_text=True)
    assert "溯源作业" in page
    for href in shown:
        assert f'href="{href}"' in page, href
    for href in hidden:
        assert f'href="{href}"' not in page, href


def test_ship_screen_lists_destinations_by_name(app, client):
    producer = make_producer(app)
    distributor_id, _ = make_enterprise(app, "distributor")
    login(client, producer.owner)
    page = client.get("/trace/ship").get_data(as_text=True)
    assert f'<option value="{distributor_id}"' in page
    assert f'<option value="{producer.enterprise_id}"' not in page
