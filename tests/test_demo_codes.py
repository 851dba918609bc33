"""`flask suyuan demo`: enterprises, logins, products, generated codes and scan URLs."""

import json

from sqlalchemy import func, select

from app.extensions import db
from app.models import CodeRequest, Product, TraceCode
from app.models.codes import RequestStatus
from tests.factories import make_admin


def run_demo(app, runner):
    # The `flask` command pushes an app context for its commands; the test runner does not.
    with app.app_context():
        result = runner.invoke(args=["suyuan", "demo", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_demo_json_has_logins_and_scan_urls(app, runner):
    make_admin(app)
    data = run_demo(app, runner)
    roles = {login["role"] for login in data["logins"]}
    assert roles == {"producer", "storage", "distributor", "consumer"}
    assert all(set(login) == {"username", "password", "role", "enterprise"} for login in data["logins"])
    assert len(data["scan_urls"]) == 3
    assert all(url.startswith("http://suyuan.test/t/") for url in data["scan_urls"])
    with app.app_context():
        assert db.session.scalar(select(func.count(Product.id))) == 2
        statuses = db.session.scalars(select(CodeRequest.status)).all()
        assert statuses == [RequestStatus.COMPLETED, RequestStatus.COMPLETED]
        assert db.session.scalar(select(func.count(TraceCode.id))) == 200
        code = data["scan_urls"][0].rsplit("/", 1)[1]
        assert db.session.scalar(select(TraceCode.id).where(TraceCode.code == code)) is not None


def test_demo_runs_twice_without_new_codes(app, runner):
    make_admin(app)
    first = run_demo(app, runner)
    second = run_demo(app, runner)
    assert first == second
    with app.app_context():
        assert db.session.scalar(select(func.count(TraceCode.id))) == 200


def test_demo_text_output_lists_scan_urls(app, runner):
    make_admin(app)
    with app.app_context():
        result = runner.invoke(args=["suyuan", "demo"])
    assert result.exit_code == 0, result.output
    assert "producer1" in result.output
    assert "http://suyuan.test/t/" in result.output
