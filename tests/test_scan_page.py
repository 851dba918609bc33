"""The public scan page /t/<code>: fields, counting, unknown and void codes, warnings."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import func, select

from app.extensions import db
from app.models import Batch, Enterprise, ScanLog, TraceCode
from app.models.codes import CodeStatus
from app.models.enterprise import EnterpriseType
from tests.factories import login, make_enterprise, make_user
from tests.factories_codes import make_batch, make_product
from tests.factories_scan import code_row, make_traced_item, scan_logs, set_status

UNKNOWN_WARNING = "不是本平台发放的溯源码"


def enterprise_name(app, enterprise_id: int) -> str:
    with app.app_context():
        return db.session.get(Enterprise, enterprise_id).name


def batch_number_of(app, code: str) -> str:
    with app.app_context():
        query = select(Batch.batch_number).join(TraceCode, TraceCode.batch_id == Batch.id)
        return db.session.scalar(query.where(TraceCode.code == code))


def simple_code(app, **batch_options) -> str:
    enterprise_id, _owner = make_enterprise(app, "producer")
    product_id = make_product(app, enterprise_id)
    return make_batch(app, enterprise_id, product_id, 2, **batch_options)[1][0]


def test_scan_page_shows_every_field(app, client):
    item = make_traced_item(app)

    page = client.get(f"/t/{item.code}").get_data(as_text=True)

    # Genuine header, product with image and link, enterprise with its profile.
    assert "正品溯源码" in page
    assert item.code in page
    assert "五粮精酿 52度" in page
    assert 'src="/media/products/wine.png"' in page
    assert f'href="/h5/products/{item.product_id}"' in page
    assert enterprise_name(app, item.producer_id) in page
    assert "<details" in page
    assert "百年酒厂，坐落于宜宾。" in page
    # Batch, production date and team, packing.
    assert "批次号" in page
    assert batch_number_of(app, item.code) in page
    assert "2026-02-14" in page
    assert "灌装二班" in page
    assert item.box_code in page
    # Shipment with every field, the handling record and the sale.
    for value in ("顺丰速运", "SF1234567890", "粤A12345", "2026-03-02 10:00:00", "李发货"):
        assert value in page, value
    assert page.count(enterprise_name(app, item.distributor_id)) >= 2  # destination and seller
    for value in ("入库", "三号仓 A-12 货架", "完好", "冷链到货", enterprise_name(app, item.storage_id)):
        assert value in page, value
    assert "2026-03-06 10:00:00" in page  # sold, in Asia/Shanghai


def test_first_query_says_so(app, client):
    code = simple_code(app)
    page = client.get(f"/t/{code}").get_data(as_text=True)
    assert "这是该溯源码的第一次查询" in page


def test_counts_go_one_two_three(app, client):
    code = simple_code(app)
    for expected in (1, 2, 3):
        page = client.get(f"/t/{code}").get_data(as_text=True)
        row = code_row(app, code)
        assert row["scan_count"] == expected
        assert row["logs"] == expected
        assert f'data-query-count="{expected}"' in page
    logs = scan_logs(app, code)
    with app.test_request_context():
        from app.i18n import local_datetime

        previous = local_datetime(logs[1].scanned_at)
    assert f"这是该溯源码的第 3 次查询，上一次查询时间为 {previous}" in page
    row = code_row(app, code)
    assert row["first_scan_at"] == logs[0].scanned_at
    assert row["last_scan_at"] == logs[2].scanned_at


def test_scan_log_row_contents(app, client):
    code = simple_code(app)
    client.get(
        f"/t/{code}",
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
        headers={"User-Agent": "MicroMessenger/8.0"},
    )
    user = make_user(app)
    login(client, user)
    client.get(f"/t/{code}", environ_base={"REMOTE_ADDR": "2001:db8:abcd:12::1"})

    anonymous, logged_in = scan_logs(app, code)
    assert (anonymous.ip_prefix, anonymous.user_agent, anonymous.user_id) == (
        "203.0.113.0",
        "MicroMessenger/8.0",
        None,
    )
    assert (logged_in.ip_prefix, logged_in.user_id) == ("2001:db8:abcd::", user.id)


def test_lower_case_and_full_width_input_resolve(app, client):
    code = simple_code(app)
    assert client.get(f"/t/{code.lower()}").status_code == 200
    full_width = "".join(chr(ord(character) + 0xFEE0) for character in code)
    response = client.get(f"/t/{quote(full_width)}")
    assert response.status_code == 200
    assert code in response.get_data(as_text=True)
    assert code_row(app, code)["scan_count"] == 2


def test_case_sensitive_code_does_not_match_other_case(app, client):
    code = simple_code(app, case_sensitive=True)
    response = client.get(f"/t/{code.lower()}")
    assert response.status_code == 404
    assert code_row(app, code)["scan_count"] == 0


def count_logs(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(ScanLog.id)))


def test_unknown_code_404_changes_nothing(app, client):
    simple_code(app)
    response = client.get("/t/NOTOURCODE123")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert UNKNOWN_WARNING in page
    assert "可能是假冒" in page
    assert "正品溯源码" not in page
    assert count_logs(app) == 0


def test_malformed_code_is_404_with_the_warning(app, client):
    response = client.get("/t/" + quote("<script>"))
    assert response.status_code == 404
    assert UNKNOWN_WARNING in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)


def test_void_code_404_changes_nothing(app, client):
    code = simple_code(app)
    set_status(app, code, CodeStatus.VOID)
    response = client.get(f"/t/{code}")
    assert response.status_code == 404
    assert UNKNOWN_WARNING in response.get_data(as_text=True)
    row = code_row(app, code)
    assert (row["scan_count"], row["logs"], row["last_scan_at"]) == (0, 0, None)


def test_warning_above_threshold(app, client):
    app.config["SCAN_WARNING_THRESHOLD"] = 2
    code = simple_code(app)
    pages = [client.get(f"/t/{code}").get_data(as_text=True) for _ in range(3)]
    assert "data-counterfeit-warning" not in pages[0]
    assert "data-counterfeit-warning" not in pages[1]
    assert "data-counterfeit-warning" in pages[2]
    assert "已被查询 3 次" in pages[2]


def test_scan_page_is_never_cached(app, client):
    code = simple_code(app)
    assert client.get(f"/t/{code}").headers["Cache-Control"] == "no-store"
    assert client.get("/t/UNKNOWN1").headers["Cache-Control"] == "no-store"


def test_consumer_sees_no_enterprise_action(app, client):
    code = simple_code(app)
    login(client, make_user(app))
    page = client.get(f"/t/{code}").get_data(as_text=True)
    assert "<form" not in page
    # NOTE: "a distributor sees write-off but not ship" needs templates/trace/_scan_actions.html
    # from the packing/shipping issue; the lead completes that test after merging.


def test_enterprise_staff_scans_count(app, client):
    code = simple_code(app)
    for enterprise_type in (EnterpriseType.DISTRIBUTOR, EnterpriseType.STORAGE):
        _enterprise_id, owner = make_enterprise(app, enterprise_type.value)
        staff_client = app.test_client()
        login(staff_client, owner)
        assert staff_client.get(f"/t/{code}").status_code == 200
    assert code_row(app, code)["scan_count"] == 2
