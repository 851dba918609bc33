"""Staff management for the owner of an enterprise (员工管理)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.errors import DomainError
from app.models.enterprise import MemberRole
from app.security import ROLE_DISTRIBUTOR, ROLE_PRODUCER, ROLE_STORAGE, membership_of
from app.staff import cancel_invitation, invitations_of, invite_staff, members_of, remove_staff
from views.forms import ActionForm, InviteForm, show_domain_error

STAFF_VIEW = "StaffView"
PERMISSIONS = {
    role: [
        ("can_list", STAFF_VIEW),
        ("can_invite", STAFF_VIEW),
        ("can_remove", STAFF_VIEW),
        ("can_cancel", STAFF_VIEW),
        ("menu_access", "Enterprise"),
        ("menu_access", "Staff"),
    ]
    for role in (ROLE_PRODUCER, ROLE_STORAGE, ROLE_DISTRIBUTOR)
}


class StaffView(BaseView):
    """Members and invitations of the user's enterprise; the owner invites and removes."""

    route_base = "/staff"
    default_view = "list"

    def _member_or_403(self):
        member = membership_of(current_user.id)
        if member is None or not member.enterprise.is_approved:
            abort(403)
        return member

    def _render(self, form, status: int = 200):
        member = self._member_or_403()
        return self.render_template(
            "enterprise/staff.html",
            member=member,
            is_owner=member.role == MemberRole.OWNER,
            members=members_of(member.enterprise_id),
            invitations=invitations_of(member.enterprise_id),
            form=form,
            action_form=ActionForm(),
        ), status

    @expose("/")
    @has_access
    def list(self):
        return self._render(InviteForm())

    @expose("/invite", methods=["POST"])
    @has_access
    def invite(self):
        form = InviteForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            invitation = invite_staff(current_user, form.public_id.data)
        except DomainError as exc:
            if exc.status_code == 403:
                raise
            show_domain_error(form, exc)
            return self._render(form, exc.status_code)
        flash(
            _(
                "An invitation was sent to user %(id)s. They join once they accept it.",
                id=invitation.user.public_id,
            ),
            "success",
        )
        return redirect(url_for(f"{STAFF_VIEW}.list"))

    @expose("/remove/<int:member_id>", methods=["POST"])
    @has_access
    def remove(self, member_id: int):
        if not ActionForm().validate_on_submit():
            abort(400)
        remove_staff(current_user, member_id)
        flash(_("The staff member was removed."), "success")
        return redirect(url_for(f"{STAFF_VIEW}.list"))

    @expose("/invitations/<int:invitation_id>/cancel", methods=["POST"])
    @has_access
    def cancel(self, invitation_id: int):
        if not ActionForm().validate_on_submit():
            abort(400)
        cancel_invitation(current_user, invitation_id)
        flash(_("The invitation was withdrawn."), "success")
        return redirect(url_for(f"{STAFF_VIEW}.list"))


def register(app, appbuilder) -> None:
    appbuilder.add_view(
        StaffView,
        "Staff",
        label=_l("Staff"),
        icon="fa-users",
        category="Enterprise",
        category_label=_l("Enterprise management"),
    )
