"""The foundation on PostgreSQL: migrations, roles, onboarding and staff."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import EnterpriseMember, SuyuanUser
from tests.factories import login, logout, make_enterprise, make_user
from tests.test_migrations import schema_differences

pytestmark = pytest.mark.integration


def test_postgres_schema_matches_models(pg_app):
    assert schema_differences(pg_app) == []


def test_postgres_onboarding_and_staff(pg_app):
    enterprise_id, owner = make_enterprise(pg_app, "producer")
    staff = make_user(pg_app)
    client = pg_app.test_client()
    login(client, owner)
    assert client.post("/staff/invite", data={"public_id": staff.public_id}).status_code == 302
    logout(client)
    login(client, staff)
    page = client.get("/me").get_data(as_text=True)
    assert "邀请您加入成为员工" in page
    with pg_app.app_context():
        from app.models import StaffInvitation

        invitation_id = db.session.scalar(
            select(StaffInvitation.id).where(StaffInvitation.user_id == staff.id)
        )
    assert client.post(f"/me/invitations/{invitation_id}/accept").status_code == 302
    with pg_app.app_context():
        member = db.session.scalar(select(EnterpriseMember).where(EnterpriseMember.user_id == staff.id))
        assert member.enterprise_id == enterprise_id
        roles = {role.name for role in db.session.get(SuyuanUser, staff.id).roles}
        assert roles == {"Consumer", "Producer"}


def test_postgres_health(pg_app):
    response = pg_app.test_client().get("/health")
    assert response.json["database"] == "ok"
