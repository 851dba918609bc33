"""Staff invitations: invite by public ID, accept or decline, remove."""

from sqlalchemy import select

from app.extensions import db
from app.models import EnterpriseMember, StaffInvitation, SuyuanUser
from tests.factories import Account, login, logout, make_enterprise, make_user


def member_enterprise(app, user_id: int):
    with app.app_context():
        member = db.session.scalar(select(EnterpriseMember).where(EnterpriseMember.user_id == user_id))
        return member.enterprise_id if member else None


def roles_of(app, user_id: int) -> set[str]:
    with app.app_context():
        return {role.name for role in db.session.get(SuyuanUser, user_id).roles}


def pending_invitation_id(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(StaffInvitation.id)
            .where(StaffInvitation.user_id == user_id, StaffInvitation.status == "pending")
            .order_by(StaffInvitation.id.desc())
            .limit(1)
        )


def accept_invite(app, owner: Account, user: Account) -> None:
    """Invite ``user`` through the owner's screen and accept on the user's "me" page."""
    client = app.test_client()
    login(client, owner)
    assert client.post("/staff/invite", data={"public_id": user.public_id}).status_code == 302
    logout(client)
    login(client, user)
    invitation_id = pending_invitation_id(app, user.id)
    assert client.post(f"/me/invitations/{invitation_id}/accept").status_code == 302


def test_invitation_changes_nothing_until_accepted(app, client):
    enterprise_id, owner = make_enterprise(app, "producer")
    user = make_user(app)
    login(client, owner)
    response = client.post("/staff/invite", data={"public_id": user.public_id})
    assert response.status_code == 302
    assert member_enterprise(app, user.id) is None
    assert roles_of(app, user.id) == {"Consumer"}

    logout(client)
    login(client, user)
    page = client.get("/me").get_data(as_text=True)
    assert "邀请您加入成为员工" in page
    invitation_id = pending_invitation_id(app, user.id)
    assert client.post(f"/me/invitations/{invitation_id}/accept").status_code == 302
    assert member_enterprise(app, user.id) == enterprise_id
    assert roles_of(app, user.id) == {"Consumer", "Producer"}


def test_declined_invitation_leaves_user_outside(app, client):
    _, owner = make_enterprise(app, "storage")
    user = make_user(app)
    login(client, owner)
    client.post("/staff/invite", data={"public_id": user.public_id})
    logout(client)
    login(client, user)
    invitation_id = pending_invitation_id(app, user.id)
    assert client.post(f"/me/invitations/{invitation_id}/decline").status_code == 302
    assert member_enterprise(app, user.id) is None
    assert client.post(f"/me/invitations/{invitation_id}/accept").status_code == 302
    assert member_enterprise(app, user.id) is None


def test_second_enterprise_membership_is_refused(app, client):
    first_id, first_owner = make_enterprise(app, "producer")
    _, second_owner = make_enterprise(app, "distributor")
    user = make_user(app)
    accept_invite(app, first_owner, user)

    login(client, second_owner)
    response = client.post("/staff/invite", data={"public_id": user.public_id})
    assert response.status_code == 409
    assert "已属于某个企业" in response.get_data(as_text=True)
    assert member_enterprise(app, user.id) == first_id


def test_invitation_accepted_after_joining_elsewhere_is_refused(app, client):
    first_id, first_owner = make_enterprise(app, "producer")
    _, second_owner = make_enterprise(app, "distributor")
    user = make_user(app)
    login(client, second_owner)
    client.post("/staff/invite", data={"public_id": user.public_id})
    logout(client)
    second_invitation = pending_invitation_id(app, user.id)
    accept_invite(app, first_owner, user)

    login(client, user)
    client.post(f"/me/invitations/{second_invitation}/accept")
    assert member_enterprise(app, user.id) == first_id
    assert roles_of(app, user.id) == {"Consumer", "Producer"}


def test_unknown_public_id_is_reported(app, client):
    _, owner = make_enterprise(app, "producer")
    login(client, owner)
    response = client.post("/staff/invite", data={"public_id": "99999999"})
    assert response.status_code == 404
    assert "没有 ID 为 99999999 的用户" in response.get_data(as_text=True)


def test_owner_removes_staff_and_role_is_revoked(app, client):
    _, owner = make_enterprise(app, "distributor")
    user = make_user(app)
    accept_invite(app, owner, user)
    with app.app_context():
        member_id = db.session.scalar(select(EnterpriseMember.id).where(EnterpriseMember.user_id == user.id))
    login(client, owner)
    assert client.post(f"/staff/remove/{member_id}").status_code == 302
    assert member_enterprise(app, user.id) is None
    assert roles_of(app, user.id) == {"Consumer"}


def test_staff_cannot_invite_or_remove(app, client):
    enterprise_id, owner = make_enterprise(app, "producer")
    staff = make_user(app)
    accept_invite(app, owner, staff)
    other = make_user(app)
    with app.app_context():
        owner_member = db.session.scalar(
            select(EnterpriseMember.id).where(EnterpriseMember.user_id == owner.id)
        )
    login(client, staff)
    assert client.post("/staff/invite", data={"public_id": other.public_id}).status_code == 403
    assert client.post(f"/staff/remove/{owner_member}").status_code == 403
    assert member_enterprise(app, owner.id) == enterprise_id


def test_remove_foreign_staff_by_guessed_id(app, client):
    _, owner_a = make_enterprise(app, "producer")
    b_id, owner_b = make_enterprise(app, "producer")
    staff_b = make_user(app)
    accept_invite(app, owner_b, staff_b)
    with app.app_context():
        member_id = db.session.scalar(
            select(EnterpriseMember.id).where(EnterpriseMember.user_id == staff_b.id)
        )
    login(client, owner_a)
    assert client.post(f"/staff/remove/{member_id}").status_code == 404
    assert member_enterprise(app, staff_b.id) == b_id


def test_user_cannot_accept_someone_elses_invitation(app, client):
    _, owner = make_enterprise(app, "producer")
    invited = make_user(app)
    intruder = make_user(app)
    login(client, owner)
    client.post("/staff/invite", data={"public_id": invited.public_id})
    logout(client)
    invitation_id = pending_invitation_id(app, invited.id)
    login(client, intruder)
    assert client.post(f"/me/invitations/{invitation_id}/accept").status_code == 404
    assert member_enterprise(app, intruder.id) is None
    assert member_enterprise(app, invited.id) is None


def test_owner_cannot_be_removed(app, client):
    _, owner = make_enterprise(app, "producer")
    with app.app_context():
        member_id = db.session.scalar(select(EnterpriseMember.id).where(EnterpriseMember.user_id == owner.id))
    login(client, owner)
    client.post(f"/staff/remove/{member_id}")
    assert member_enterprise(app, owner.id) is not None


def test_consumer_cannot_open_staff_screen(app, client):
    login(client, make_user(app))
    assert client.get("/staff/").status_code == 403


def test_invite_accepts_full_width_digits(app, client):
    _, owner = make_enterprise(app, "producer")
    user = make_user(app)
    full_width = user.public_id.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    login(client, owner)
    assert client.post("/staff/invite", data={"public_id": full_width}).status_code == 302
    assert pending_invitation_id(app, user.id) is not None
